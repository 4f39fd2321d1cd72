package app

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/perimeterhq/perimeter/internal/errs"
	"github.com/perimeterhq/perimeter/internal/listing"
	"github.com/perimeterhq/perimeter/internal/scan"
	"github.com/perimeterhq/perimeter/internal/store"
)

// MaxOccurrences bounds the runs a vulnerability's detail lists (newest first).
const MaxOccurrences = 100

// ListVulnerabilities lists the caller's organization's findings. Sorted by
// severity (the default), the counts behind total_count are reused while the
// organization's results do not change (see cached), so paging and polling a
// large list costs its page, not a count of every match.
func (a *App) ListVulnerabilities(ctx context.Context, act *Actor, p listing.Params) ([]scan.Finding, int, error) {
	if err := act.can("vulnerabilities", "read"); err != nil {
		return nil, 0, err
	}
	q := a.store.R()
	if p.Sort.Name != "severity" {
		return q.FindFindings(ctx, act.Org.ID, p)
	}
	// Never stale: the counts place the page's rows.
	counts, _, err := cached(ctx, a, act.Org.ID, "count:"+criteriaKey(p), "", false, func(ctx context.Context) (store.RankCounts, error) {
		return q.FindingCounts(ctx, act.Org.ID, p)
	})
	if err != nil {
		return nil, 0, err
	}
	fs, err := q.FindFindingsPage(ctx, act.Org.ID, p, counts)
	return fs, counts.Total(), err
}

// criteriaKey identifies the rows a list selects: its filters and dates (not
// its order or page).
func criteriaKey(p listing.Params) string {
	var b strings.Builder
	for _, f := range p.Filters { // listing.Parse orders them by column
		b.WriteString(f.Column.Name)
		b.WriteByte(0)
		b.WriteString(strconv.Itoa(int(f.Op)))
		for _, v := range f.Values {
			b.WriteByte(0)
			b.WriteString(v)
		}
		b.WriteByte(1)
	}
	b.WriteString(strconv.FormatInt(p.From.UnixMicro(), 10) + "-" + strconv.FormatInt(p.To.UnixMicro(), 10))
	return b.String()
}

// VulnerabilityDetail is a finding with the runs that saw it.
type VulnerabilityDetail struct {
	Finding     scan.Finding
	Occurrences []store.Occurrence // newest first, at most MaxOccurrences
	SeenByRuns  int                // how many runs saw it in all
}

// GetVulnerability returns a finding of the caller's organization with the
// runs that saw it (404 for another organization's).
func (a *App) GetVulnerability(ctx context.Context, act *Actor, id string) (VulnerabilityDetail, error) {
	var d VulnerabilityDetail
	if err := act.can("vulnerabilities", "read"); err != nil {
		return d, err
	}
	q := a.store.R()
	var err error
	if d.Finding, err = q.FindFinding(ctx, act.Org.ID, id); err != nil {
		return d, err
	}
	d.Occurrences, d.SeenByRuns, err = q.FindingOccurrences(ctx, act.Org.ID, id, MaxOccurrences)
	return d, err
}

// VulnerabilityTotals are an organization's findings counted now and at the
// start of a period.
type VulnerabilityTotals struct {
	Open        scan.Stats     // open now (open or reopened), by severity
	ByStatus    map[string]int // every status, all severities
	PeriodStart time.Time
	OpenThen    scan.Stats // open at PeriodStart, by severity (see store.FindingTotals)
	AsOf        time.Time  // when the counts were taken (see cached)
}

// DefaultPeriod is the period of the totals widget when none is given.
const DefaultPeriod = "30d"

