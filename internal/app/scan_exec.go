package app

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/perimeterhq/perimeter/internal/portspec"
	"github.com/perimeterhq/perimeter/internal/scan"
	"github.com/perimeterhq/perimeter/internal/scanconfig"
	"github.com/perimeterhq/perimeter/internal/scanner"
	"github.com/perimeterhq/perimeter/internal/scanner/cve"
	"github.com/perimeterhq/perimeter/internal/scanner/result"
	"github.com/perimeterhq/perimeter/internal/store"
	"github.com/perimeterhq/perimeter/internal/webhook"
)

// QueueScans is the job queue scan runs go through; its worker count is the
// per-node scan concurrency.
const QueueScans = "scans"

// RunScanArgs is the job that executes one attempt of a run.
type RunScanArgs struct {
	RunID   string `json:"run_id"`
	Attempt int    `json:"attempt"`
}

// Kind implements river.JobArgs.
func (RunScanArgs) Kind() string { return "scan.run" }

// ErrBusy means the run must wait: its organization already runs as many
// scans as it may. The job runner retries it later; the run stays queued.
type ErrBusy struct{ Retry time.Duration }

func (e *ErrBusy) Error() string { return "organization scan limit reached; run stays queued" }

// A run's results are stored a batch per transaction: once the hosts
// buffered hold ingestBatchFindings findings, or ingestBatchHosts hosts (and
// at each heartbeat). Finding ids are hashes, so any batch inserts into most
// pages of the id-keyed indexes and the commit writes each of them: fewer,
// bigger batches write them fewer times (measured on SQLite at 200 000
// findings: 12 800 findings per batch 20 300/s, 25 000 per batch 25 400/s).
// A batch holds SQLite's write lock for about a second.
const (
	ingestBatchHosts    = 1024
	ingestBatchFindings = 25_000
)

// ExecuteRun executes one attempt of a run with the built-in engine, storing
// results in idempotent batches, saving progress and heartbeats, and honouring
// stop requests. A stale or superseded attempt does nothing. When ctx ends
// (shutdown) the run is put back in the queue and ctx's error returned, so the
// job engine retries it. A run whose scanner is a remote agent is not
// executed here: it stays queued until its agent claims it (ClaimAgentJob).
func (a *App) ExecuteRun(ctx context.Context, runID string, attempt int) error {
	if a.runsOnAgent(ctx, runID) {
		return nil
	}
	run, ok, err := a.claimRun(ctx, runID, attempt)
	if err != nil || !ok {
		return err
	}
	return a.execute(ctx, run)
}

// claimRun moves a queued run to running, within the organization's limit.
func (a *App) claimRun(ctx context.Context, runID string, attempt int) (scan.Run, bool, error) {
	var run scan.Run
	claimed := false
	err := a.store.Tx(ctx, func(q *store.Q) error {
		var err error
		if run, err = q.RunByID(ctx, runID); err != nil {
			return err
		}
		if run.Attempt != attempt {
			return nil // superseded by a retry after a crash
		}
		now := a.now()
		switch run.Status {
		case scan.StatusQueued:
		case scan.StatusRunning, scan.StatusStopping:
			if run.HeartbeatAt != nil && now.Sub(*run.HeartbeatAt) < a.cfg.ScanStaleAfter {
				return nil // another worker has it
			}
		default:
			return nil // stopped, completed or failed already
		}
		if err := q.LockOrganization(ctx, run.OrganizationID); err != nil {
			return err
		}
		n, err := q.CountRunning(ctx, run.OrganizationID, run.ID)
		if err != nil {
			return err
		}
		if n >= a.cfg.OrgScanConcurrency {
			return &ErrBusy{Retry: 10 * time.Second}
		}
		if run.Status == scan.StatusQueued {
			run.Status = scan.StatusRunning
		}
		firstStart := run.StartedAt == nil // a retried attempt started long ago
		if err := q.StartRun(ctx, run.OrganizationID, run.ID, now); err != nil {
			return err
		}
		if run.Status == scan.StatusStopping {
			_, err = q.SetRunStatus(ctx, run.OrganizationID, run.ID, "", scan.StatusStopping)
		}
		if err != nil {
			return err
		}
		if firstStart {
			run.StartedAt = &now
			if err := a.emitRunEvent(ctx, q, run, webhook.EventScanStarted); err != nil {
				return err
			}
		}
		run.StartedAt, run.HeartbeatAt = &now, &now
		claimed = true
		return q.SetScanRunState(ctx, run.OrganizationID, run.ScanID, run.ID, run.Status, run.Progress, now)
	})
	return run, claimed, err
}

