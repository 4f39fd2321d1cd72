package app

import (
	"context"
	"fmt"
	"time"

	"github.com/riverqueue/river"

	"github.com/perimeterhq/perimeter/internal/audit"
	"github.com/perimeterhq/perimeter/internal/errs"
	"github.com/perimeterhq/perimeter/internal/listing"
	"github.com/perimeterhq/perimeter/internal/scan"
	"github.com/perimeterhq/perimeter/internal/scanconfig"
	"github.com/perimeterhq/perimeter/internal/store"
	"github.com/perimeterhq/perimeter/internal/tenant"
)

// runnableAppTypes are the scanner engines this version executes scans with.
var runnableAppTypes = map[string]bool{scanconfig.AppBuiltin: true, scanconfig.AppNmap: true, scanconfig.AppOpenVAS: true}

// CreateScan saves a scan configuration of the caller's organization. Missing
// references take defaults: the target's product, the product's default scan
// profile and the organization's first active built-in scanner.
func (a *App) CreateScan(ctx context.Context, act *Actor, s scan.Scan) (scan.Scan, error) {
	if err := act.can("scans", "write"); err != nil {
		return s, err
	}
	now := a.now()
	s.ID, s.OrganizationID, s.Status, s.CreatedBy, s.CreatedAt, s.UpdatedAt = newID(), act.Org.ID, scan.StatusNew, act.User.ID, now, now
	err := a.store.Tx(ctx, func(q *store.Q) error {
		if err := a.resolveScan(ctx, q, &s); err != nil {
			return err
		}
		if err := q.CreateScan(ctx, s); err != nil {
			return err
		}
		return a.record(ctx, q, act, "", "scan.create", "scan", s.ID, map[string]any{"name": s.Name, "target_id": s.TargetID,
			"scanner_id": s.ScannerID, "scan_profile_id": s.ScanProfileID, "schedule_id": s.ScheduleID})
	})
	return s, err
}

// resolveScan fills defaults, checks every reference inside the organization
// and the product rules, and computes the next scheduled run.
func (a *App) resolveScan(ctx context.Context, q *store.Q, s *scan.Scan) error {
	f := errs.Fields{}
	var target scanconfig.Target
	if s.TargetID != "" {
		t, err := q.FindTarget(ctx, s.OrganizationID, s.TargetID)
		if errs.Is(err, errs.NotFound) {
			f.Add("target_id", "target '%s' not found", s.TargetID)
		} else if err != nil {
			return err
		}
		target = t
	}
	if s.Product == "" {
		s.Product = target.Product
	}
	if s.ScanProfileID == "" {
		s.ScanProfileID = scanconfig.DefaultProfile[s.Product]
	}
	if p, err := q.FindScanProfile(ctx, s.OrganizationID, s.ScanProfileID); errs.Is(err, errs.NotFound) {
		f.Add("scan_profile_id", "scan profile '%s' not found", s.ScanProfileID)
	} else if err != nil {
		return err
	} else {
		switch {
		case !p.Active:
			f.Add("scan_profile_id", "scan profile '%s' is not active", p.Name)
		case s.Product == tenant.ProductPCI && p.ID != scanconfig.ProfilePCIASV:
			f.Add("scan_profile_id", "PCI scans use the fixed PCI ASV profile")
		case s.Product != "" && p.Product != s.Product && s.Product != tenant.ProductPCI:
			f.Add("scan_profile_id", "scan profile '%s' belongs to the %s product, not %s", p.Name, p.Product, s.Product)
		}
	}
	if s.ScannerID == "" {
		ss, _, err := q.FindScanners(ctx, s.OrganizationID, listing.Params{Page: 1, PerPage: 100})
		if err != nil {
			return err
		}
		for _, sc := range ss {
			if sc.Status == scanconfig.ScannerActive && runnableAppTypes[sc.AppType] {
				s.ScannerID = sc.ID
				break
			}
		}
		if s.ScannerID == "" {
			f.Add("scanner_id", "the organization has no active scanner that can run scans")
		}
	} else if sc, err := q.FindScanner(ctx, s.OrganizationID, s.ScannerID); errs.Is(err, errs.NotFound) {
		f.Add("scanner_id", "scanner '%s' not found", s.ScannerID)
	} else if err != nil {
		return err
	} else if !runnableAppTypes[sc.AppType] && sc.AppType != scanconfig.AppAgent { // agents run only the scans that name them
		f.Add("scanner_id", "scanner '%s' is a %s scanner; this version runs scans with built-in, nmap, openvas and agent scanners", sc.Name, sc.AppType)
	}
	s.NextRunAt = nil
	if s.ScheduleID != "" {
		sch, err := q.FindSchedule(ctx, s.OrganizationID, s.ScheduleID)
		if errs.Is(err, errs.NotFound) {
			f.Add("schedule_id", "schedule '%s' not found", s.ScheduleID)
		} else if err != nil {
			return err
		} else {
			s.NextRunAt = sch.NextRun(a.now())
		}
	}
	if err := s.Validate(); err != nil {
		e, _ := errs.As(err)
		f.Merge("", e.Fields)
	}
	return f.Err()
}

