// Package checktest serves fake services on loopback for the check families'
// tests: one accept loop, so each test writes only its protocol.
package checktest

import (
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/perimeterhq/perimeter/internal/scanner/checks"
	"github.com/perimeterhq/perimeter/internal/scanner/result"
)

// Serve listens on 127.0.0.1 until the test ends and hands each connection
// to handle in its own goroutine, with a 5 s deadline, closing it when handle
// returns. It returns the target of that port: svc with Port set (and
// Protocol TCP when empty).
func Serve(t testing.TB, svc result.Service, handle func(net.Conn)) checks.Target {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				c.SetDeadline(time.Now().Add(5 * time.Second))
				handle(c)
			}()
		}
	}()
	svc.Port = ln.Addr().(*net.TCPAddr).Port
	if svc.Protocol == "" {
		svc.Protocol = result.TCP
	}
	return checks.Target{IP: netip.MustParseAddr("127.0.0.1"), Service: svc}
}
