package ftpcheck

import (
	"bufio"
	"context"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/perimeterhq/perimeter/internal/scanner/checks"
	"github.com/perimeterhq/perimeter/internal/scanner/result"
)

// fakeFTP answers the login dialogue; anonymous decides whether the
// anonymous user gets in. It records the commands it received.
func fakeFTP(t *testing.T, anonymous bool, greeting string) (checks.Target, chan string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	cmds := make(chan string, 16)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				c.SetDeadline(time.Now().Add(5 * time.Second))
				c.Write([]byte(greeting))
				r := bufio.NewReader(c)
				for {
					line, err := r.ReadString('\n')
					if err != nil {
						return
					}
					cmd := strings.TrimSpace(line)
					cmds <- cmd
					switch {
					case strings.HasPrefix(cmd, "USER "):
						c.Write([]byte("331 Please specify the password.\r\n"))
					case strings.HasPrefix(cmd, "PASS ") && anonymous:
						c.Write([]byte("230-Welcome, archive user\r\n230 Login successful.\r\n"))
					case strings.HasPrefix(cmd, "PASS "):
						c.Write([]byte("530 Login incorrect.\r\n"))
					case cmd == "QUIT":
						c.Write([]byte("221 Goodbye.\r\n"))
						return
					}
				}
			}()
		}
	}()
	return checks.Target{
		IP:      netip.MustParseAddr("127.0.0.1"),
		Service: result.Service{Port: ln.Addr().(*net.TCPAddr).Port, Protocol: result.TCP, Service: "ftp"},
	}, cmds
}

func TestAnonymousLogin(t *testing.T) {
	c, ok := checks.Lookup("ftp.anonymous-login")
	if !ok {
		t.Fatal("not registered")
	}
	open, cmds := fakeFTP(t, true, "220-Welcome\r\n220 (vsFTPd 3.0.3)\r\n")
	fs, err := c.Run(context.Background(), open)
	if err != nil || len(fs) != 1 {
		t.Fatalf("positive: %+v %v", fs, err)
	}
	ev := fs[0].Evidence
	if !strings.Contains(ev, "230 Login successful.") || strings.Contains(ev, anonymousPassword) {
		t.Errorf("evidence %q", ev)
	}
	if !fs[0].PCIAutoFail || fs[0].Severity != result.SeverityMedium {
		t.Errorf("flags %+v", fs[0])
	}
	if got := <-cmds; got != "USER anonymous" {
		t.Errorf("first command %q", got)
	}

	closed, _ := fakeFTP(t, false, "220 ready\r\n")
	if fs, err := c.Run(context.Background(), closed); err != nil || len(fs) != 0 {
		t.Fatalf("negative: %+v %v", fs, err)
	}
	busy, _ := fakeFTP(t, true, "421 Too many users\r\n")
	if _, err := c.Run(context.Background(), busy); err == nil {
		t.Fatal("421 greeting should be an error, not a verdict")
	}
}