// GetScan returns a scan of the caller's organization.
func (a *App) GetScan(ctx context.Context, act *Actor, id string) (scan.Scan, error) {
	if err := act.can("scans", "read"); err != nil {
		return scan.Scan{}, err
	}
	return a.store.R().FindScan(ctx, act.Org.ID, id)
}

// ListScans lists the caller's organization's scans, optionally narrowed.
func (a *App) ListScans(ctx context.Context, act *Actor, f scan.Filter, p listing.Params) ([]scan.Scan, int, error) {
	if err := act.can("scans", "read"); err != nil {
		return nil, 0, err
	}
	return a.store.R().FindScans(ctx, act.Org.ID, f, p)
}

// UpdateScan changes a scan's configuration; not while a run is in flight (409).
func (a *App) UpdateScan(ctx context.Context, act *Actor, id string, up scan.Update) (scan.Scan, error) {
	if err := act.can("scans", "write"); err != nil {
		return scan.Scan{}, err
	}
	var s scan.Scan
	err := a.store.Tx(ctx, func(q *store.Q) error {
		old, err := q.FindScan(ctx, act.Org.ID, id)
		if err != nil {
			return err
		}
		if scan.Active(old.Status) {
			return errs.New(errs.Conflict, "The scan is %s; stop it or wait for it to finish before changing it", old.Status)
		}
		s = up.Apply(old)
		s.UpdatedAt = a.now()
		if err := a.resolveScan(ctx, q, &s); err != nil {
			return err
		}
		if err := q.UpdateScan(ctx, s); err != nil {
			return err
		}
		d := audit.Diff{}
		for _, c := range [][3]string{{"name", old.Name, s.Name}, {"description", old.Description, s.Description},
			{"target_id", old.TargetID, s.TargetID}, {"scanner_id", old.ScannerID, s.ScannerID},
			{"scan_profile_id", old.ScanProfileID, s.ScanProfileID}, {"schedule_id", old.ScheduleID, s.ScheduleID},
			{"product", old.Product, s.Product}} {
			d.Set(c[0], c[1], c[2])
		}
		return a.record(ctx, q, act, "", "scan.update", "scan", s.ID, d)
	})
	return s, err
}

// DeleteScans deletes scans of the caller's organization (all or nothing; 409
// if one is running). Their runs and per-run results go with them; the
// organization's findings and host inventory stay.
func (a *App) DeleteScans(ctx context.Context, act *Actor, ids []string) (int, error) {
	if err := act.can("scans", "write"); err != nil {
		return 0, err
	}
	var n int
	err := a.store.Tx(ctx, func(q *store.Q) error {
		for _, id := range ids {
			s, err := q.FindScan(ctx, act.Org.ID, id)
			if errs.Is(err, errs.NotFound) {
				continue // DeleteScans reports it, deleting nothing
			} else if err != nil {
				return err
			}
			if scan.Active(s.Status) {
				return errs.New(errs.Conflict, "Scan '%s' is %s; stop it first", s.Name, s.Status)
			}
		}
		if len(ids) <= store.MaxBulkIDs {
			if err := q.QueueFileBlobs(ctx, act.Org.ID, "scan_id", ids, a.now()); err != nil {
				return err
			}
		}
		var err error
		if n, err = q.DeleteScans(ctx, act.Org.ID, ids); err != nil {
			return err
		}
		for _, id := range ids {
			if err := a.record(ctx, q, act, "", "scan.delete", "scan", id, nil); err != nil {
				return err
			}
		}
		return nil
	})
	return n, err
}

