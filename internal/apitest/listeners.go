package apitest

import (
	"fmt"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/perimeterhq/perimeter/internal/scanner/checks/checktest"
	"github.com/perimeterhq/perimeter/internal/scanner/result"
)

// Services on loopback for scans in tests to find.

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
	return checktest.Serve(t, result.Service{}, func(c net.Conn) {
		fmt.Fprint(c, "220 ftp.example.test FTP server ready\r\n")
	}).Service.Port
}

// WeakHTTP serves HTTP on 127.0.0.1:port (0: any free port) until the test
// ends, with a versioned Server header and none of the security headers:
// something for a scan's checks to find. It returns the server (to stop it
// early) and its port.
func WeakHTTP(t testing.TB, port int) (*http.Server, int) {
	t.Helper()
	ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Server", "Apache/2.4.49 (Unix)")
		fmt.Fprint(w, "<html><head><title>lab</title></head><body>hello</body></html>")
	}), ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return srv, ln.Addr().(*net.TCPAddr).Port
}
