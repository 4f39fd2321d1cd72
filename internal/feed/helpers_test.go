package feed

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/perimeterhq/perimeter/internal/feed/feedtest"
)

// fakeClock is the sync's clock in tests: Sleep advances it instead of
// waiting, and records every wait.
type fakeClock struct {
	mu     sync.Mutex
	t      time.Time
	sleeps []time.Duration
}

func (c *fakeClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) sleep(ctx context.Context, d time.Duration) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sleeps = append(c.sleeps, d)
	c.t = c.t.Add(d)
	return ctx.Err()
}

func (c *fakeClock) set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

func (c *fakeClock) slept() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.sleeps)
}

func date(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

// loopbackClient refuses to dial anything but a loopback address, so a bug
// in the URL policy cannot make a test reach the internet.
func loopbackClient() *http.Client {
	return &http.Client{
		Timeout: 30 * time.Second,
		Transport: &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			host, _, err := net.SplitHostPort(addr)
			if ip := net.ParseIP(host); err != nil || ip == nil || !ip.IsLoopback() {
				return nil, fmt.Errorf("test dialer: refusing non-loopback address %s", addr)
			}
			return (&net.Dialer{}).DialContext(ctx, network, addr)
		}},
	}
}

// newTestConfig returns a config against srv with a fake clock at now.
func newTestConfig(t *testing.T, srv *feedtest.Server, now time.Time) (Config, *fakeClock) {
	t.Helper()
	clock := &fakeClock{t: now}
	return Config{
		Dir:        t.TempDir(),
		NVDURL:     srv.NVDURL(),
		KEVURL:     srv.KEVURL(),
		EPSSURL:    srv.EPSSURL(),
		HTTPClient: loopbackClient(),
		Backoff:    time.Second,
		MaxBackoff: 10 * time.Second,
		Now:        clock.now,
		Sleep:      clock.sleep,
		Log:        t.Logf,
	}, clock
}

func pageFiles(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join(dir, "nvd"))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

func startIndexes(qs []url.Values) string {
	var s []string
	for _, q := range qs {
		s = append(s, q.Get("startIndex"))
	}
	return strings.Join(s, ",")
}
