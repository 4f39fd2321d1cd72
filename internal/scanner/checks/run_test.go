package checks

import (
	"context"
	"errors"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/perimeterhq/perimeter/internal/scanner/result"
)

// fakeCheck is a check whose behaviour the test scripts.
type fakeCheck struct {
	meta    Meta
	applies func(result.Service) bool
	run     func(ctx context.Context, t Target) ([]result.Finding, error)
}

var _ Check = (*fakeCheck)(nil)

func (c *fakeCheck) Meta() Meta { return c.meta }
func (c *fakeCheck) Applies(s result.Service) bool {
	return c.applies == nil || c.applies(s)
}
func (c *fakeCheck) Run(ctx context.Context, t Target) ([]result.Finding, error) {
	return c.run(ctx, t)
}

func newFake(id string, run func(ctx context.Context, t Target) ([]result.Finding, error)) *fakeCheck {
	fam, _, _ := strings.Cut(id, ".")
	m := NewMeta(Meta{ID: id, Family: fam, Title: id, Description: "d", Solution: "s",
		CVSSVector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N", Confidence: 80})
	c := &fakeCheck{meta: m}
	c.run = run
	if run == nil {
		c.run = func(ctx context.Context, t Target) ([]result.Finding, error) {
			return []result.Finding{c.meta.Finding(t, "seen")}, nil
		}
	}
	return c
}

// register registers c for the duration of the test (so -count=N works).
func register(t *testing.T, c Check) {
	t.Helper()
	Register(c)
	t.Cleanup(func() {
		registry.Lock()
		delete(registry.byID, c.Meta().ID)
		registry.Unlock()
	})
}

func target() Target {
	return Target{IP: netip.MustParseAddr("127.0.0.1"), Service: result.Service{Port: 8080, Protocol: "tcp", Service: "http"}}
}

func TestRegistry(t *testing.T) {
	a := newFake("regtest.a", nil)
	register(t, a)
	if c, ok := Lookup("regtest.a"); !ok || c != a {
		t.Fatal("Lookup")
	}
	if _, ok := Lookup("regtest.missing"); ok {
		t.Fatal("Lookup of missing ID")
	}
	func() {
		defer func() {
			if r := recover(); r == nil || !strings.Contains(r.(string), "duplicate") {
				t.Errorf("duplicate registration: %v", r)
			}
		}()
		Register(newFake("regtest.a", nil))
	}()
	func() {
		defer func() {
			if recover() == nil {
				t.Error("inconsistent meta registered")
			}
		}()
		bad := newFake("regtest.bad", nil)
		bad.meta.Score = 1
		Register(bad)
	}()
	found := false
	for _, f := range Families() {
		found = found || f == "regtest"
	}
	if !found {
		t.Errorf("Families() = %v", Families())
	}
	cs, err := Select([]string{"regtest", "nosuchfamily"})
	if len(cs) != 1 || err == nil || !strings.Contains(err.Error(), "nosuchfamily") {
		t.Errorf("Select: %d checks, %v", len(cs), err)
	}
}

func TestRunAllFiltersAndOrders(t *testing.T) {
	register(t, newFake("runtest.b", nil))
	register(t, newFake("runtest.a", nil))
	na := newFake("runtest.c", nil)
	na.applies = func(s result.Service) bool { return s.Service == "ssh" }
	register(t, na)
	register(t, newFake("runtest.err", func(context.Context, Target) ([]result.Finding, error) {
		return nil, errors.New("connection refused")
	}))
	register(t, newFake("runtest.panic", func(context.Context, Target) ([]result.Finding, error) {
		panic("boom")
	}))
	register(t, newFake("runtest.otherport", func(_ context.Context, t Target) ([]result.Finding, error) {
		f := result.Finding{CheckID: "runtest.otherport", Port: 1, Protocol: "udp"}
		return []result.Finding{f}, nil
	}))

	fs, errs := RunAll(context.Background(), target(), []string{"runtest"})
	var ids []string
	for _, f := range fs {
		ids = append(ids, f.CheckID)
		if f.Port != 8080 || f.Protocol != "tcp" || f.Service != "http" {
			t.Errorf("finding not bound to the target: %+v", f)
		}
	}
	if strings.Join(ids, ",") != "runtest.a,runtest.b,runtest.otherport" {
		t.Errorf("findings %v", ids)
	}
	if len(errs) != 2 {
		t.Fatalf("errors %v", errs)
	}
	var ce *CheckError
	if !errors.As(errs[0], &ce) || ce.CheckID != "runtest.err" || !strings.Contains(errs[0].Error(), "127.0.0.1:8080/tcp") {
		t.Errorf("first error %v", errs[0])
	}
	if !strings.Contains(errs[1].Error(), "panic: boom") {
		t.Errorf("second error %v", errs[1])
	}
	if _, errs := RunAll(context.Background(), target(), []string{"nosuchfamily"}); len(errs) != 1 {
		t.Errorf("unknown family: %v", errs)
	}
}

func TestRunnerBoundsConcurrency(t *testing.T) {
	const conc, total = 3, 10
	var inflight, peak atomic.Int32
	started := make(chan struct{}, total)
	release := make(chan struct{})
	var cs []Check
	for i := range total {
		cs = append(cs, newFake("conctest.c"+string(rune('a'+i)), func(ctx context.Context, t Target) ([]result.Finding, error) {
			n := inflight.Add(1)
			for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
			}
			started <- struct{}{}
			<-release
			inflight.Add(-1)
			return nil, nil
		}))
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		Runner{Concurrency: conc}.Run(context.Background(), target(), cs)
	}()
	for range conc {
		<-started
	}
	for range total {
		release <- struct{}{}
	}
	<-done
	if got := peak.Load(); got != conc {
		t.Fatalf("peak concurrency %d, want %d", got, conc)
	}
}

func TestRunnerTimeoutAndCancel(t *testing.T) {
	block := newFake("timeouttest.block", func(ctx context.Context, t Target) ([]result.Finding, error) {
		<-ctx.Done()
		return nil, ctx.Err()
	})
	_, errs := Runner{CheckTimeout: time.Millisecond}.Run(context.Background(), target(), []Check{block})
	if len(errs) != 1 || !errors.Is(errs[0], context.DeadlineExceeded) {
		t.Fatalf("timeout: %v", errs)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, errs = Runner{}.Run(ctx, target(), []Check{block, newFake("timeouttest.other", nil)})
	if len(errs) != 2 {
		t.Fatalf("cancelled: %v", errs)
	}
	for _, err := range errs {
		if !errors.Is(err, context.Canceled) {
			t.Errorf("cancelled: %v", err)
		}
	}
}

func TestShared(t *testing.T) {
	var probes atomic.Int32
	probe := func(context.Context) (string, error) {
		probes.Add(1)
		return "answer", nil
	}
	user := func(id string) Check {
		return newFake(id, func(ctx context.Context, t Target) ([]result.Finding, error) {
			v, err := Shared(ctx, t, "sharetest.probe", probe)
			if err != nil || v != "answer" {
				return nil, errors.New("bad shared value")
			}
			return nil, nil
		})
	}
	cs := []Check{user("sharetest.a"), user("sharetest.b"), user("sharetest.c")}
	if _, errs := (Runner{}).Run(context.Background(), target(), cs); len(errs) != 0 {
		t.Fatal(errs)
	}
	if probes.Load() != 1 {
		t.Fatalf("shared probe ran %d times in one run", probes.Load())
	}
	// A plain target has no memo: every call probes.
	var wg sync.WaitGroup
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, _ = Shared(context.Background(), target(), "sharetest.probe", probe)
		}()
	}
	wg.Wait()
	if probes.Load() != 3 {
		t.Fatalf("probes %d", probes.Load())
	}
	// A type mismatch is an error, not a panic.
	tg := target().WithSharing()
	_, _ = Shared(context.Background(), tg, "sharetest.k", probe)
	if _, err := Shared(context.Background(), tg, "sharetest.k", func(context.Context) (int, error) { return 1, nil }); err == nil {
		t.Error("type mismatch accepted")
	}
}

