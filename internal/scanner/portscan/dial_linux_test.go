//go:build linux

package portscan

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"net/netip"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

func TestSocketDialerReusesRefusedSockets(t *testing.T) {
	open := openListeners(t, "127.0.0.1", 1)[0]
	closed := closedPorts(t, 1)[0]
	d := NewSocketDialer(2)
	defer d.Close()
	ctx := context.Background()
	if err := d.Dial(ctx, netip.AddrPortFrom(loopback, uint16(closed)), time.Second); err != syscall.ECONNREFUSED {
		t.Fatalf("closed port: %v, want ECONNREFUSED", err)
	}
	if len(d.idle4) != 1 {
		t.Fatalf("refused socket not kept for reuse (idle=%d)", len(d.idle4))
	}
	// The recycled socket must connect again, to an open port and to a
	// closed one, with correct answers.
	if err := d.Dial(ctx, netip.AddrPortFrom(loopback, uint16(open)), time.Second); err != nil {
		t.Fatalf("open port through a reused socket: %v", err)
	}
	if len(d.idle4) != 0 {
		t.Fatalf("socket of an open port kept (idle=%d); it must be closed", len(d.idle4))
	}
	for range 3 {
		if err := d.Dial(ctx, netip.AddrPortFrom(loopback, uint16(closed)), time.Second); err != syscall.ECONNREFUSED {
			t.Fatalf("closed port again: %v", err)
		}
	}
	d.Close()
	if len(d.idle4) != 0 {
		t.Errorf("Close left %d idle sockets", len(d.idle4))
	}
}

func TestSelfConnectIsDetected(t *testing.T) {
	// Bind a socket to a port and connect it to that same address: Linux
	// completes a simultaneous open with itself, the case a connect scan of
	// the ephemeral range meets by chance.
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fd)
	port := closedPorts(t, 1)[0]
	sa := &unix.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}, Port: port}
	if err := unix.Bind(fd, sa); err != nil {
		t.Fatal(err)
	}
	if err := unix.Connect(fd, sa); err != nil {
		t.Skipf("kernel refused a self-connection: %v", err)
	}
	if !isSelfConnect(fd, netip.AddrPortFrom(loopback, uint16(port))) {
		t.Error("self-connection not detected")
	}
	if Classify(errSelfConnect) != OutcomeRetry {
		t.Error("a self-connection must be retried, not taken as open")
	}

	other := openListeners(t, "127.0.0.1", 1)[0]
	c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", other))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	raw, _ := c.(*net.TCPConn).SyscallConn()
	var self bool
	_ = raw.Control(func(fd uintptr) { self = isSelfConnect(int(fd), netip.AddrPortFrom(loopback, uint16(other))) })
	if self {
		t.Error("an ordinary connection taken for a self-connection")
	}
}

// synSent tells whether /proc/net/tcp lists a connection to port in SYN_SENT.
func synSent(port int) bool {
	f, err := os.Open("/proc/net/tcp")
	if err != nil {
		return false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		// sl local_address rem_address st …; state 02 = SYN_SENT.
		fields := strings.Fields(sc.Text())
		if len(fields) > 3 && strings.HasSuffix(fields[2], fmt.Sprintf(":%04X", port)) && fields[3] == "02" {
			return true
		}
	}
	return false
}

func TestPendingConnectCompletesThroughThePoller(t *testing.T) {
	if _, err := os.Stat("/proc/net/tcp"); err != nil {
		t.Skip("no /proc/net/tcp")
	}
	// A full accept queue drops the SYN; freeing the queue lets the kernel's
	// SYN retransmission (after about a second) complete the handshake while
	// the dialer waits in the runtime poller.
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fd)
	if err := unix.Bind(fd, &unix.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		t.Fatal(err)
	}
	if err := unix.Listen(fd, 0); err != nil {
		t.Fatal(err)
	}
	sa, _ := unix.Getsockname(fd)
	port := sa.(*unix.SockaddrInet4).Port
	filler, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port))
	if err != nil {
		t.Fatal(err)
	}
	defer filler.Close()

	d := NewSocketDialer(1)
	defer d.Close()
	done := make(chan error, 1)
	go func() {
		done <- d.Dial(context.Background(), netip.AddrPortFrom(loopback, uint16(port)), 20*time.Second)
	}()
	waitFor(t, "the probe's SYN_SENT", func() bool { return synSent(port) })
	nfd, _, err := unix.Accept(fd) // frees the queue
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(nfd)
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("pending connect: %v, want success", err)
		}
	case <-time.After(30 * time.Second): // failure guard only
		t.Fatal("pending connect never completed")
	}
}

func TestPendingConnectTimesOutAsFiltered(t *testing.T) {
	port := blackholePort(t, "127.0.0.1")
	err := NewSocketDialer(1).Dial(context.Background(), netip.AddrPortFrom(loopback, uint16(port)), 20*time.Millisecond)
	if Classify(err) != OutcomeFiltered {
		t.Errorf("blackholed port: %v (%v), want filtered", err, Classify(err))
	}
}
