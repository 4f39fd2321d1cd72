package scanner

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/perimeterhq/perimeter/internal/hostspec"
	"github.com/perimeterhq/perimeter/internal/portspec"
	"github.com/perimeterhq/perimeter/internal/scanner/discovery"
	"github.com/perimeterhq/perimeter/internal/scanner/result"
)

func portList(t *testing.T, tcp ...int) portspec.List {
	t.Helper()
	var parts []string
	for _, p := range tcp {
		parts = append(parts, fmt.Sprint(p))
	}
	l, err := portspec.Parse("T:" + strings.Join(parts, ","))
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func TestRunFindsOpenPortsAndStreamsEvents(t *testing.T) {
	a, b := listen(t, "127.0.0.1", 0, false), listen(t, "127.0.0.1", 0, false)
	closed := closedPort(t)
	evs, stats, err := collect(t, context.Background(), Options{
		Hosts:   "127.0.0.1",
		Ports:   portList(t, a.port, b.port, closed),
		Profile: fastProfile(),
	})
	if err != nil {
		t.Fatal(err)
	}
	if up := ofKind(evs, result.EventHostUp); len(up) != 1 || up[0].IP.String() != "127.0.0.1" || !strings.HasPrefix(up[0].Host.Reason, "tcp-") {
		t.Fatalf("host_up events: %+v", up)
	}
	var open []int
	for _, ev := range ofKind(evs, result.EventPortOpen) {
		open = append(open, ev.Service.Port)
	}
	slices.Sort(open)
	want := []int{min(a.port, b.port), max(a.port, b.port)}
	if !slices.Equal(open, want) {
		t.Errorf("port_open events for %v, want %v", open, want)
	}
	done := ofKind(evs, result.EventHostDone)
	if len(done) != 1 {
		t.Fatalf("%d host_done events, want 1", len(done))
	}
	h := done[0].Host
	var ports []int
	for _, s := range h.Ports {
		ports = append(ports, s.Port)
	}
	if h.Status != result.HostUp || !slices.Equal(ports, want) {
		t.Errorf("host_done: status %q ports %v, want up %v", h.Status, ports, want)
	}
	if last := evs[len(evs)-1]; last.Kind != result.EventProgress || last.Progress != 100 {
		t.Errorf("last event %+v, want progress 100", last)
	}
	prev := -1.0
	for _, ev := range ofKind(evs, result.EventProgress) {
		if ev.Progress <= prev || ev.Progress > 100 {
			t.Errorf("progress went from %v to %v", prev, ev.Progress)
		}
		prev = ev.Progress
	}
	if stats.HostsTotal != 1 || stats.HostsUp != 1 || stats.PortsOpen != 2 || stats.PortsProbed < 3 || stats.Duration <= 0 {
		t.Errorf("stats = %+v", stats)
	}
}

func TestExcludedAddressesAreNeverTouched(t *testing.T) {
	excluded := listen(t, "127.0.0.3", 0, false)
	neighbour := listen(t, "127.0.0.2", excluded.port, false)
	dialer := newRecordingDialer()
	evs, stats, err := collect(t, context.Background(), Options{
		Hosts:   "127.0.0.1-127.0.0.4",
		Exclude: "127.0.0.3",
		Ports:   portList(t, excluded.port),
		Profile: fastProfile(),
		Dialer:  dialer,
	})
	if err != nil {
		t.Fatal(err)
	}
	if n := excluded.accepted.Load(); n != 0 {
		t.Errorf("excluded listener accepted %d connections", n)
	}
	if n := dialer.attempts("127.0.0.3"); n != 0 {
		t.Errorf("%d connection attempts to the excluded address", n)
	}
	for _, ev := range evs {
		if ev.IP.String() == "127.0.0.3" {
			t.Errorf("event about the excluded address: %+v", ev)
		}
	}
	var neighbourOpen bool
	for _, ev := range ofKind(evs, result.EventPortOpen) {
		neighbourOpen = neighbourOpen || (ev.IP.String() == "127.0.0.2" && ev.Service.Port == neighbour.port)
	}
	if !neighbourOpen || dialer.attempts("127.0.0.2") == 0 {
		t.Error("the neighbouring address was not scanned")
	}
	if stats.HostsTotal != 3 || len(ofKind(evs, result.EventHostDone)) != 3 {
		t.Errorf("hosts total %d, host_done %d; want 3", stats.HostsTotal, len(ofKind(evs, result.EventHostDone)))
	}
}

func TestHostnamesResolveAtScanTimeAndExclusionsStillApply(t *testing.T) {
	l := listen(t, "127.0.0.1", 0, false)
	t.Run("resolved", func(t *testing.T) {
		evs, _, err := collect(t, context.Background(), Options{Hosts: "localhost", Ports: portList(t, l.port), Profile: fastProfile()})
		if err != nil {
			t.Fatal(err)
		}
		var found bool
		for _, ev := range ofKind(evs, result.EventHostDone) {
			if ev.IP.String() == "127.0.0.1" {
				found = true
				if !slices.Equal(ev.Host.Hostnames, []string{"localhost"}) || len(ev.Host.Ports) != 1 {
					t.Errorf("host %+v, want hostname localhost and one open port", ev.Host)
				}
			}
		}
		if !found {
			t.Fatalf("localhost did not lead to 127.0.0.1: %+v", evs)
		}
	})
	t.Run("excluded by address", func(t *testing.T) {
		l := listen(t, "127.0.0.1", 0, false)
		dialer := newRecordingDialer()
		evs, _, err := collect(t, context.Background(), Options{Hosts: "localhost", Exclude: "127.0.0.0/8, ::1", Ports: portList(t, l.port), Profile: fastProfile(), Dialer: dialer})
		if err != nil {
			t.Fatal(err)
		}
		if n := l.accepted.Load(); n != 0 {
			t.Errorf("listener behind an excluded address accepted %d connections", n)
		}
		dialer.mu.Lock()
		defer dialer.mu.Unlock()
		if len(dialer.tried) != 0 {
			t.Errorf("attempts made: %v", dialer.tried)
		}
		if n := len(ofKind(evs, result.EventHostDone)); n != 0 {
			t.Errorf("%d hosts scanned", n)
		}
	})
}

func TestDownHostsAreReportedAndNotPortScanned(t *testing.T) {
	hole := blackholePort(t)
	open := listen(t, "127.0.0.1", 0, false)
	prof := fastProfile()
	prof.DiscoveryPorts = []int{hole}
	dialer := newRecordingDialer()
	evs, stats, err := collect(t, context.Background(), Options{Hosts: "127.0.0.1", Ports: portList(t, open.port), Profile: prof, Dialer: dialer})
	if err != nil {
		t.Fatal(err)
	}
	down := ofKind(evs, result.EventHostDown)
	if len(down) != 1 || down[0].Host.Status != result.HostDown || down[0].Host.Reason != discovery.ReasonNoResponse {
		t.Fatalf("host_down events: %+v", down)
	}
	if done := ofKind(evs, result.EventHostDone); len(done) != 1 || done[0].Host.Status != result.HostDown {
		t.Errorf("host_done events: %+v", done)
	}
	if n := open.accepted.Load(); n != 0 || len(ofKind(evs, result.EventPortOpen)) != 0 {
		t.Errorf("a down host was port-scanned (%d connections)", n)
	}
	if stats.HostsUp != 0 || stats.HostsTotal != 1 {
		t.Errorf("stats %+v", stats)
	}

	// Consider-alive: the same host is scanned without discovery.
	evs, _, err = collect(t, context.Background(), Options{Hosts: "127.0.0.1", Ports: portList(t, open.port), Profile: prof, NoPing: true})
	if err != nil {
		t.Fatal(err)
	}
	up := ofKind(evs, result.EventHostUp)
	if len(up) != 1 || up[0].Host.Reason != discovery.ReasonUserSet || len(ofKind(evs, result.EventPortOpen)) != 1 {
		t.Errorf("with NoPing: host_up %+v, %d open ports", up, len(ofKind(evs, result.EventPortOpen)))
	}
}

func TestCancelStopsTheScan(t *testing.T) {
	var holes []int
	for range 16 {
		holes = append(holes, blackholePort(t))
	}
	prof := fastProfile()
	prof.Timing.InitialTimeout, prof.Timing.MinTimeout, prof.Timing.MaxTimeout = time.Minute, time.Minute, time.Minute
	prof.Timing.Retries = 5
	dialer := newRecordingDialer()
	dialer.started = make(chan struct{}, 1)
	before := openFDs(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, _, err := collect(t, ctx, Options{Hosts: "127.0.0.1", Ports: portList(t, holes...), Profile: prof, NoPing: true, Dialer: dialer})
		done <- err
	}()
	<-dialer.started
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("Run returned %v, want context.Canceled", err)
		}
	case <-time.After(30 * time.Second): // failure guard only
		t.Fatal("Run did not return after cancel")
	}
	if after := openFDs(t); after > before {
		t.Errorf("%d descriptors open after cancel, %d before", after, before)
	}
}

