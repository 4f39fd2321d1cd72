package netprobe

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"testing"
	"time"
)

// serve accepts one connection on loopback and hands it to fn.
func serve(t *testing.T, fn func(net.Conn)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		fn(c)
	}()
	return ln.Addr().String()
}

func TestReadLineAndReply(t *testing.T) {
	addr := serve(t, func(c net.Conn) {
		io.WriteString(c, "hello\r\n"+strings.Repeat("x", 100)+"\r\n")
	})
	c, err := Dial(context.Background(), "tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if l, err := c.ReadLine(0); l != "hello" || err != nil {
		t.Fatalf("%q %v", l, err)
	}
	if _, err := c.ReadLine(50); !errors.Is(err, ErrLineTooLong) {
		t.Fatalf("long line: %v", err)
	}
	c2, err := Dial(context.Background(), "tcp", serve(t, func(c net.Conn) {
		io.WriteString(c, "220-first\r\n free text\r\n220-more\r\n220 last\r\nno code here\r\n")
	}))
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	r, err := c2.ReadReply()
	if err != nil || r.Code != 220 || len(r.Lines) != 4 || !strings.HasSuffix(r.Text(), "220 last") {
		t.Fatalf("%+v %v", r, err)
	}
	if _, err := c2.ReadReply(); err == nil {
		t.Fatal("reply without code accepted")
	}
}

func TestReplyTooLong(t *testing.T) {
	addr := serve(t, func(c net.Conn) {
		io.WriteString(c, strings.Repeat("220-x\r\n", MaxReplyLines+5))
	})
	c, err := Dial(context.Background(), "tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.ReadReply(); err == nil || !strings.Contains(err.Error(), "longer") {
		t.Fatalf("%v", err)
	}
}

func TestCancelClosesConnection(t *testing.T) {
	hold := make(chan struct{})
	t.Cleanup(func() { close(hold) })
	addr := serve(t, func(c net.Conn) { <-hold })
	ctx, cancel := context.WithCancel(context.Background())
	c, err := Dial(ctx, "tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	errc := make(chan error, 1)
	go func() {
		_, err := c.ReadLine(0)
		errc <- err
	}()
	cancel()
	if err := <-errc; err == nil {
		t.Fatal("read survived cancellation")
	}
}

func TestDeadlineFromContext(t *testing.T) {
	hold := make(chan struct{})
	t.Cleanup(func() { close(hold) })
	addr := serve(t, func(c net.Conn) { <-hold })
	ctx, cancel := context.WithTimeout(context.Background(), time.Millisecond*20)
	defer cancel()
	c, err := Dial(ctx, "tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.ReadLine(0); err == nil {
		t.Fatal("read without deadline")
	}
}

func udpServer(t *testing.T, fn func(req []byte) [][]byte) string {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pc.Close() })
	go func() {
		buf := make([]byte, 1500)
		for {
			n, from, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			for _, resp := range fn(append([]byte(nil), buf[:n]...)) {
				pc.WriteTo(resp, from)
			}
		}
	}()
	return pc.LocalAddr().String()
}

func TestExchange(t *testing.T) {
	addr := udpServer(t, func(req []byte) [][]byte {
		return [][]byte{[]byte("stray"), append([]byte("re:"), req...)}
	})
	got, err := Exchange(context.Background(), addr, []byte("ping"), 2, time.Second, func(b []byte) bool {
		return bytes.HasPrefix(b, []byte("re:"))
	})
	if err != nil || string(got) != "re:ping" {
		t.Fatalf("%q %v", got, err)
	}
	silent := udpServer(t, func([]byte) [][]byte { return nil })
	var tries int
	_, err = Exchange(context.Background(), silent, []byte("ping"), 2, 20*time.Millisecond, func([]byte) bool { tries++; return true })
	if !errors.Is(err, ErrNoResponse) || tries != 0 {
		t.Fatalf("silent server: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Exchange(ctx, silent, []byte("ping"), 2, time.Second, nil); err == nil {
		t.Fatal("cancelled exchange succeeded")
	}
}
