package app

import (
	"context"
	"time"

	"github.com/perimeterhq/perimeter/internal/scan"
	"github.com/perimeterhq/perimeter/internal/store"
	"github.com/perimeterhq/perimeter/internal/webhook"
)

// Scan events are written in the transaction that changes the run, so a
// webhook hears of a run's start or end exactly when it is committed.

// runEventTypes maps a run's final status to its event.
var runEventTypes = map[string]string{
	scan.StatusCompleted: webhook.EventScanCompleted,
	scan.StatusStopped:   webhook.EventScanStopped,
	scan.StatusFailed:    webhook.EventScanFailed,
}

// newFindingsListed bounds the findings a vulnerability_found event lists
// (the count covers all of them).
const newFindingsListed = 100

// emitRunEvent writes the event of a run's start (typ scan_started) or end
// (typ "" picks it from the run's status).
func (a *App) emitRunEvent(ctx context.Context, q *store.Q, run scan.Run, typ string) error {
	if typ == "" {
		if typ = runEventTypes[run.Status]; typ == "" {
			return nil
		}
	}
	return a.emit(ctx, q, run.OrganizationID, typ, "scan", run.ScanID, a.runPayload(ctx, q, run))
}

// runPayload is what scan events say about a run.
func (a *App) runPayload(ctx context.Context, q *store.Q, run scan.Run) map[string]any {
	p := map[string]any{"scan_id": run.ScanID, "history_id": run.ID, "target_id": run.TargetID, "status": run.Status,
		"trigger": run.Trigger, "attempt": run.Attempt, "queued_at": run.QueuedAt, "progress": run.Progress}
	if s, err := q.FindScan(ctx, run.OrganizationID, run.ScanID); err == nil {
		p["scan_name"], p["product"] = s.Name, s.Product
	}
	if run.StartedAt != nil {
		p["started_at"] = *run.StartedAt
	}
	if run.FinishedAt != nil {
		p["finished_at"] = *run.FinishedAt
		if run.StartedAt != nil {
			p["duration_seconds"] = run.FinishedAt.Sub(*run.StartedAt).Round(time.Millisecond).Seconds()
		}
		st := run.Stats
		p["hosts_total"], p["hosts_up"], p["ports_open"], p["findings"] = st.HostsTotal, st.HostsUp, st.PortsOpen, st.Findings
		p["by_severity"] = map[string]int{"critical": st.Critical, "high": st.High, "medium": st.Medium, "low": st.Low, "info": st.Info}
		p["pci_compliant"] = run.PCICompliant
		p["error"] = run.Error
	}
	return p
}

// emitNewFindings writes one vulnerability_found event for a finished run
// that saw findings no earlier run had: their count by severity and the most
// severe of them. Nothing is written when there are none.
func (a *App) emitNewFindings(ctx context.Context, q *store.Q, run scan.Run) error {
	counts, list, err := q.RunNewFindings(ctx, run.OrganizationID, run.ID, newFindingsListed)
	if err != nil || len(counts) == 0 {
		return err
	}
	total := 0
	by := map[string]int{}
	for _, s := range scan.Severities {
		by[s] = counts[s]
		total += counts[s]
	}
	items := make([]map[string]any, 0, len(list))
	for _, f := range list {
		cves := f.CVEs
		if cves == nil {
			cves = []string{}
		}
		items = append(items, map[string]any{"id": f.ID, "host": f.IP, "hostname": f.Hostname, "port": f.Port, "protocol": f.Protocol,
			"check_id": f.CheckID, "title": f.Title, "severity": f.Severity, "cvss_score": f.CVSSScore, "cves": cves})
	}
	p := map[string]any{"scan_id": run.ScanID, "history_id": run.ID, "target_id": run.TargetID, "count": total,
		"by_severity": by, "findings": items, "truncated": total > len(items)}
	if s, err := q.FindScan(ctx, run.OrganizationID, run.ScanID); err == nil {
		p["scan_name"] = s.Name
	}
	return a.emit(ctx, q, run.OrganizationID, webhook.EventVulnerabilityFound, "scan", run.ScanID, p)
}