// DeleteScan deletes one scan.
func (a *App) DeleteScan(ctx context.Context, act *Actor, id string) error {
	if _, err := a.GetScan(ctx, act, id); err != nil {
		return err
	}
	_, err := a.DeleteScans(ctx, act, []string{id})
	return err
}

// StartScan queues a run of a scan: the checks (target and scanner usable,
// plan limits), the run and its job are one transaction. A scan with a run in
// flight is a 409.
func (a *App) StartScan(ctx context.Context, act *Actor, id string) (scan.Run, error) {
	if err := act.can("scans", "write"); err != nil {
		return scan.Run{}, err
	}
	var run scan.Run
	err := a.store.Tx(ctx, func(q *store.Q) error {
		s, err := q.FindScan(ctx, act.Org.ID, id)
		if err != nil {
			return err
		}
		run, err = a.queueRun(ctx, q, s, scan.TriggerManual, act.User.ID)
		if err != nil {
			return err
		}
		return a.record(ctx, q, act, "", "scan.start", "scan", s.ID, map[string]any{"run_id": run.ID})
	})
	return run, err
}

// queueRun creates a queued run of s and enqueues its job, in q's transaction.
func (a *App) queueRun(ctx context.Context, q *store.Q, s scan.Scan, trigger, by string) (scan.Run, error) {
	if err := q.LockOrganization(ctx, s.OrganizationID); err != nil {
		return scan.Run{}, err
	}
	if scan.Active(s.Status) {
		return scan.Run{}, errs.New(errs.Conflict, "The scan is already %s", s.Status)
	}
	target, err := q.FindTarget(ctx, s.OrganizationID, s.TargetID)
	if errs.Is(err, errs.NotFound) {
		return scan.Run{}, errs.New(errs.Conflict, "The scan's target no longer exists")
	} else if err != nil {
		return scan.Run{}, err
	}
	scanner, err := q.FindScanner(ctx, s.OrganizationID, s.ScannerID)
	if errs.Is(err, errs.NotFound) {
		return scan.Run{}, errs.New(errs.Conflict, "The scan's scanner no longer exists")
	} else if err != nil {
		return scan.Run{}, err
	}
	if scanner.Status != scanconfig.ScannerActive {
		return scan.Run{}, errs.New(errs.Conflict, "Scanner '%s' is inactive", scanner.Name)
	}
	profile, err := q.FindScanProfile(ctx, s.OrganizationID, s.ScanProfileID)
	if err != nil {
		return scan.Run{}, err
	}
	if err := a.checkPlanForRun(ctx, q, s, target); err != nil {
		return scan.Run{}, err
	}
	ports, err := a.runPorts(ctx, q, target, profile)
	if err != nil {
		return scan.Run{}, err
	}
	settings := profileSettings(profile)
	if scanner.AppType == scanconfig.AppOpenVAS {
		settings.Engine = scanconfig.AppOpenVAS
	}
	now := a.now()
	run := scan.Run{ID: newID(), OrganizationID: s.OrganizationID, ScanID: s.ID, TargetID: target.ID, Status: scan.StatusQueued,
		Trigger: trigger, Attempt: 1, Hosts: target.Hosts, ExcludeHosts: target.ExcludeHosts, Ports: ports,
		EngineProfile: profile.Engine, Settings: settings, QueuedAt: now, CreatedBy: by,
		Log: []scan.LogEntry{{Time: now, Level: "info", Message: fmt.Sprintf("queued (%s) with profile %s", trigger, profile.Name)}}}
	if err := q.CreateRun(ctx, run); err != nil {
		return run, err
	}
	if err := q.SetScanRunState(ctx, s.OrganizationID, s.ID, run.ID, scan.StatusQueued, 0, now); err != nil {
		return run, err
	}
	return run, q.EnqueueJob(ctx, RunScanArgs{RunID: run.ID, Attempt: 1}, &river.InsertOpts{Queue: QueueScans, MaxAttempts: 5})
}