// GetVulnerabilityTotals counts the caller's organization's findings by
// severity and status, and compares the open ones with those open at the start
// of period (a relative range such as 30d, 12h, 3M; the start is taken at the
// minute). A malformed period is a 400.
func (a *App) GetVulnerabilityTotals(ctx context.Context, act *Actor, period string) (VulnerabilityTotals, error) {
	var t VulnerabilityTotals
	if err := act.can("vulnerabilities", "read"); err != nil {
		return t, err
	}
	if period == "" {
		period = DefaultPeriod
	}
	now := a.now().Truncate(time.Minute)
	from, to, err := listing.ParseRelative(period, now)
	if err != nil || !to.Equal(now) {
		return t, &errs.Error{Code: errs.Malformed, Message: "Invalid query parameter period",
			Fields: map[string][]string{"period": {"'" + period + "' must look like 30d, 12h, 3M or 1y (units s m h d M y q)"}}}
	}
	type totals struct {
		from   time.Time
		counts []store.FindingCount
	}
	got, asOf, err := cached(ctx, a, act.Org.ID, "totals:"+period, strconv.FormatInt(from.UnixMicro(), 10), true, func(ctx context.Context) (totals, error) {
		counts, err := a.store.R().FindingTotals(ctx, act.Org.ID, from)
		return totals{from, counts}, err
	})
	if err != nil {
		return t, err
	}
	counts := got.counts
	t.PeriodStart, t.ByStatus, t.AsOf = got.from, map[string]int{}, asOf
	for _, s := range scan.FindingStatuses {
		t.ByStatus[s] = 0
	}
	for _, c := range counts {
		t.ByStatus[c.Status] += c.Count
		if f := (scan.Finding{Status: c.Status}); f.Counted() {
			addSeverity(&t.Open, c.Severity, c.Count)
		}
		addSeverity(&t.OpenThen, c.Severity, c.OpenThen)
	}
	return t, nil
}

// addSeverity adds n findings of a severity to st (as n calls of st.Add).
func addSeverity(st *scan.Stats, severity string, n int) {
	st.Findings += n
	switch severity {
	case "critical":
		st.Critical += n
	case "high":
		st.High += n
	case "medium":
		st.Medium += n
	case "low":
		st.Low += n
	default:
		st.Info += n
	}
}

// clampLimit keeps a widget's limit within 1…max.
func clampLimit(limit, def, maxN int) int {
	switch {
	case limit <= 0:
		return def
	case limit > maxN:
		return maxN
	}
	return limit
}

// TopVulnerabilities ranks the caller's organization's open findings by check:
// affected hosts × the weight of the check's highest severity
// (scan.SeverityWeight), at most limit (default 10, at most 100); asOf is when
// the ranking was computed (see cached).
func (a *App) TopVulnerabilities(ctx context.Context, act *Actor, limit int) (top []store.TopFinding, asOf time.Time, err error) {
	if err := act.can("vulnerabilities", "read"); err != nil {
		return nil, time.Time{}, err
	}
	limit = clampLimit(limit, 10, 100)
	return cached(ctx, a, act.Org.ID, "top:"+strconv.Itoa(limit), "", true, func(ctx context.Context) ([]store.TopFinding, error) {
		return a.store.R().TopFindings(ctx, act.Org.ID, limit)
	})
}

// PCIScanVerdict is a scan's PCI verdict now: its latest completed run, and
// how many of the findings that run saw fail PCI by their current status.
type PCIScanVerdict struct {
	store.PCIScanRun
	Failing   int
	Compliant bool
}

// PCITargetVerdict is a target's PCI verdict now: compliant when the latest
// completed run of every scan of it is.
type PCITargetVerdict struct {
	TargetID   string
	TargetName string
	Scans      int
	Failing    int // failing findings over its scans' runs (a finding two scans saw counts twice)
	Compliant  bool
}

// PCICompliance is the organization's PCI picture now.
type PCICompliance struct {
	Compliant    bool // every scan with a completed run passes
	Scans        []PCIScanVerdict
	Targets      []PCITargetVerdict
	Failing      []scan.Finding // distinct failing findings, highest CVSS first, at most the limit
	FailingCount int
	AsOf         time.Time // when the failing findings were counted (see cached)
}