func TestMarkdownTable(t *testing.T) {
	var b strings.Builder
	a := newFake("mdtest.a", nil)
	a.meta.Title = "pipe | inside"
	if err := WriteMarkdownTable(&b, Summarize([]Check{a})); err != nil {
		t.Fatal(err)
	}
	want := "| `mdtest.a` | mdtest | pipe \\| inside | 7.5 | high | fail | 80 |\n"
	if !strings.HasSuffix(b.String(), want) {
		t.Fatalf("%q", b.String())
	}
}

func TestRunnerSupersedes(t *testing.T) {
	specificFinds := true
	specific := newFake("suptest.specific", func(_ context.Context, tg Target) ([]result.Finding, error) {
		if !specificFinds {
			return nil, nil
		}
		return []result.Finding{{CheckID: "suptest.specific"}}, nil
	})
	specific.meta.Supersedes = []string{"suptest.generic"}
	register(t, specific)
	register(t, newFake("suptest.generic", nil))
	register(t, newFake("suptest.other", nil))

	ids := func() string {
		fs, errs := RunAll(context.Background(), target(), []string{"suptest"})
		if len(errs) != 0 {
			t.Fatal(errs)
		}
		var ids []string
		for _, f := range fs {
			ids = append(ids, f.CheckID)
		}
		return strings.Join(ids, ",")
	}
	if got := ids(); got != "suptest.other,suptest.specific" {
		t.Errorf("with the specific finding: %s", got)
	}
	specificFinds = false
	if got := ids(); got != "suptest.generic,suptest.other" {
		t.Errorf("without the specific finding: %s", got)
	}

	self := newFake("suptest.self", nil)
	self.meta.Supersedes = []string{"suptest.self"}
	if err := self.meta.Validate(); err == nil {
		t.Error("a check superseding itself validated")
	}
}
