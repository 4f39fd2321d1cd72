package app

import (
	"context"
	"slices"
	"strconv"
	"strings"
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
	ctx = act.readOnly(ctx)
	if err := act.can("vulnerabilities", "read"); err != nil {
		return nil, 0, err
	}
	// Never stale: the counts place the page's rows.
	return a.store.R().FindFindingsCached(ctx, act.Org.ID, p, func(ctx context.Context, count func(context.Context) (store.RankCounts, error)) (store.RankCounts, error) {
		counts, _, err := cached(ctx, a, act.Org.ID, "count:"+criteriaKey(p), "", false, count)
		return counts, err
	})
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
	Occurrences []scan.Occurrence // newest first, at most MaxOccurrences
	SeenByRuns  int               // how many runs saw it in all
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
	Period      string         // the period asked for, or DefaultPeriod
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
	ctx = act.readOnly(ctx)
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
	got, asOf, err := a.totals(ctx, act.Org.ID, period, from)
	if err != nil {
		return t, err
	}
	counts := got.Counts
	t.Period, t.PeriodStart, t.ByStatus, t.AsOf = period, got.From, map[string]int{}, asOf
	for _, s := range scan.FindingStatuses {
		t.ByStatus[s] = 0
	}
	for _, c := range counts {
		t.ByStatus[c.Status] += c.Count
		if f := (scan.Finding{Status: c.Status}); f.Counted() {
			t.Open.AddN(c.Severity, c.Count)
		}
		t.OpenThen.AddN(c.Severity, c.OpenThen)
	}
	return t, nil
}

// findingTotals is what the totals widget counts: since From (see
// store.FindingTotals). Exported fields: it is stored as JSON (cached).
type findingTotals struct {
	From   time.Time
	Counts []store.FindingCount
}

// totals counts an organization's findings for the totals widget (cached).
func (a *App) totals(ctx context.Context, orgID, period string, from time.Time) (findingTotals, time.Time, error) {
	stamp := strconv.FormatInt(from.UnixMicro(), 10)
	return cached(ctx, a, orgID, "totals:"+period, stamp, true,
		func(ctx context.Context) (findingTotals, error) {
			counts, err := a.store.R().FindingTotals(ctx, orgID, from)
			return findingTotals{from, counts}, err
		})
}

// WidgetLimit is how many rows a widget lists when the caller does not say,
// and the most it lists.
type WidgetLimit struct{ Default, Max int }

// Widget limits: TopVulnerabilities, MostVulnerableHosts and
// GetPCICompliance's failing findings.
var (
	TopLimit        = WidgetLimit{Default: 10, Max: 100}
	RiskyHostsLimit = WidgetLimit{Default: 10, Max: 100}
	PCIFailingLimit = WidgetLimit{Default: 100, Max: 500}
)

// Clamp is limit within 1…Max, Default when limit is not positive.
func (l WidgetLimit) Clamp(limit int) int {
	switch {
	case limit <= 0:
		return l.Default
	case limit > l.Max:
		return l.Max
	}
	return limit
}

// TopVulnerabilities ranks the caller's organization's open findings by check:
// affected hosts × the weight of the check's highest severity
// (scan.SeverityWeight), at most limit (see TopLimit); asOf is when
// the ranking was computed (see cached).
func (a *App) TopVulnerabilities(ctx context.Context, act *Actor, limit int) (top []scan.TopFinding, asOf time.Time, err error) {
	ctx = act.readOnly(ctx)
	if err := act.can("vulnerabilities", "read"); err != nil {
		return nil, time.Time{}, err
	}
	return a.top(ctx, act.Org.ID, TopLimit.Clamp(limit))
}

// top ranks an organization's open findings by check (cached).
func (a *App) top(ctx context.Context, orgID string, limit int) ([]scan.TopFinding, time.Time, error) {
	return cached(ctx, a, orgID, "top:"+strconv.Itoa(limit), "", true, func(ctx context.Context) ([]scan.TopFinding, error) {
		return a.store.R().TopFindings(ctx, orgID, limit)
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
// limit bounds the failing findings listed (see PCIFailingLimit).
func (a *App) GetPCICompliance(ctx context.Context, act *Actor, product string, limit int) (PCICompliance, error) {
	ctx = act.readOnly(ctx)
	out := PCICompliance{Compliant: true, Scans: []PCIScanVerdict{}, Targets: []PCITargetVerdict{}}
	if err := act.can("vulnerabilities", "read"); err != nil {
		return out, err
	}
	limit = PCIFailingLimit.Clamp(limit)
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
	fl, asOf, err := a.pciFailures(ctx, act.Org.ID, ids, limit)
	if err != nil {
		return out, err
	}
	out.Failing, out.FailingCount, out.AsOf = fl.List, fl.Count, asOf
	byTarget := map[string]int{}
	for i := range out.Scans {
		s := &out.Scans[i]
		s.Failing = fl.PerRun[s.RunID]
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

// pciFailing is what the PCI widget counts over runs: failing findings per
// run, and the distinct ones (highest CVSS first, at most a limit) with their
// number. Exported fields: it is stored as JSON (cached).
type pciFailing struct {
	PerRun map[string]int
	List   []scan.Finding
	Count  int
}

// pciFailures counts the findings the runs of an organization saw that fail
// PCI now (cached).
func (a *App) pciFailures(ctx context.Context, orgID string, runIDs []string, limit int) (pciFailing, time.Time, error) {
	// The runs are part of the key: a scan's new run is never judged by a
	// value computed before it.
	key := "pci:" + strconv.Itoa(limit) + ":" + strings.Join(slices.Sorted(slices.Values(runIDs)), ",")
	return cached(ctx, a, orgID, key, "", true, func(ctx context.Context) (pciFailing, error) {
		var f pciFailing
		var err error
		q := a.store.R()
		if f.PerRun, err = q.PCIFailures(ctx, orgID, runIDs); err != nil {
			return f, err
		}
		f.List, f.Count, err = q.PCIFailingFindings(ctx, orgID, runIDs, limit)
		return f, err
	})
}