// GetPCICompliance computes the caller's organization's PCI compliance now,
// per scan from its latest completed run and the current statuses of the
// findings that run saw (scan.Finding.FailsPCI: CVSS ≥ 4.0 unless DoS-only,
// automatic failures always, accepted and false-positive findings never), per
// target over its scans. product, when set, keeps scans of that product.
// limit bounds the failing findings listed (default 100, at most 500).
func (a *App) GetPCICompliance(ctx context.Context, act *Actor, product string, limit int) (PCICompliance, error) {
	out := PCICompliance{Compliant: true, Scans: []PCIScanVerdict{}, Targets: []PCITargetVerdict{}}
	if err := act.can("vulnerabilities", "read"); err != nil {
		return out, err
	}
	limit = clampLimit(limit, 100, 500)
	runs, err := a.store.R().LatestCompletedRuns(ctx, act.Org.ID)
	if err != nil {
		return out, err
	}
	var ids []string
	for _, r := range runs {
		if product == "" || r.Product == product {
			ids = append(ids, r.RunID)
			out.Scans = append(out.Scans, PCIScanVerdict{PCIScanRun: r})
		}
	}
	type failures struct {
		perRun map[string]int
		list   []scan.Finding
		count  int
	}
	// The runs are part of the key: a scan's new run is never judged by a
	// value computed before it.
	key := "pci:" + strconv.Itoa(limit) + ":" + strings.Join(slices.Sorted(slices.Values(ids)), ",")
	fl, asOf, err := cached(ctx, a, act.Org.ID, key, "", true, func(ctx context.Context) (failures, error) {
		var f failures
		var err error
		q := a.store.R()
		if f.perRun, err = q.PCIFailures(ctx, act.Org.ID, ids); err != nil {
			return f, err
		}
		f.list, f.count, err = q.PCIFailingFindings(ctx, act.Org.ID, ids, limit)
		return f, err
	})
	if err != nil {
		return out, err
	}
	out.Failing, out.FailingCount, out.AsOf = fl.list, fl.count, asOf
	byTarget := map[string]int{}
	for i := range out.Scans {
		s := &out.Scans[i]
		s.Failing = fl.perRun[s.RunID]
		s.Compliant = s.Failing == 0
		out.Compliant = out.Compliant && s.Compliant
		ti, ok := byTarget[s.TargetID]
		if !ok {
			ti = len(out.Targets)
			byTarget[s.TargetID] = ti
			out.Targets = append(out.Targets, PCITargetVerdict{TargetID: s.TargetID, TargetName: s.TargetName, Compliant: true})
		}
		t := &out.Targets[ti]
		t.Scans++
		t.Failing += s.Failing
		t.Compliant = t.Compliant && s.Compliant
	}
	slices.SortFunc(out.Targets, func(x, y PCITargetVerdict) int {
		return strings.Compare(x.TargetName+"\x00"+x.TargetID, y.TargetName+"\x00"+y.TargetID)
	})
	return out, nil
}

// resultCacheTTL bounds how long an aggregate is reused even when the results
// version did not move (the version moves in the transaction of every change
// to results; the bound is a guard for changes made outside this code).
const resultCacheTTL = 30 * time.Second

// slowAggregate is how long an aggregate may take to compute before requests
// stop waiting for it: past it, a request whose cached value is out of date
// gets that value (and its as-of time) while one recomputation runs in the
// background. Smaller organizations always get exact, current values.
var slowAggregate = 100 * time.Millisecond

// resultCacheSize bounds the aggregates kept per App.
const resultCacheSize = 1024

// resultCache keeps aggregates over an organization's findings (the widgets,
// the most vulnerable hosts, list counts) until its results change, so
// dashboards that poll them do not rescan a large findings table per request.
// Concurrent misses of one key compute once.
type resultCache struct {
	mu      sync.Mutex
	entries map[string]*cacheEntry
}

