package app

import (
	"context"

	"github.com/perimeterhq/perimeter/internal/listing"
	"github.com/perimeterhq/perimeter/internal/scanconfig"
	"github.com/perimeterhq/perimeter/internal/store"
)

// PortListSync is what POST /v2/port_lists/sync did for one scanner.
type PortListSync struct {
	Scanner scanconfig.Scanner
	Synced  bool
	Reason  string
	// Pending are the lists the scanner would hold (active, allowed for its
	// app type), for engines that keep port lists of their own.
	Pending []scanconfig.PortList
}

// Why scanners are not synced.
const (
	reasonSentWithScan = "keeps no port lists of its own: lists are sent with each scan"
	reasonGMPNoCreds   = "GMP port-list sync is not configured: the scanner has no GMP manager credentials, so nothing was pushed"
	reasonGMPWithScan  = "nothing was pushed: each scan sends its ports to the manager as its GMP target's port range"
	reasonInactive     = "the scanner is inactive; nothing was pushed"
)

// SyncPortLists reports, per scanner of the caller's organization, whether
// its engine holds port lists of its own and whether they were pushed.
// builtin, agent and nmap scanners receive the list with each scan, so there
// is nothing to sync. An openvas manager keeps port lists (GMP
// create_port_list), but a scan on it sends its ports with the GMP target
// (gvmscan), so nothing is pushed either: the answer lists what the manager
// could hold and says why nothing was pushed — it never claims a push that
// did not happen. The request is audited.
func (a *App) SyncPortLists(ctx context.Context, act *Actor) ([]PortListSync, error) {
	if err := act.can("port_lists", "write"); err != nil {
		return nil, err
	}
	r := a.store.R()
	scanners, err := listAllPages(func(p listing.Params) ([]scanconfig.Scanner, int, error) {
		return r.FindScanners(ctx, act.Org.ID, p)
	})
	if err != nil {
		return nil, err
	}
	lists, err := listAllPages(func(p listing.Params) ([]scanconfig.PortList, int, error) {
		return r.FindPortLists(ctx, act.Org.ID, p, true)
	})
	if err != nil {
		return nil, err
	}
	out := make([]PortListSync, 0, len(scanners))
	summary := map[string]any{}
	for _, s := range scanners {
		res := PortListSync{Scanner: s}
		switch {
		case s.AppType != scanconfig.AppOpenVAS:
			res.Reason = reasonSentWithScan
		default:
			for _, l := range lists {
				if l.AllowsAppType(s.AppType) {
					res.Pending = append(res.Pending, l)
				}
			}
			res.Reason = reasonGMPNoCreds
			if s.Username != "" && s.PasswordSealed != "" {
				res.Reason = reasonGMPWithScan
			}
			if s.Status != scanconfig.ScannerActive {
				res.Reason = reasonInactive
			}
		}
		summary[s.ID] = map[string]any{"synced": res.Synced, "pending": len(res.Pending)}
		out = append(out, res)
	}
	err = a.store.Tx(ctx, func(q *store.Q) error {
		return a.record(ctx, q, act, "", "port_list.sync", "port_list", "", map[string]any{"scanners": summary})
	})
	return out, err
}

// listAllPages reads every row of a list query, a page of the maximum size at a
// time, for the few places that need a whole (small) set.
func listAllPages[T any](find func(listing.Params) ([]T, int, error)) ([]T, error) {
	var out []T
	for page := 1; ; page++ {
		rows, total, err := find(listing.Params{Page: page, PerPage: listing.MaxPerPage})
		if err != nil {
			return nil, err
		}
		out = append(out, rows...)
		if len(out) >= total || len(rows) == 0 {
			return out, nil
		}
	}
}
