package scanner

import (
	"context"
	"net"
	"net/netip"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/perimeterhq/perimeter/internal/scanner/portscan"
	"github.com/perimeterhq/perimeter/internal/scanner/result"
)

// countingListener accepts connections on addr, counts them, and either
// closes them at once or holds them until the test ends.
type countingListener struct {
	port     int
	accepted atomic.Int64
	live     atomic.Int64
	maxLive  atomic.Int64
}

func listen(t *testing.T, addr string, port int, hold bool) *countingListener {
	t.Helper()
	ln, err := net.Listen("tcp", net.JoinHostPort(addr, strconv.Itoa(port)))
	if err != nil {
		t.Fatal(err)
	}
	cl := &countingListener{port: ln.Addr().(*net.TCPAddr).Port}
	var conns sync.WaitGroup
	done := make(chan struct{})
	t.Cleanup(func() { close(done); ln.Close(); conns.Wait() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			cl.accepted.Add(1)
			if !hold {
				c.Close()
				continue
			}
			n := cl.live.Add(1)
			for {
				m := cl.maxLive.Load()
				if n <= m || cl.maxLive.CompareAndSwap(m, n) {
					break
				}
			}
			conns.Go(func() {
				defer c.Close()
				defer cl.live.Add(-1)
				buf := make([]byte, 512)
				for {
					// Say nothing, read until the client hangs up.
					if _, err := c.Read(buf); err != nil {
						return
					}
					select {
					case <-done:
						return
					default:
					}
				}
			})
		}
	}()
	return cl
}

func closedPort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// blackholePort is a loopback port that drops SYNs: a backlog-0 listener
// whose accept queue is already full.
func blackholePort(t *testing.T) int {
	t.Helper()
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := unix.Bind(fd, &unix.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		t.Fatal(err)
	}
	if err := unix.Listen(fd, 0); err != nil {
		t.Fatal(err)
	}
	sa, _ := unix.Getsockname(fd)
	port := sa.(*unix.SockaddrInet4).Port
	filler, err := net.DialTimeout("tcp", "127.0.0.1:"+strconv.Itoa(port), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { filler.Close(); unix.Close(fd) })
	return port
}

// recordingDialer passes attempts to the real dialer and records the
// addresses tried; started receives once per attempt when set.
type recordingDialer struct {
	next    portscan.Dialer
	mu      sync.Mutex
	tried   map[netip.Addr]int
	started chan struct{}
}

func newRecordingDialer() *recordingDialer {
	return &recordingDialer{next: portscan.NewDialer(16), tried: map[netip.Addr]int{}}
}

func (d *recordingDialer) Dial(ctx context.Context, addr netip.AddrPort, timeout time.Duration) error {
	d.mu.Lock()
	d.tried[addr.Addr()]++
	d.mu.Unlock()
	if d.started != nil {
		select {
		case d.started <- struct{}{}:
		default:
		}
	}
	return d.next.Dial(ctx, addr, timeout)
}

func (d *recordingDialer) attempts(a string) int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.tried[netip.MustParseAddr(a)]
}

// collect runs a scan and gathers its events.
func collect(t *testing.T, ctx context.Context, opts Options) ([]result.Event, result.Stats, error) {
	t.Helper()
	events := make(chan result.Event, 64)
	var got []result.Event
	done := make(chan struct{})
	go func() {
		for ev := range events {
			got = append(got, ev)
		}
		close(done)
	}()
	stats, err := Run(ctx, opts, events)
	close(events)
	<-done
	return got, stats, err
}

func ofKind(evs []result.Event, kind result.EventKind) []result.Event {
	var out []result.Event
	for _, ev := range evs {
		if ev.Kind == kind {
			out = append(out, ev)
		}
	}
	return out
}

func openFDs(t *testing.T) int {
	t.Helper()
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skip("no /proc/self/fd:", err)
	}
	return len(entries)
}

func boolp(b bool) *bool { return &b }

// fastProfile is a test profile: no service stages, short timeouts.
func fastProfile() Profile {
	return Profile{
		Name:        "test",
		Discovery:   "tcp",
		Timing:      portscan.Timing{InitialTimeout: 200 * time.Millisecond, MinTimeout: 50 * time.Millisecond, MaxTimeout: 200 * time.Millisecond, Retries: 1, UDPTimeout: 100 * time.Millisecond},
		Concurrency: 64, PerHost: 16, Hosts: 4,
	}
}

func mkdirWrite(dir, name, content string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	return os.WriteFile(dir+"/"+name, []byte(content), 0o644)
}
