package scanner

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"

	"github.com/perimeterhq/perimeter/internal/scanner/result"
)

func TestLargeTargetsAreStreamed(t *testing.T) {
	p, err := Options{Hosts: "10.0.0.0/8", Exclude: "10.0.0.1"}.plan()
	if err != nil {
		t.Fatal(err)
	}
	e := newEngine(p, nil)
	defer e.close()
	seq, total := e.targets(context.Background())
	if total != 1<<24-1 {
		t.Errorf("total = %d, want %d", total, 1<<24-1)
	}
	var got []string
	for h := range seq {
		got = append(got, h.addr.String())
		if len(got) == 3 {
			break
		}
	}
	if strings.Join(got, " ") != "10.0.0.0 10.0.0.2 10.0.0.3" {
		t.Errorf("first hosts %v", got)
	}
}

func TestUnresolvableHostnameIsANonFatalError(t *testing.T) {
	// A resolver whose DNS transport always fails: no query leaves the
	// machine, and names not in the hosts file fail to resolve.
	offline := &net.Resolver{PreferGo: true, Dial: func(context.Context, string, string) (net.Conn, error) {
		return nil, errors.New("no DNS in tests")
	}}
	l := listen(t, "127.0.0.1", 0, false)
	evs, stats, err := collect(t, context.Background(), Options{
		Hosts: "nonexistent.perimeter.invalid, 127.0.0.1", Ports: portList(t, l.port), Profile: fastProfile(), NoPing: true, Resolver: offline,
	})
	if err != nil {
		t.Fatal(err)
	}
	errs := ofKind(evs, result.EventError)
	if len(errs) != 1 || !strings.Contains(errs[0].Err, "nonexistent.perimeter.invalid") {
		t.Errorf("error events %+v", errs)
	}
	if len(ofKind(evs, result.EventHostDone)) != 1 || stats.PortsOpen != 1 {
		t.Errorf("the resolvable host was not scanned: %+v", stats)
	}
}