func TestInvalidOptions(t *testing.T) {
	var perr *hostspec.ParseError
	if _, err := Run(context.Background(), Options{Hosts: "10.0.0.300, bad host!"}, nil); !errors.As(err, &perr) {
		t.Errorf("bad hosts: %v, want *hostspec.ParseError", err)
	}
	bad := fastProfile()
	bad.Discovery = "arp"
	for name, opts := range map[string]Options{
		"discovery method": {Hosts: "127.0.0.1", Profile: bad, Ports: portList(t, 80)},
		"negative rate":    {Hosts: "127.0.0.1", Rate: -1, Ports: portList(t, 80)},
		"negative timeout": {Hosts: "127.0.0.1", Timeout: -time.Second, Ports: portList(t, 80)},
		"no ports":         {Hosts: "127.0.0.1", Profile: fastProfile()},
		"bad port range":   {Hosts: "127.0.0.1", Ports: portspec.List{{Protocol: "tcp", Start: 0, End: 70000}}},
	} {
		if err := opts.Validate(); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if err := (Options{Hosts: "127.0.0.1"}).Validate(); err != nil {
		t.Errorf("defaults rejected: %v", err)
	}
}

func TestOptionsOverrideTheProfile(t *testing.T) {
	p, err := Options{Hosts: "127.0.0.1", Rate: 50, Concurrency: 10, PerHost: 99, Timeout: 3 * time.Second, NoPing: true, Checks: boolp(false)}.plan()
	if err != nil {
		t.Fatal(err)
	}
	prof := p.profile
	if prof.Name != DefaultProfileName || prof.Rate != 50 || prof.Concurrency != 10 || prof.PerHost != 10 || prof.Discovery != discovery.MethodNone {
		t.Errorf("merged profile %+v", prof)
	}
	if prof.Timing.MaxTimeout != 3*time.Second || prof.Timing.InitialTimeout != 3*time.Second || p.checks {
		t.Errorf("timing %+v, checks %v", prof.Timing, p.checks)
	}
}

func TestRateLimiterIsSharedByTheScan(t *testing.T) {
	p, err := Options{Hosts: "127.0.0.1", Rate: 500}.plan()
	if err != nil {
		t.Fatal(err)
	}
	e := newEngine(p, nil)
	defer e.close()
	if e.limiter == nil || e.limiter.Limit() != 500 || e.limiter.Burst() != 10 {
		t.Fatalf("limiter %+v, want 500/s with a burst of 10", e.limiter)
	}
	if e.prober.Limiter != e.limiter {
		t.Error("discovery does not share the scan's limiter")
	}
	p, _ = Options{Hosts: "127.0.0.1"}.plan()
	if e := newEngine(p, nil); e.limiter != nil {
		t.Errorf("a limiter without a rate: %v", e.limiter.Limit())
	}
}
