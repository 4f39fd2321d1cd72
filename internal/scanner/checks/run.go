package checks

import (
	"context"
	"fmt"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/perimeterhq/perimeter/internal/scanner/result"
)

// Defaults used by RunAll.
const (
	// DefaultConcurrency bounds the checks run at once against one service:
	// enough to overlap round trips, few enough not to look like a flood to
	// the target (each check opens at most a handful of connections).
	DefaultConcurrency = 4
	// DefaultCheckTimeout bounds one check, all its connections included.
	DefaultCheckTimeout = 30 * time.Second
)

// CheckError is a non-fatal error of one check: the check could not decide.
type CheckError struct {
	CheckID string
	Target  string // host:port/protocol
	Err     error
}

// Error implements error.
func (e *CheckError) Error() string {
	return fmt.Sprintf("check %s on %s: %v", e.CheckID, e.Target, e.Err)
}

// Unwrap returns the check's own error.
func (e *CheckError) Unwrap() error { return e.Err }

// Runner runs a set of checks against a target. The zero value runs with the
// defaults.
type Runner struct {
	Concurrency  int           // checks at once; <= 0 means DefaultConcurrency
	CheckTimeout time.Duration // per check; <= 0 means DefaultCheckTimeout
}

// RunAll runs the registered checks of the given families (nil or empty: all)
// that apply to t.Service, DefaultConcurrency at a time, and returns their
// findings ordered by check ID, with Port, Protocol and Service set from the
// target. The errors are non-fatal: a *CheckError per check that could not
// decide (including ctx cancellation) and an error for unknown families.
func RunAll(ctx context.Context, t Target, families []string) ([]result.Finding, []error) {
	cs, err := Select(families)
	findings, errs := Runner{}.Run(ctx, t, cs)
	if err != nil {
		errs = append([]error{err}, errs...)
	}
	return findings, errs
}

// Run runs the checks of cs that apply to t.Service, at most r.Concurrency at
// once, each bounded by r.CheckTimeout and shielded from panics, and returns
// findings ordered by check ID (with Port, Protocol and Service set from the
// target) and one *CheckError per check that failed, in check ID order.
// Findings of a check that another check's finding supersedes (see
// Meta.Supersedes) are left out.
func (r Runner) Run(ctx context.Context, t Target, cs []Check) ([]result.Finding, []error) {
	conc := r.Concurrency
	if conc <= 0 {
		conc = DefaultConcurrency
	}
	timeout := r.CheckTimeout
	if timeout <= 0 {
		timeout = DefaultCheckTimeout
	}
	if t.shared == nil {
		t = t.WithSharing()
	}
	var applicable []Check
	for _, c := range cs {
		if c.Applies(t.Service) {
			applicable = append(applicable, c)
		}
	}
	sortByID(applicable)

	type outcome struct {
		findings []result.Finding
		err      error
	}
	outcomes := make([]outcome, len(applicable))
	sem := make(chan struct{}, conc)
	var wg sync.WaitGroup
	for i, c := range applicable {
		if err := ctx.Err(); err != nil {
			outcomes[i].err = err // do not start checks once the run is cancelled
			continue
		}
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			outcomes[i].err = ctx.Err()
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			outcomes[i].findings, outcomes[i].err = runOne(ctx, c, t, timeout)
		}()
	}
	wg.Wait()

	// A finding replaces the findings of the checks its check supersedes
	// (all on this one service).
	superseded := map[string]bool{}
	for i, o := range outcomes {
		if len(o.findings) > 0 {
			for _, id := range applicable[i].Meta().Supersedes {
				superseded[id] = true
			}
		}
	}
	var findings []result.Finding
	var errs []error
	target := t.Addr() + "/" + t.Network()
	for i, o := range outcomes {
		id := applicable[i].Meta().ID
		if o.err != nil {
			errs = append(errs, &CheckError{CheckID: id, Target: target, Err: o.err})
		}
		for _, f := range o.findings {
			if superseded[f.CheckID] {
				continue
			}
			f.Port, f.Protocol, f.Service = t.Service.Port, t.Service.Protocol, t.Service.Service
			if f.Protocol == "" {
				f.Protocol = result.TCP
			}
			findings = append(findings, f)
		}
	}
	slices.SortStableFunc(findings, func(a, b result.Finding) int { return strings.Compare(a.CheckID, b.CheckID) })
	return findings, errs
}

func runOne(ctx context.Context, c Check, t Target, timeout time.Duration) (fs []result.Finding, err error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	defer func() {
		if r := recover(); r != nil {
			fs, err = nil, fmt.Errorf("panic: %v\n%s", r, debug.Stack())
		}
	}()
	return c.Run(ctx, t)
}
