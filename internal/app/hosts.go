package app

import (
	"context"
	"strconv"
	"time"

	"github.com/perimeterhq/perimeter/internal/listing"
	"github.com/perimeterhq/perimeter/internal/scan"
	"github.com/perimeterhq/perimeter/internal/store"
)

// Bounds of a host's detail.
const (
	MaxHostFindings = 500 // open findings listed, most severe first
	MaxHostRuns     = 50  // runs listed in its scan history, newest first
)

// HostSummary is an inventory host with its open findings by severity.
type HostSummary struct {
	Host scan.Host
	Open scan.Stats
}

// ListHosts lists the caller's organization's host inventory.
func (a *App) ListHosts(ctx context.Context, act *Actor, p listing.Params) ([]HostSummary, int, error) {
	if err := act.can("hosts", "read"); err != nil {
		return nil, 0, err
	}
	q := a.store.R()
	hosts, total, err := q.FindHosts(ctx, act.Org.ID, p)
	if err != nil {
		return nil, 0, err
	}
	ips := make([]string, len(hosts))
	for i, h := range hosts {
		ips[i] = h.IP
	}
	counts, err := q.OpenFindingCounts(ctx, act.Org.ID, ips)
	if err != nil {
		return nil, 0, err
	}
	out := make([]HostSummary, len(hosts))
	for i, h := range hosts {
		out[i] = HostSummary{Host: h, Open: counts[h.IP]}
	}
	return out, total, nil
}

// HostDetail is an inventory host with what the organization knows of it.
type HostDetail struct {
	HostSummary
	Services     []scan.Service // as its last run saw them
	Findings     []scan.Finding // open, most severe first, at most MaxHostFindings
	FindingCount int
	Runs         []scan.HostRun // the runs that scanned it, newest first, at most MaxHostRuns
	RunCount     int
}

// hostFilters select a host's findings: by address, which an index serves,
// and by host id, which is what identifies them. The address is an exact
// match (OpIn) on the host column, which clients can only search.
func hostFilters(h scan.Host) []listing.Filter {
	hostID, _ := scan.FindingList.Column("host_id")
	ip, _ := scan.FindingList.Column("host")
	return []listing.Filter{{Column: hostID, Op: listing.OpIn, Values: []string{h.ID}}, {Column: ip, Op: listing.OpIn, Values: []string{h.IP}}}
}

// mostSevereFirst are the list parameters of the first perPage findings that
// match filters, most severe first.
func mostSevereFirst(perPage int, filters []listing.Filter) listing.Params {
	sev, _ := scan.FindingList.Column("severity")
	return listing.Params{Page: 1, PerPage: perPage, Sort: sev, Desc: true, Filters: filters}
}

// openFindingsOf are the list parameters of a host's open findings, most
// severe first.
func openFindingsOf(h scan.Host, perPage int) listing.Params {
	statusCol, _ := scan.FindingList.Column("status")
	return mostSevereFirst(perPage, append(hostFilters(h),
		listing.Filter{Column: statusCol, Op: listing.OpIn, Values: []string{scan.FindingOpen, scan.FindingReopened}}))
}

// GetHost returns a host of the caller's organization's inventory with the
// services its last run saw, its open findings and the runs that scanned it
// (404 for another organization's).
func (a *App) GetHost(ctx context.Context, act *Actor, id string) (HostDetail, error) {
	var d HostDetail
	if err := act.can("hosts", "read"); err != nil {
		return d, err
	}
	q := a.store.R()
	var err error
	if d.Host, err = q.FindHost(ctx, act.Org.ID, id); err != nil {
		return d, err
	}
	services, err := q.RunServices(ctx, act.Org.ID, d.Host.LastRunID, []string{id})
	if err != nil {
		return d, err
	}
	d.Services = services[id]
	if d.Services == nil {
		d.Services = []scan.Service{}
	}
	if d.Findings, d.FindingCount, err = q.FindFindings(ctx, act.Org.ID, openFindingsOf(d.Host, MaxHostFindings)); err != nil {
		return d, err
	}
	if d.Findings == nil {
		d.Findings = []scan.Finding{}
	}
	counts, err := q.OpenFindingCounts(ctx, act.Org.ID, []string{d.Host.IP})
	if err != nil {
		return d, err
	}
	d.Open = counts[d.Host.IP]
	d.Runs, d.RunCount, err = q.HostRuns(ctx, act.Org.ID, id, MaxHostRuns)
	return d, err
}

// HostRisk is a host ranked by its open findings weighted by severity.
type HostRisk struct {
	HostSummary
	Risk int
}

// MostVulnerableHosts ranks the caller's organization's hosts by their open
// findings weighted by severity (scan.SeverityWeight: critical 10, high 5,
// medium 2, low 1), at most limit (see RiskyHostsLimit); asOf is when the
// ranking was computed (see cached). Hosts without weighted findings are left
// out.
func (a *App) MostVulnerableHosts(ctx context.Context, act *Actor, limit int) (hosts []HostRisk, asOf time.Time, err error) {
	ctx = act.readOnly(ctx)
	if err := act.can("hosts", "read"); err != nil {
		return nil, time.Time{}, err
	}
	limit = RiskyHostsLimit.Clamp(limit)
	q := a.store.R()
	ranked, asOf, err := a.riskyHosts(ctx, act.Org.ID, limit)
	if err != nil {
		return nil, time.Time{}, err
	}
	ids := make([]string, len(ranked))
	for i, r := range ranked {
		ids[i] = r.HostID
	}
	byID, err := q.HostsByID(ctx, act.Org.ID, ids)
	if err != nil {
		return nil, time.Time{}, err
	}
	out := make([]HostRisk, 0, len(ranked))
	for _, r := range ranked {
		h, ok := byID[r.HostID]
		if !ok {
			continue // findings outlive an inventory row only while the organization's data is being deleted
		}
		out = append(out, HostRisk{HostSummary: HostSummary{Host: h, Open: r.Counts}, Risk: r.Risk})
	}
	return out, asOf, nil
}

// riskyHosts ranks an organization's hosts by weighted open findings (cached).
func (a *App) riskyHosts(ctx context.Context, orgID string, limit int) ([]store.HostRisk, time.Time, error) {
	return cached(ctx, a, orgID, "hosts:"+strconv.Itoa(limit), "", true, func(ctx context.Context) ([]store.HostRisk, error) {
		return a.store.R().MostVulnerableHosts(ctx, orgID, limit)
	})
}
