package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/perimeterhq/perimeter/internal/errs"
	"github.com/perimeterhq/perimeter/internal/hostspec"
	"github.com/perimeterhq/perimeter/internal/importer"
	"github.com/perimeterhq/perimeter/internal/portspec"
	"github.com/perimeterhq/perimeter/internal/scan"
	"github.com/perimeterhq/perimeter/internal/scanner/result"
	"github.com/perimeterhq/perimeter/internal/store"
	"github.com/perimeterhq/perimeter/internal/webhook"
)

// TriggerImport marks a run made from another scanner's report.
const TriggerImport = "import"

// MaxImportHosts bounds the hosts one import may bring (a /16 is 65 536).
const MaxImportHosts = 1 << 16

// ScanImport is what an import of results made.
type ScanImport struct {
	Run       scan.Run
	Report    importer.Report
	KEV, EPSS int // findings the CVE feed marked (enrichImported)
}

// importFixPrefix is the check-id namespace whose findings an import of a
// format may mark fixed: a report vouches only for what its own tool tests.
// An nmap report proves nothing absent (vulners runs only where asked), so
// nmap imports fix nothing.
var importFixPrefix = map[importer.Format]string{importer.Nessus: "nessus:", importer.GVM: "gvm:"}

// ImportResults reads a report of another scanner (nmap XML, Nessus v2,
// GVM XML; format "" means: tell from the file) into a new, completed run of
// a scan, so its hosts, services and findings take part in the same
// lifecycle (new, reopened, fixed), exceptions, PCI verdict, reports and
// webhooks as a scan's own. The whole file is read and checked before
// anything is stored, and everything is stored in one transaction: a
// malformed file, or a host outside the scan's target, is a 422 naming the
// line, element or address, and leaves nothing behind.
func (a *App) ImportResults(ctx context.Context, act *Actor, scanID string, format string, r io.Reader) (ScanImport, error) {
	var out ScanImport
	if err := act.can("scans", "write"); err != nil {
		return out, err
	}
	s, err := a.store.R().FindScan(ctx, act.Org.ID, scanID)
	if err != nil {
		return out, err
	}
	target, err := a.store.R().FindTarget(ctx, act.Org.ID, s.TargetID)
	if errs.Is(err, errs.NotFound) {
		return out, errs.New(errs.Conflict, "The scan's target no longer exists")
	} else if err != nil {
		return out, err
	}
	set, err := hostspec.Parse(target.Hosts, target.ExcludeHosts)
	if err != nil {
		return out, errs.New(errs.Conflict, "The scan's target has an invalid host list: %v", err)
	}
	f, body, err := importFormat(format, r)
	if err != nil {
		return out, err
	}
	hosts, rep, err := readImport(f, body, set)
	if err != nil {
		return out, err
	}
	out.Report = rep
	enriched := ""
	if db, ok := a.cveMatcher().(exploitationLookup); ok {
		out.KEV, out.EPSS = enrichImported(hosts, db)
		enriched = fmt.Sprintf("; from the CVE feed: %d findings in CISA KEV, %d with an EPSS score", out.KEV, out.EPSS)
	}

	now := a.now()
	ports := importPorts(hosts)
	ref := store.RunRef{OrganizationID: act.Org.ID, ScanID: s.ID, TargetID: target.ID, Product: s.Product}
	run := scan.Run{ID: newID(), OrganizationID: act.Org.ID, ScanID: s.ID, TargetID: target.ID, Status: scan.StatusRunning,
		Trigger: TriggerImport, Attempt: 1, Hosts: target.Hosts, ExcludeHosts: target.ExcludeHosts, Ports: ports.String(),
		EngineProfile: "import:" + string(f), QueuedAt: now, StartedAt: &now, CreatedBy: act.User.ID,
		Log: []scan.LogEntry{{Time: now, Level: "info", Message: fmt.Sprintf("imported from %s (%s): %d hosts, %d services, %d findings%s",
			rep.Scanner, f, rep.Hosts, rep.Services, rep.Findings, enriched)}}}
	ref.ID = run.ID
	st := &runState{run: run, ref: ref, ports: ports, progress: 100}
	err = a.store.Tx(ctx, func(q *store.Q) error {
		if err := q.LockOrganization(ctx, act.Org.ID); err != nil {
			return err
		}
		if cur, err := q.FindScan(ctx, act.Org.ID, s.ID); err != nil {
			return err
		} else if scan.Active(cur.Status) {
			return errs.New(errs.Conflict, "The scan is %s; import when it has finished", cur.Status)
		}
		if err := q.CreateRun(ctx, run); err != nil {
			return err
		}
		if err := q.StartRun(ctx, act.Org.ID, run.ID, now); err != nil {
			return err
		}
		if err := a.emitRunEvent(ctx, q, run, webhook.EventScanStarted); err != nil {
			return err
		}
		for i := range hosts {
			st.add(hostResult(ref, &hosts[i], now))
			if st.full() || i == len(hosts)-1 {
				if err := q.SaveHostResults(ctx, ref, st.buffer, now); err != nil {
					return err
				}
				st.buffer, st.buffered = st.buffer[:0], 0
			}
		}
		st.stats.HostsTotal = len(hosts)
		if err := a.applyExceptionsToRun(ctx, q, act.Org.ID, run.ID); err != nil {
			return err
		}
		if err := a.markFixedByImport(ctx, q, run, f, now); err != nil {
			return err
		}
		// The run's settings are zero (no check, no CVE matching ran here),
		// so the scan's fixed pass in finishInTx finds nothing covered: the
		// import's own rule above is the only one.
		if err := a.finishInTx(ctx, q, st, scan.StatusCompleted, ""); err != nil {
			return err
		}
		return a.record(ctx, q, act, "", "scan.import", "scan", s.ID, map[string]any{"run_id": run.ID, "format": string(f),
			"hosts": rep.Hosts, "findings": rep.Findings})
	})
	if err != nil {
		return out, err
	}
	out.Run, err = a.store.R().RunByID(ctx, run.ID)
	return out, err
}

