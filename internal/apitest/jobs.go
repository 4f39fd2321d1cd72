package apitest

import (
	"context"
	"fmt"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/perimeterhq/perimeter/internal/jobs"
)

// StartJobs runs the real job engine for the Env (scan runs, recovery,
// schedules) with short intervals, stopped at cleanup.
func (e *Env) StartJobs(t testing.TB) {
	t.Helper()
	r, err := jobs.Start(context.Background(), e.Store, e.App, jobs.Options{Workers: 4, ScanWorkers: 2,
		ReapInterval: 200 * time.Millisecond, ScheduleInterval: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		_ = r.Stop(ctx)
	})
}

// Eventually polls cond every 50 ms until it holds or timeout passes.
func Eventually(t testing.TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// SilentListener accepts TCP connections on ip and never answers, so service
// detection on it waits out its timeouts: a scan of it takes seconds. The test
// is skipped when the address cannot be used. It returns the port.
func SilentListener(t testing.TB, ip string) int {
	t.Helper()
	ln, err := net.Listen("tcp", ip+":0")
	if err != nil {
		t.Skipf("cannot listen on %s: %v", ip, err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	return ln.Addr().(*net.TCPAddr).Port
}

// BannerListener accepts TCP connections on 127.0.0.1, writes an FTP
// greeting and closes each: a service a scan finds and names at once (and
// reports as clear-text FTP). It returns the port; it closes with the test.
func BannerListener(t testing.TB) int {
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
			fmt.Fprint(c, "220 ftp.example.test FTP server ready\r\n")
			c.Close()
		}
	}()
	return ln.Addr().(*net.TCPAddr).Port
}