// runPorts is the port list a run scans: the target's, when set, else the
// profile's.
func (a *App) runPorts(ctx context.Context, q *store.Q, target scanconfig.Target, profile scanconfig.ScanProfile) (string, error) {
	if target.PortListID != "" {
		pl, err := q.FindPortList(ctx, target.OrganizationID, target.PortListID)
		if errs.Is(err, errs.NotFound) {
			return "", errs.New(errs.Conflict, "The target's port list no longer exists")
		} else if err != nil {
			return "", err
		}
		return pl.Ports().String(), nil
	}
	return profileView(profile).Settings.Ports.String(), nil
}

func profileSettings(p scanconfig.ScanProfile) scan.Settings {
	e := profileView(p).Settings
	return scan.Settings{ServiceDetection: e.ServiceDetection, Checks: e.Checks, Families: e.Families, CVE: e.CVE}
}

// StopScan stops the scan's run in flight: a queued run stops at once; a
// running one is asked to stop and keeps its partial results.
func (a *App) StopScan(ctx context.Context, act *Actor, id string) (scan.Run, error) {
	if err := act.can("scans", "write"); err != nil {
		return scan.Run{}, err
	}
	var run scan.Run
	err := a.store.Tx(ctx, func(q *store.Q) error {
		s, err := q.FindScan(ctx, act.Org.ID, id)
		if err != nil {
			return err
		}
		if !scan.Active(s.Status) || s.LastRunID == "" {
			return errs.New(errs.Conflict, "The scan is not queued or running (it is %s)", s.Status)
		}
		run, err = q.RunByID(ctx, s.LastRunID)
		if err != nil {
			return err
		}
		now := a.now()
		switch run.Status {
		case scan.StatusQueued:
			run.Status, run.FinishedAt = scan.StatusStopped, &now
			run.Log = appendLog(run.Log, now, "info", "stopped before it started")
			if err := q.FinishRun(ctx, run); err != nil {
				return err
			}
			if err := a.emitRunEvent(ctx, q, run, ""); err != nil {
				return err
			}
		case scan.StatusRunning:
			if _, err := q.SetRunStatus(ctx, run.OrganizationID, run.ID, scan.StatusRunning, scan.StatusStopping); err != nil {
				return err
			}
			run.Status = scan.StatusStopping
		case scan.StatusStopping:
		default:
			return errs.New(errs.Conflict, "The run is already %s", run.Status)
		}
		if err := q.SetScanRunState(ctx, s.OrganizationID, s.ID, run.ID, run.Status, run.Progress, now); err != nil {
			return err
		}
		return a.record(ctx, q, act, "", "scan.stop", "scan", s.ID, map[string]any{"run_id": run.ID})
	})
	return run, err
}

// appendLog adds a line to a run's log, keeping at most scan.MaxLogEntries
// (the first ones, and a last line saying that more were dropped).
func appendLog(log []scan.LogEntry, at time.Time, level, msg string) []scan.LogEntry {
	switch {
	case len(log) < scan.MaxLogEntries-1:
		return append(log, scan.LogEntry{Time: at, Level: level, Message: msg})
	case len(log) == scan.MaxLogEntries-1:
		return append(log, scan.LogEntry{Time: at, Level: "warn", Message: "further log lines were dropped"})
	}
	return log
}

// GetHistory returns a run of a scan of the caller's organization.
func (a *App) GetHistory(ctx context.Context, act *Actor, scanID, runID string) (scan.Run, error) {
	if err := act.can("scans", "read"); err != nil {
		return scan.Run{}, err
	}
	return a.store.R().FindRun(ctx, act.Org.ID, scanID, runID)
}

// ListHistories lists the runs of a scan of the caller's organization.
func (a *App) ListHistories(ctx context.Context, act *Actor, scanID string, p listing.Params) ([]scan.Run, int, error) {
	if _, err := a.GetScan(ctx, act, scanID); err != nil {
		return nil, 0, err
	}
	return a.store.R().FindRuns(ctx, act.Org.ID, scanID, p)
}

// RecentRuns lists the organization's finished runs, newest first.
func (a *App) RecentRuns(ctx context.Context, act *Actor, p listing.Params) ([]scan.Run, int, error) {
	if err := act.can("scans", "read"); err != nil {
		return nil, 0, err
	}
	return a.store.R().RecentRuns(ctx, act.Org.ID, p)
}