// cveMatcher loads the feed once and shares it between runs.
func (a *App) cveMatcher() scanner.CVEMatcher {
	a.cveOnce.Do(func() {
		if a.cfg.FeedDir == "" {
			return
		}
		db, err := cve.Load(a.cfg.FeedDir)
		if err != nil {
			a.log.Error("CVE feed not loaded; scans run without CVE matching", "feed_dir", a.cfg.FeedDir, "err", err)
			return
		}
		a.cve = db
	})
	return a.cve
}

// runState is what execute tracks while the engine runs.
type runState struct {
	run      scan.Run
	ref      store.RunRef
	ports    portspec.List
	buffer   []store.HostResult
	buffered int // findings in buffer
	down     []string
	stats    scan.Stats
	progress float64
	stopped  bool // a stop was requested
	lost     bool // another attempt took over
}

// add buffers a host's results and counts it in the run's statistics.
func (st *runState) add(hr store.HostResult) {
	st.stats.HostsUp++
	st.stats.PortsOpen += hr.RunHost.OpenPorts
	st.buffer, st.buffered = append(st.buffer, hr), st.buffered+len(hr.Findings)
}

// full reports whether the buffer makes a batch (see ingestBatchFindings).
func (st *runState) full() bool {
	return len(st.buffer) >= ingestBatchHosts || st.buffered >= ingestBatchFindings
}

func (a *App) execute(ctx context.Context, run scan.Run) error {
	s, err := a.store.R().FindScan(ctx, run.OrganizationID, run.ScanID)
	if err != nil {
		return a.failRun(ctx, run, "the scan no longer exists")
	}
	st := &runState{run: run, ref: store.RunRef{ID: run.ID, OrganizationID: run.OrganizationID, ScanID: run.ScanID,
		TargetID: run.TargetID, Product: s.Product}}
	if st.ports, err = portspec.Parse(run.Ports); err != nil {
		return a.failRun(ctx, run, "invalid port list: "+err.Error())
	}
	sc, err := a.store.R().FindScanner(ctx, run.OrganizationID, s.ScannerID)
	if err != nil {
		return a.failRun(ctx, run, "the scan's scanner no longer exists")
	}
	engine, err := a.engineFor(sc, run.ID)
	if err != nil {
		return a.failRun(ctx, run, err.Error())
	}
	st.run.Settings.Engine = "" // what ran decides what the run vouches for (checkCovered)
	if sc.AppType == scanconfig.AppOpenVAS {
		st.run.Settings.Engine = scanconfig.AppOpenVAS
	}
	profile, ok := scanner.ProfileByName(run.EngineProfile)
	if !ok {
		return a.failRun(ctx, run, "unknown scan profile "+run.EngineProfile)
	}
	set := run.Settings
	opts := scanner.Options{Hosts: run.Hosts, Exclude: joinHostLists(run.ExcludeHosts, a.cfg.ScanExclude), Ports: st.ports,
		Profile: profile, ServiceDetection: &set.ServiceDetection, Checks: &set.Checks, CVE: &set.CVE, CVEMatcher: a.cveMatcher()}
	if len(set.Families) > 0 {
		opts.Profile.Families = set.Families
	}
	if opts.CVEMatcher == nil {
		off := false
		opts.CVE = &off
	}

	ectx, cancel := context.WithCancel(ctx)
	defer cancel()
	events := make(chan result.Event, 256)
	var engineStats result.Stats
	var engineErr error
	done := make(chan struct{})
	go func() {
		engineStats, engineErr = engine(ectx, opts, events)
		close(events)
		close(done)
	}()
	tick := time.NewTicker(a.cfg.ScanHeartbeat)
	defer tick.Stop()
	var saveErr error
	for events != nil {
		select {
		case ev, more := <-events:
			if !more {
				events = nil
				break
			}
			a.onEvent(st, ev)
			if st.full() {
				saveErr = errors.Join(saveErr, a.flush(ctx, st))
			}
		case <-tick.C:
			saveErr = errors.Join(saveErr, a.flush(ctx, st))
			if err := a.heartbeat(ctx, st); err != nil {
				saveErr = errors.Join(saveErr, err)
			}
			if st.stopped || st.lost || saveErr != nil {
				cancel()
			}
		}
	}
	<-done
	if st.lost {
		return nil // the run belongs to a newer attempt now
	}
	if ctx.Err() != nil {
		return a.releaseRun(st.run, ctx.Err())
	}
	saveErr = errors.Join(saveErr, a.flush(ctx, st))
	st.stats.HostsTotal, st.stats.PortsProbed = engineStats.HostsTotal, engineStats.PortsProbed
	switch {
	case saveErr != nil:
		return a.finishRun(ctx, st, scan.StatusFailed, "storing results failed: "+saveErr.Error())
	case st.stopped:
		return a.finishRun(ctx, st, scan.StatusStopped, "")
	case engineErr != nil:
		return a.finishRun(ctx, st, scan.StatusFailed, engineErr.Error())
	}
	return a.finishRun(ctx, st, scan.StatusCompleted, "")
}

