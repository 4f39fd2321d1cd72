package app

import (
	"cmp"
	"context"
	"slices"

	"github.com/perimeterhq/perimeter/internal/errs"
	"github.com/perimeterhq/perimeter/internal/listing"
	"github.com/perimeterhq/perimeter/internal/scan"
)

// Bounds of a scan's statistics and of a host's findings in one run.
const (
	StatsTopHosts     = 10
	StatsTopPorts     = 20
	MaxRunHostFinding = 500
)

// resultsRun resolves the run a scan's result views show: historyID when given
// (404 unless it is a run of this scan of the caller's organization), else the
// scan's latest run that has started, so a queued run does not hide the last
// results and a running one shows its partial results. run is nil when the
// scan has not run yet.
func (a *App) resultsRun(ctx context.Context, act *Actor, scanID, historyID string) (*scan.Run, error) {
	if _, err := a.GetScan(ctx, act, scanID); err != nil {
		return nil, err
	}
	q := a.store.R()
	var r scan.Run
	var err error
	if historyID != "" {
		r, err = q.FindRun(ctx, act.Org.ID, scanID, historyID)
	} else if r, err = q.LatestStartedRun(ctx, act.Org.ID, scanID); errs.Is(err, errs.NotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &r, nil
}

// RunHostSummary is a host as one run saw it, with its services.
type RunHostSummary struct {
	Host     scan.RunHost
	Services []scan.Service
}

// ListScanHosts lists the hosts a run of a scan saw (see resultsRun; no run:
// none), each with the services the run found.
func (a *App) ListScanHosts(ctx context.Context, act *Actor, scanID, historyID string, p listing.Params) (*scan.Run, []RunHostSummary, int, error) {
	run, err := a.resultsRun(ctx, act, scanID, historyID)
	if err != nil || run == nil {
		return run, []RunHostSummary{}, 0, err
	}
	q := a.store.R()
	hosts, total, err := q.FindRunHosts(ctx, act.Org.ID, run.ID, p)
	if err != nil {
		return run, nil, 0, err
	}
	ids := make([]string, len(hosts))
	for i, h := range hosts {
		ids[i] = h.HostID
	}
	services, err := q.RunServices(ctx, act.Org.ID, run.ID, ids)
	if err != nil {
		return run, nil, 0, err
	}
	out := make([]RunHostSummary, len(hosts))
	for i, h := range hosts {
		out[i] = RunHostSummary{Host: h, Services: orEmpty(services[h.HostID])}
	}
	return run, out, total, nil
}

func orEmpty[T any](v []T) []T {
	if v == nil {
		return []T{}
	}
	return v
}

// ScanHostDetail is a host as one run saw it: services and findings.
type ScanHostDetail struct {
	Run scan.Run
	RunHostSummary
	Findings     []scan.RunFinding // most severe first, at most MaxRunHostFinding
	FindingCount int
}

// GetScanHost returns a host (by inventory id) as a run of a scan saw it; 404
// when the run did not see it, or the scan has not run.
func (a *App) GetScanHost(ctx context.Context, act *Actor, scanID, hostID, historyID string) (ScanHostDetail, error) {
	var d ScanHostDetail
	run, err := a.resultsRun(ctx, act, scanID, historyID)
	if err != nil {
		return d, err
	}
	if run == nil {
		return d, errs.NotFoundf("Host")
	}
	q := a.store.R()
	d.Run = *run
	if d.Host, err = q.FindRunHost(ctx, act.Org.ID, run.ID, hostID); err != nil {
		return d, err
	}
	services, err := q.RunServices(ctx, act.Org.ID, run.ID, []string{hostID})
	if err != nil {
		return d, err
	}
	d.Services = orEmpty(services[hostID])
	p := mostSevereFirst(MaxRunHostFinding, hostFilters(scan.Host{ID: hostID, IP: d.Host.IP}))
	d.Findings, d.FindingCount, err = q.FindRunFindings(ctx, act.Org.ID, run.ID, p)
	d.Findings = orEmpty(d.Findings)
	return d, err
}

// ListScanVulnerabilities lists the findings a run of a scan saw (see
// resultsRun; no run: none).
func (a *App) ListScanVulnerabilities(ctx context.Context, act *Actor, scanID, historyID string, p listing.Params) (*scan.Run, []scan.RunFinding, int, error) {
	run, err := a.resultsRun(ctx, act, scanID, historyID)
	if err != nil || run == nil {
		return run, []scan.RunFinding{}, 0, err
	}
	fs, total, err := a.store.R().FindRunFindings(ctx, act.Org.ID, run.ID, p)
	return run, orEmpty(fs), total, err
}

// GetScanVulnerability returns a finding as a run of a scan saw it, with its
// long texts; 404 when the run did not see it, or the scan has not run.
func (a *App) GetScanVulnerability(ctx context.Context, act *Actor, scanID, findingID, historyID string) (scan.Run, scan.RunFinding, error) {
	run, err := a.resultsRun(ctx, act, scanID, historyID)
	if err != nil {
		return scan.Run{}, scan.RunFinding{}, err
	}
	if run == nil {
		return scan.Run{}, scan.RunFinding{}, errs.NotFoundf("Vulnerability")
	}
	f, err := a.store.R().FindRunFinding(ctx, act.Org.ID, run.ID, findingID)
	return *run, f, err
}

// ServiceCount is what a run found on one kind of service across its hosts.
type ServiceCount struct {
	Service  string
	Ports    int // open host:port pairs
	Findings int
}

// ScanStatistics summarizes one run of a scan.
type ScanStatistics struct {
	Run          *scan.Run  // nil: the scan has not run, and every count is zero
	Severity     scan.Stats // findings by the severity the run rated them
	TopHosts     []scan.RunHost
	Ports        []scan.PortCount // most findings first, at most StatsTopPorts
	Services     []ServiceCount
	PCIFailing   int  // findings failing PCI by their current status
	PCICompliant bool // no failing finding
	Previous     *scan.Run
	New          int // seen by the run, not by the previous one
	Fixed        int // seen by the previous run, not by this one
	Unchanged    int // seen by both
}

// GetScanStatistics summarizes a run of a scan (see resultsRun): findings by
// severity, the riskiest hosts, ports and services, the PCI verdict by the
// findings' current statuses, and the change from the scan's previous
// completed or stopped run.
func (a *App) GetScanStatistics(ctx context.Context, act *Actor, scanID, historyID string) (ScanStatistics, error) {
	st := ScanStatistics{TopHosts: []scan.RunHost{}, Ports: []scan.PortCount{}, Services: []ServiceCount{}, PCICompliant: true}
	run, err := a.resultsRun(ctx, act, scanID, historyID)
	if err != nil || run == nil {
		return st, err
	}
	st.Run = run
	q, org := a.store.R(), act.Org.ID
	if st.Severity, err = q.RunSeverityCounts(ctx, org, run.ID); err != nil {
		return st, err
	}
	risk, _ := scan.RunHostList.Column("risk")
	hosts, _, err := q.FindRunHosts(ctx, org, run.ID, listing.Params{Page: 1, PerPage: StatsTopHosts, Sort: risk, Desc: true})
	if err != nil {
		return st, err
	}
	st.TopHosts = orEmpty(hosts)
	ports, err := q.RunPortCounts(ctx, org, run.ID)
	if err != nil {
		return st, err
	}
	st.Services = servicesOf(ports)
	st.Ports = ports[:min(len(ports), StatsTopPorts)]
	failing, err := q.PCIFailures(ctx, org, []string{run.ID})
	if err != nil {
		return st, err
	}
	st.PCIFailing = failing[run.ID]
	st.PCICompliant = st.PCIFailing == 0
	prev, err := q.PreviousRun(ctx, scanID, run.QueuedAt)
	if errs.Is(err, errs.NotFound) {
		st.New = st.Severity.Findings
		return st, nil
	} else if err != nil {
		return st, err
	}
	st.Previous = &prev
	st.New, st.Fixed, st.Unchanged, err = q.RunDelta(ctx, org, run.ID, prev.ID)
	return st, err
}

// servicesOf folds port counts into service counts, most findings first.
func servicesOf(ports []scan.PortCount) []ServiceCount {
	idx := map[string]int{}
	out := []ServiceCount{}
	for _, p := range ports {
		if p.Port == 0 {
			continue // host-level findings have no service
		}
		name := p.Service
		if name == "" {
			name = "unknown"
		}
		i, ok := idx[name]
		if !ok {
			i = len(out)
			idx[name] = i
			out = append(out, ServiceCount{Service: name})
		}
		out[i].Ports += p.Hosts
		out[i].Findings += p.Findings
	}
	slices.SortFunc(out, func(x, y ServiceCount) int {
		return cmp.Or(cmp.Compare(y.Findings, x.Findings), cmp.Compare(y.Ports, x.Ports), cmp.Compare(x.Service, y.Service))
	})
	return out
}