// markFixedByImport marks fixed the open findings of the report's own tool
// on the hosts it reported that it did not report again.
func (a *App) markFixedByImport(ctx context.Context, q *store.Q, run scan.Run, f importer.Format, at time.Time) error {
	prefix, ok := importFixPrefix[f]
	if !ok {
		return nil
	}
	cands, err := q.FixCandidates(ctx, run.OrganizationID, run.ID)
	if err != nil {
		return err
	}
	var fixed []string
	for _, c := range cands {
		if strings.HasPrefix(c.CheckID, prefix) {
			fixed = append(fixed, c.ID)
		}
	}
	return q.MarkFixed(ctx, run.OrganizationID, fixed, at)
}

// importFormat settles the report's format: the one named, which must match
// the file, or the one the file shows.
func importFormat(name string, r io.Reader) (importer.Format, io.Reader, error) {
	sniffed, body, err := importer.Sniff(r)
	var ie *importer.Error
	if errors.As(err, &ie) {
		return "", nil, errs.Field("file", "%s", ie.Error())
	} else if err != nil {
		return "", nil, err
	}
	if name == "" {
		return sniffed, body, nil
	}
	f, ok := importer.ParseFormat(name)
	if !ok {
		return "", nil, errs.Field("format", "must be one of nmap, nessus, gvm")
	}
	if f != sniffed {
		return "", nil, errs.Field("format", "is %s, but the file is a %s report", f, sniffed)
	}
	return f, body, nil
}

// readImport reads the whole report, keeping the hosts up, and refuses one
// outside the target (by address, or by a host name the target lists) or
// excluded from it.
func readImport(f importer.Format, r io.Reader, set *hostspec.Set) ([]result.Host, importer.Report, error) {
	var hosts []result.Host
	names := set.Hostnames()
	rep, err := importer.Read(r, f, func(h result.Host) error {
		if len(hosts) >= MaxImportHosts {
			return errs.Field("file", "holds more than %d hosts", MaxImportHosts)
		}
		if set.Excludes(h.IP) {
			return errs.Field("file", "host %s is excluded from the scan's target", h.IP)
		}
		if !set.Contains(h.IP) && !slices.ContainsFunc(h.Hostnames, func(n string) bool {
			_, found := slices.BinarySearch(names, strings.ToLower(n))
			return found
		}) {
			return errs.Field("file", "host %s is not in the scan's target", h.IP)
		}
		if h.Status == result.HostUp {
			hosts = append(hosts, h)
		}
		return nil
	})
	var ie *importer.Error
	if errors.As(err, &ie) {
		return nil, rep, errs.Field("file", "%s", ie.Error())
	}
	if err != nil {
		return nil, rep, err
	}
	if len(hosts) == 0 {
		return nil, rep, errs.Field("file", "holds no host that is up")
	}
	return hosts, rep, nil
}

// importPorts is the port list of an imported run: the ports the report
// shows open, merged into ranges.
func importPorts(hosts []result.Host) portspec.List {
	var open portspec.List
	for _, h := range hosts {
		for _, p := range h.Ports {
			proto := portspec.TCP
			if p.Protocol == result.UDP {
				proto = portspec.UDP
			}
			open = append(open, portspec.Range{Protocol: proto, Start: p.Port, End: p.Port})
		}
	}
	return portspec.List(nil).Union(open)
}