// joinHostLists joins host lists (either may be empty).
func joinHostLists(a, b string) string {
	switch {
	case strings.TrimSpace(a) == "":
		return b
	case strings.TrimSpace(b) == "":
		return a
	}
	return a + "," + b
}

// onEvent folds one engine event into the run state.
func (a *App) onEvent(st *runState, ev result.Event) {
	switch ev.Kind {
	case result.EventProgress:
		st.progress = ev.Progress
	case result.EventError:
		st.run.Log = appendLog(st.run.Log, ev.Time, "warn", ev.Err)
	case result.EventHostDone:
		if ev.Host == nil {
			return
		}
		if ev.Host.Status != result.HostUp {
			st.down = append(st.down, ev.Host.IP.String())
			return
		}
		st.add(hostResult(st.ref, ev.Host, a.now()))
	}
}

// flush stores the buffered hosts in one transaction. On failure the buffer
// is kept: the next flush writes the same rows (ids are deterministic).
func (a *App) flush(ctx context.Context, st *runState) error {
	if len(st.buffer) == 0 && len(st.down) == 0 {
		return nil
	}
	err := a.store.Tx(ctx, func(q *store.Q) error {
		if err := q.SaveHostResults(ctx, st.ref, st.buffer, a.now()); err != nil {
			return err
		}
		if err := a.applyExceptionsToRun(ctx, q, st.run.OrganizationID, st.run.ID); err != nil {
			return err
		}
		return q.MarkHostsDown(ctx, st.run.OrganizationID, st.down)
	})
	if err != nil {
		return err
	}
	st.buffer, st.buffered, st.down = st.buffer[:0], 0, st.down[:0]
	return nil
}

// heartbeat saves progress and learns whether the run was asked to stop or
// taken over by a newer attempt.
func (a *App) heartbeat(ctx context.Context, st *runState) error {
	var status string
	err := a.store.Tx(ctx, func(q *store.Q) error {
		cur, err := q.RunByID(ctx, st.run.ID)
		if err != nil {
			return err
		}
		if cur.Attempt != st.run.Attempt {
			st.lost = true
			return nil
		}
		if status, err = q.HeartbeatRun(ctx, st.run.OrganizationID, st.run.ID, st.run.Attempt, st.progress, a.now()); err != nil {
			return err
		}
		return q.SetScanRunState(ctx, st.run.OrganizationID, st.run.ScanID, st.run.ID, status, st.progress, a.now())
	})
	if status == scan.StatusStopping {
		st.stopped = true
	}
	return err
}