type cacheEntry struct {
	version    string // results version and the caller's stamp
	at         time.Time
	done       chan struct{} // closed when val, err and took are set
	val        any
	err        error
	took       time.Duration
	refreshing bool // a background recomputation runs (c.mu)
}

func (e *cacheEntry) finished() bool {
	select {
	case <-e.done:
		return true
	default:
		return false
	}
}

func (a *App) resultCache() *resultCache { return &a.results }

// cached returns compute's result for an organization and key, reusing one
// computed for the same results version and stamp (the inputs that are not
// part of the key) within resultCacheTTL, and when it was computed. With
// staleOK, an out-of-date value whose computation was slow is returned while
// it is recomputed in the background (see slowAggregate).
func cached[T any](ctx context.Context, a *App, orgID, key, stamp string, staleOK bool, compute func(context.Context) (T, error)) (T, time.Time, error) {
	var zero T
	rv, err := a.store.R().ResultsVersion(ctx, orgID)
	if err != nil {
		return zero, time.Time{}, err
	}
	version := rv + "\x00" + stamp
	c := a.resultCache()
	full := orgID + "\x00" + key
	now := a.now()
	c.mu.Lock()
	e, ok := c.entries[full]
	current := ok && e.version == version && now.Sub(e.at) < resultCacheTTL && !now.Before(e.at)
	switch {
	case current:
		c.mu.Unlock()
	case ok && staleOK && e.finished() && e.err == nil && e.took >= slowAggregate:
		if !e.refreshing {
			e.refreshing = true
			go refresh(a, c, full, e, &cacheEntry{version: version, at: now, done: make(chan struct{})}, compute)
		}
		c.mu.Unlock()
		return e.val.(T), e.at, nil
	default:
		if len(c.entries) >= resultCacheSize {
			c.evictOldest()
		}
		e = &cacheEntry{version: version, at: now, done: make(chan struct{})}
		c.entries[full] = e
		c.mu.Unlock()
		run(c, full, e, context.WithoutCancel(ctx), compute)
	}
	select {
	case <-e.done:
	case <-ctx.Done():
		return zero, time.Time{}, ctx.Err()
	}
	if e.err != nil {
		return zero, time.Time{}, e.err
	}
	return e.val.(T), e.at, nil
}

// run computes an entry; a failed one is dropped so the next call retries.
func run[T any](c *resultCache, key string, e *cacheEntry, ctx context.Context, compute func(context.Context) (T, error)) {
	start := time.Now()
	e.val, e.err = compute(ctx)
	e.took = time.Since(start)
	if e.err != nil {
		c.mu.Lock()
		if c.entries[key] == e {
			delete(c.entries, key)
		}
		c.mu.Unlock()
	}
	close(e.done)
}

// refresh recomputes a stale entry in the background and swaps the new value
// in; on failure the stale value stays and a later call tries again.
func refresh[T any](a *App, c *resultCache, key string, stale, next *cacheEntry, compute func(context.Context) (T, error)) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	start := time.Now()
	next.val, next.err = compute(ctx)
	next.took = time.Since(start)
	close(next.done)
	c.mu.Lock()
	defer c.mu.Unlock()
	stale.refreshing = false
	if next.err != nil {
		a.log.Warn("recomputing an aggregate failed; the previous value stays", "key", key, "err", next.err)
		return
	}
	if c.entries[key] == stale {
		c.entries[key] = next
	}
}

// evictOldest drops the oldest computed entry; c.mu is held.
func (c *resultCache) evictOldest() {
	var oldestKey string
	var oldest *cacheEntry
	for k, e := range c.entries {
		if !e.finished() {
			continue // still computing: others wait for it
		}
		if oldest == nil || e.at.Before(oldest.at) {
			oldestKey, oldest = k, e
		}
	}
	if oldest != nil {
		delete(c.entries, oldestKey)
	}
}