// releaseRun puts a run back in the queue when its worker shuts down, so the
// job engine's retry continues it; the results stored so far stay.
func (a *App) releaseRun(run scan.Run, cause error) error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := a.store.Tx(ctx, func(q *store.Q) error {
		log := appendLog(run.Log, a.now(), "warn", "worker shut down; the run is queued again")
		return q.RequeueRun(ctx, run.OrganizationID, run.ID, run.Attempt, log)
	})
	return errors.Join(cause, err)
}

// failRun ends a run that cannot execute at all.
func (a *App) failRun(ctx context.Context, run scan.Run, reason string) error {
	st := &runState{run: run, ref: store.RunRef{ID: run.ID, OrganizationID: run.OrganizationID, ScanID: run.ScanID, TargetID: run.TargetID}}
	return a.finishRun(ctx, st, scan.StatusFailed, reason)
}

// finishRun records the end of a run in its own transaction (see finishInTx).
func (a *App) finishRun(ctx context.Context, st *runState, status, reason string) error {
	return a.store.Tx(ctx, func(q *store.Q) error { return a.finishInTx(ctx, q, st, status, reason) })
}

// finishInTx records the end of a run in q's transaction: findings not seen
// again on covered hosts and ports become fixed (completed and stopped runs),
// the run's counts and PCI verdict, the scan's status, and the audit event.
// Recovery calls it with no results in memory: the counts come from what was
// stored, the host counts from st.stats.
func (a *App) finishInTx(ctx context.Context, q *store.Q, st *runState, status, reason string) error {
	now := a.now()
	run := st.run
	run.Status, run.FinishedAt, run.HeartbeatAt = status, &now, &now
	run.Progress = st.progress
	if status == scan.StatusCompleted {
		run.Progress = 100
	}
	if reason != "" {
		run.Error = reason
		run.Log = appendLog(run.Log, now, "error", reason)
	}
	run.Log = appendLog(run.Log, now, "info", fmt.Sprintf("%s: %d of %d hosts up, %d open ports", status, st.stats.HostsUp, st.stats.HostsTotal, st.stats.PortsOpen))
	if status == scan.StatusCompleted || status == scan.StatusStopped {
		ports := st.ports
		if ports == nil {
			ports, _ = portspec.Parse(run.Ports) // stored when the run was queued; valid
		}
		if err := a.markFixed(ctx, q, run, ports, now); err != nil {
			return err
		}
	}
	counts, compliant, err := q.RunFindingStats(ctx, run.OrganizationID, run.ID)
	if err != nil {
		return err
	}
	stats := st.stats
	stats.Findings, stats.Critical, stats.High, stats.Medium, stats.Low, stats.Info =
		counts.Findings, counts.Critical, counts.High, counts.Medium, counts.Low, counts.Info
	run.Stats = stats
	if status == scan.StatusCompleted {
		run.PCICompliant = &compliant
	}
	if err := q.FinishRun(ctx, run); err != nil {
		return err
	}
	if status == scan.StatusCompleted || status == scan.StatusStopped {
		if err := a.createRunReport(ctx, q, run, st.ref.Product, now); err != nil {
			return err
		}
	}
	if err := q.SetScanRunState(ctx, run.OrganizationID, run.ScanID, run.ID, status, run.Progress, now); err != nil {
		return err
	}
	if status == scan.StatusCompleted || status == scan.StatusStopped {
		if err := warmAggregatesLater(ctx, q, run.OrganizationID); err != nil {
			return err
		}
	}
	if err := a.emitRunEvent(ctx, q, run, ""); err != nil {
		return err
	}
	if err := a.emitNewFindings(ctx, q, run); err != nil {
		return err
	}
	return a.record(ctx, q, nil, run.OrganizationID, "scan."+status, "scan", run.ScanID,
		map[string]any{"run_id": run.ID, "findings": stats.Findings, "hosts_up": stats.HostsUp, "error": reason})
}

// markFixed applies the fixed rule: an open finding becomes fixed only when
// this run scanned its host (up), its port was in the run's port list (or it is
// a host-level finding), and the check that reports it ran — and the run did
// not report it.
func (a *App) markFixed(ctx context.Context, q *store.Q, run scan.Run, ports portspec.List, at time.Time) error {
	cands, err := q.FixCandidates(ctx, run.OrganizationID, run.ID)
	if err != nil {
		return err
	}
	var fixed []string
	for _, c := range cands {
		if c.Port != 0 && !ports.Contains(c.Protocol, c.Port) {
			continue
		}
		if !checkCovered(run.Settings, c.CheckID) {
			continue
		}
		fixed = append(fixed, c.ID)
	}
	return q.MarkFixed(ctx, run.OrganizationID, fixed, at)
}

// hostResult converts a finished host of the engine into stored rows.
func hostResult(ref store.RunRef, h *result.Host, at time.Time) store.HostResult {
	ip := h.IP.String()
	hostID := scan.HostID(ref.OrganizationID, ip)
	hr := store.HostResult{
		RunHost: scan.RunHost{ID: scan.RunHostID(ref.ID, ip), RunID: ref.ID, HostID: hostID, IP: ip, Hostnames: h.Hostnames,
			Status: h.Status, Reason: h.Reason, OS: h.OS, RTT: h.RTT, ScannedAt: at},
	}
	var summary []string
	for _, p := range h.Ports {
		if p.State != result.PortOpen && p.State != result.PortOpenFiltered {
			continue
		}
		if p.State == result.PortOpen {
			hr.RunHost.OpenPorts++
		}
		hr.Services = append(hr.Services, scan.Service{ID: scan.ServiceID(ref.ID, hostID, p.Port, p.Protocol), RunID: ref.ID,
			HostID: hostID, Port: p.Port, Protocol: p.Protocol, State: p.State, Service: p.Service, Product: p.Product,
			Version: p.Version, CPE: p.CPE, Banner: p.Banner, TLS: p.TLS})
		summary = append(summary, strings.TrimSpace(strconv.Itoa(p.Port)+"/"+p.Protocol+" "+p.Service+" "+p.Product+" "+p.Version))
	}
	seen := map[string]int{}
	hostname := ""
	if len(h.Hostnames) > 0 {
		hostname = h.Hostnames[0]
	}
	for _, f := range h.Findings {
		sf := findingOf(ref.OrganizationID, hostID, ip, hostname, f)
		id := sf.ID
		if i, dup := seen[id]; dup { // one row per key: keep the most severe report
			if sf.CVSSScore > hr.Findings[i].CVSSScore {
				hr.Findings[i] = sf
			}
			continue
		}
		seen[id] = len(hr.Findings)
		hr.Findings = append(hr.Findings, sf)
	}
	for _, f := range hr.Findings {
		hr.RunHost.Counts.Add(f.Severity)
	}
	hr.Host = scan.Host{ID: hostID, IP: ip, Hostnames: h.Hostnames, OS: h.OS, Status: h.Status, OpenPorts: hr.RunHost.OpenPorts,
		Services: strings.Join(summary, "; ")}
	return hr
}

// findingOf is the one conversion of a finding the engine reported on a host
// into the domain finding: the engine's fields, the host's identity and the
// deduplication key (scan.FindingID). The engine's PCIFail is not kept: the
// verdict is recomputed from the finding (scan.Finding.FailsPCI), so that
// exceptions apply. What the run adds (organization, run, scan, status, times)
// the store sets when it saves the batch.
func findingOf(orgID, hostID, ip, hostname string, f result.Finding) scan.Finding {
	return scan.Finding{ID: scan.FindingID(orgID, hostID, f.Port, f.Protocol, f.CheckID), HostID: hostID, IP: ip, Hostname: hostname,
		Port: f.Port, Protocol: f.Protocol, Service: f.Service, CheckID: f.CheckID, Title: f.Title, Description: f.Description,
		Solution: f.Solution, References: f.References, CVEs: f.CVEs, CVSSScore: f.CVSSScore, CVSSVector: f.CVSSVector,
		Severity: f.Severity, Confidence: f.Confidence, Evidence: f.Evidence, CPE: f.CPE, PCIAutoFail: f.PCIAutoFail,
		DoSOnly: f.DoSOnly, KEV: f.KEV, EPSS: f.EPSS}
}
