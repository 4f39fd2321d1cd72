package app

import (
	"context"
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/perimeterhq/perimeter/internal/errs"
	"github.com/perimeterhq/perimeter/internal/hostspec"
	"github.com/perimeterhq/perimeter/internal/portspec"
	"github.com/perimeterhq/perimeter/internal/scan"
	"github.com/perimeterhq/perimeter/internal/scanconfig"
	"github.com/perimeterhq/perimeter/internal/scanner/result"
	"github.com/perimeterhq/perimeter/internal/secret"
	"github.com/perimeterhq/perimeter/internal/store"
	"github.com/perimeterhq/perimeter/internal/webhook"
)

// AgentJob is a run handed to a remote scanner agent: what to scan, with the
// platform's exclusions already joined to the target's.
type AgentJob struct {
	RunID    string
	Attempt  int
	Hosts    string
	Exclude  string
	Ports    string
	Profile  string
	Settings scan.Settings
}

// agentPoll is how often a waiting claim looks for work again.
const agentPoll = 500 * time.Millisecond

// errSuperseded tells an agent its attempt of a run is over: the run was
// queued again (its heartbeats stopped) or it ended. The agent drops the job.
var errSuperseded = errs.New(errs.Conflict, "This attempt of the run is no longer current; drop the job")

// AuthenticateAgent finds the agent scanner a token belongs to (by its hash;
// the token itself is never stored or logged). It returns an unauthenticated
// error for an unknown token and a forbidden one for an inactive scanner.
func (a *App) AuthenticateAgent(ctx context.Context, token string) (scanconfig.Scanner, error) {
	if token == "" {
		return scanconfig.Scanner{}, errs.New(errs.Unauthenticated, "Missing scanner token (Authorization: Scanner <token>)")
	}
	sc, err := a.store.R().ScannerByToken(ctx, secret.Hash(token))
	if errs.Is(err, errs.NotFound) || err == nil && sc.AppType != scanconfig.AppAgent {
		return scanconfig.Scanner{}, errs.New(errs.Unauthenticated, "Invalid scanner token")
	}
	if err != nil {
		return scanconfig.Scanner{}, err
	}
	if sc.Status != scanconfig.ScannerActive {
		return scanconfig.Scanner{}, errs.New(errs.Forbidden, "Scanner '%s' is inactive", sc.Name)
	}
	return sc, nil
}

// ClaimAgentJob records an agent's version and heartbeat and waits up to wait
// for the oldest queued run of its scanner, which it moves to running within
// the organization's scan limit. It returns nil when there is no work. A run
// whose target is outside the networks the agent reported (when it reported
// any) fails with the reason instead of being handed out.
func (a *App) ClaimAgentJob(ctx context.Context, sc scanconfig.Scanner, version string, networks []netip.Prefix, wait time.Duration) (*AgentJob, error) {
	if err := a.store.Tx(ctx, func(q *store.Q) error {
		return q.TouchScanner(ctx, sc.OrganizationID, sc.ID, version, a.now())
	}); err != nil {
		return nil, err
	}
	deadline := time.Now().Add(wait)
	for {
		job, retry, err := a.claimAgentRun(ctx, sc, networks)
		if err != nil || job != nil {
			return job, err
		}
		if retry {
			continue // a run was refused: look at the next one at once
		}
		if time.Now().Add(agentPoll).After(deadline) {
			return nil, nil
		}
		select {
		case <-ctx.Done():
			return nil, nil // the agent hung up or the server shuts down
		case <-time.After(agentPoll):
		}
	}
}

// claimAgentRun makes one attempt to claim a run; retry says a run was
// refused (failed) and another may be waiting.
func (a *App) claimAgentRun(ctx context.Context, sc scanconfig.Scanner, networks []netip.Prefix) (*AgentJob, bool, error) {
	var job *AgentJob
	retry := false
	err := a.store.Tx(ctx, func(q *store.Q) error {
		if err := q.LockOrganization(ctx, sc.OrganizationID); err != nil {
			return err
		}
		run, err := q.OldestQueuedRunForScanner(ctx, sc.OrganizationID, sc.ID)
		if errs.Is(err, errs.NotFound) {
			return nil
		} else if err != nil {
			return err
		}
		if reason := outsideNetworks(run, networks); reason != "" {
			retry = true
			st := &runState{run: run, ref: store.RunRef{ID: run.ID, OrganizationID: run.OrganizationID, ScanID: run.ScanID, TargetID: run.TargetID}}
			return a.finishInTx(ctx, q, st, scan.StatusFailed, reason)
		}
		n, err := q.CountRunning(ctx, run.OrganizationID, run.ID)
		if err != nil {
			return err
		}
		if n >= a.cfg.OrgScanConcurrency {
			return nil // the run waits its turn, as on the built-in path
		}
		now := a.now()
		firstStart := run.StartedAt == nil
		if err := q.StartRun(ctx, run.OrganizationID, run.ID, now); err != nil {
			return err
		}
		run.Status = scan.StatusRunning
		if firstStart {
			run.StartedAt = &now
			if err := a.emitRunEvent(ctx, q, run, webhook.EventScanStarted); err != nil {
				return err
			}
		}
		if err := q.SetScanRunState(ctx, run.OrganizationID, run.ScanID, run.ID, run.Status, run.Progress, now); err != nil {
			return err
		}
		job = &AgentJob{RunID: run.ID, Attempt: run.Attempt, Hosts: run.Hosts, Exclude: joinHostLists(run.ExcludeHosts, a.cfg.ScanExclude),
			Ports: run.Ports, Profile: run.EngineProfile, Settings: run.Settings}
		return nil
	})
	if err != nil {
		return nil, false, err
	}
	if job != nil {
		a.log.Info("scanner agent claimed a run", "scanner_id", sc.ID, "run_id", job.RunID, "attempt", job.Attempt)
	}
	return job, retry, nil
}

// outsideNetworks says why a run's target is not inside the networks an
// agent can reach ("" when it is, or when the agent reported none). Hostnames
// cannot be placed before the agent resolves them; their results are checked
// against the target when they arrive.
func outsideNetworks(run scan.Run, networks []netip.Prefix) string {
	if len(networks) == 0 {
		return ""
	}
	set, err := hostspec.Parse(run.Hosts, run.ExcludeHosts)
	if err != nil {
		return "the run's hosts do not parse: " + err.Error()
	}
	outside := set.Outside(networks)
	if len(outside) == 0 {
		return ""
	}
	nets := make([]string, len(networks))
	for i, p := range networks {
		nets[i] = p.String()
	}
	return fmt.Sprintf("the scanner agent refused: %s outside the networks it can reach (%s)", strings.Join(outside, ", "), strings.Join(nets, ", "))
}

// agentRun loads a run for an agent call in q's transaction: it must belong
// to the agent's organization and scanner (else not found) and be the
// current, active attempt (else errSuperseded).
func (a *App) agentRun(ctx context.Context, q *store.Q, sc scanconfig.Scanner, runID string, attempt int) (scan.Run, scan.Scan, error) {
	run, err := q.RunByID(ctx, runID)
	if err != nil || run.OrganizationID != sc.OrganizationID {
		return scan.Run{}, scan.Scan{}, errs.NotFoundf("Job")
	}
	s, err := q.FindScan(ctx, sc.OrganizationID, run.ScanID)
	if err != nil || s.ScannerID != sc.ID {
		return scan.Run{}, scan.Scan{}, errs.NotFoundf("Job")
	}
	if run.Attempt != attempt || (run.Status != scan.StatusRunning && run.Status != scan.StatusStopping) {
		return run, s, errSuperseded
	}
	return run, s, nil
}

// AgentProgress records an agent's heartbeat and progress on a run and says
// whether the run was asked to stop. It returns not found for another
// scanner's run and a conflict when the attempt is no longer current.
func (a *App) AgentProgress(ctx context.Context, sc scanconfig.Scanner, runID string, attempt int, progress float64) (bool, error) {
	if progress < 0 || progress > 100 {
		return false, errs.Field("progress", "must be between 0 and 100")
	}
	stop := false
	err := a.store.Tx(ctx, func(q *store.Q) error {
		run, _, err := a.agentRun(ctx, q, sc, runID, attempt)
		if err != nil {
			return err
		}
		now := a.now()
		status, err := q.HeartbeatRun(ctx, run.OrganizationID, run.ID, run.Attempt, progress, now)
		if err != nil {
			return err
		}
		stop = status == scan.StatusStopping
		if err := q.TouchScanner(ctx, sc.OrganizationID, sc.ID, "", now); err != nil {
			return err
		}
		return q.SetScanRunState(ctx, run.OrganizationID, run.ScanID, run.ID, status, progress, now)
	})
	return stop, err
}

// AgentResults stores one batch of an agent's finished hosts (up hosts with
// their ports and findings, and addresses found down) in one transaction, as
// the built-in path's flush does, and counts as a heartbeat. Every address
// must be in the run's target, else nothing is stored (a field error names
// it). The rows' ids are deterministic, so a batch sent again (seq repeated
// after a lost answer) rewrites the same rows.
func (a *App) AgentResults(ctx context.Context, sc scanconfig.Scanner, runID string, attempt, seq int, hosts []result.Host, down []string) error {
	if seq < 0 {
		return errs.Field("seq", "must be 0 or more")
	}
	return a.store.Tx(ctx, func(q *store.Q) error {
		run, s, err := a.agentRun(ctx, q, sc, runID, attempt)
		if err != nil {
			return err
		}
		set, err := hostspec.Parse(run.Hosts, joinHostLists(run.ExcludeHosts, a.cfg.ScanExclude))
		if err != nil {
			return err
		}
		names := map[string]bool{}
		for _, n := range set.Hostnames() {
			names[strings.ToLower(n)] = true
		}
		inTarget := func(ip netip.Addr, hostnames []string) bool {
			if set.Contains(ip) {
				return true
			}
			if set.Excludes(ip) {
				return false
			}
			for _, n := range hostnames { // a target hostname the agent resolved
				if names[strings.ToLower(strings.TrimSuffix(n, "."))] {
					return true
				}
			}
			return false
		}
		f := errs.Fields{}
		ref := store.RunRef{ID: run.ID, OrganizationID: run.OrganizationID, ScanID: run.ScanID, TargetID: run.TargetID, Product: s.Product}
		now := a.now()
		var rows []store.HostResult
		var downIPs []string
		for i := range hosts {
			h := &hosts[i]
			field := fmt.Sprintf("hosts[%d]", i)
			switch {
			case !h.IP.IsValid():
				f.Add(field+".ip", "is not an IP address")
				continue
			case !inTarget(h.IP, h.Hostnames):
				f.Add(field+".ip", "%s is not in the run's target", h.IP)
				continue
			case h.Status != result.HostUp && h.Status != result.HostDown:
				f.Add(field+".status", "must be up or down")
				continue
			}
			for j, p := range h.Ports {
				if p.Port < 1 || p.Port > 65535 {
					f.Add(fmt.Sprintf("%s.ports[%d].port", field, j), "must be between 1 and 65535")
				}
			}
			if h.Status != result.HostUp {
				downIPs = append(downIPs, h.IP.String())
				continue
			}
			rows = append(rows, hostResult(ref, h, now))
		}
		for i, d := range down {
			ip, err := netip.ParseAddr(d)
			if err != nil {
				f.Add(fmt.Sprintf("down[%d]", i), "is not an IP address")
			} else if !inTarget(ip, nil) && (len(names) == 0 || set.Excludes(ip)) {
				f.Add(fmt.Sprintf("down[%d]", i), "%s is not in the run's target", d)
			} else {
				downIPs = append(downIPs, ip.String())
			}
		}
		if err := f.Err(); err != nil {
			return err
		}
		if err := q.SaveHostResults(ctx, ref, rows, now); err != nil {
			return err
		}
		if err := a.applyExceptionsToRun(ctx, q, run.OrganizationID, run.ID); err != nil {
			return err
		}
		if err := q.MarkHostsDown(ctx, run.OrganizationID, downIPs); err != nil {
			return err
		}
		_, err = q.HeartbeatRun(ctx, run.OrganizationID, run.ID, run.Attempt, run.Progress, now)
		return err
	})
}

// AgentFinish ends an agent's run as the built-in path does (finishInTx: the
// fixed rule, counts, PCI verdict, report, events). status is completed,
// failed or stopped; a run asked to stop ends stopped. Finishing a run this
// attempt already finished is a no-op, so the agent may retry a finish whose
// answer it lost.
func (a *App) AgentFinish(ctx context.Context, sc scanconfig.Scanner, runID string, attempt int, status, reason string, hostsTotal int, portsProbed int64) error {
	switch status {
	case scan.StatusCompleted, scan.StatusFailed, scan.StatusStopped:
	default:
		return errs.Field("status", "must be completed, failed or stopped")
	}
	if status == scan.StatusFailed && strings.TrimSpace(reason) == "" {
		reason = "the scanner agent reported a failure"
	}
	return a.store.Tx(ctx, func(q *store.Q) error {
		run, s, err := a.agentRun(ctx, q, sc, runID, attempt)
		if err == errSuperseded && run.Attempt == attempt && !scan.Active(run.Status) {
			return nil // already finished by this attempt: a retried finish
		}
		if err != nil {
			return err
		}
		if run.Status == scan.StatusStopping && status == scan.StatusCompleted {
			status = scan.StatusStopped
		}
		if status != scan.StatusFailed {
			reason = ""
		}
		ports, err := portspec.Parse(run.Ports)
		if err != nil {
			return err
		}
		st := &runState{run: run, ports: ports, progress: run.Progress,
			ref: store.RunRef{ID: run.ID, OrganizationID: run.OrganizationID, ScanID: run.ScanID, TargetID: run.TargetID, Product: s.Product}}
		if st.stats.HostsUp, st.stats.PortsOpen, err = q.RunHostCounts(ctx, run.OrganizationID, run.ID); err != nil {
			return err
		}
		st.stats.HostsTotal, st.stats.PortsProbed = hostsTotal, portsProbed
		return a.finishInTx(ctx, q, st, status, reason)
	})
}

// runsOnAgent reports whether a run's scanner is a remote agent: such runs
// stay queued for the agent to claim instead of executing here.
func (a *App) runsOnAgent(ctx context.Context, runID string) bool {
	r := a.store.R()
	run, err := r.RunByID(ctx, runID)
	if err != nil {
		return false
	}
	s, err := r.FindScan(ctx, run.OrganizationID, run.ScanID)
	if err != nil {
		return false
	}
	sc, err := r.FindScanner(ctx, run.OrganizationID, s.ScannerID)
	return err == nil && sc.AppType == scanconfig.AppAgent
}

// AgentRelease hands a claimed run back when its agent shuts down gracefully
// (after sending what it collected): the run is queued again at once as the
// next attempt — any late call of the released attempt gets a conflict — for
// the next claim of an agent of the scanner, instead of waiting for the
// reaper to notice the silence. A run asked to stop ends stopped. Releasing
// again (a retried call) is harmless.
func (a *App) AgentRelease(ctx context.Context, sc scanconfig.Scanner, runID string, attempt int) error {
	return a.store.Tx(ctx, func(q *store.Q) error {
		run, _, err := a.agentRun(ctx, q, sc, runID, attempt)
		if err == errSuperseded && run.Attempt == attempt+1 && run.Status == scan.StatusQueued {
			return nil // already released by this attempt: a retried call
		}
		if err != nil {
			return err
		}
		if run.Status == scan.StatusStopping {
			st := &runState{run: run, progress: run.Progress, stats: run.Stats,
				ref: store.RunRef{ID: run.ID, OrganizationID: run.OrganizationID, ScanID: run.ScanID, TargetID: run.TargetID}}
			return a.finishInTx(ctx, q, st, scan.StatusStopped, "")
		}
		now := a.now()
		next := run.Attempt + 1
		log := appendLog(run.Log, now, "info", fmt.Sprintf("the scanner agent shut down; queued again for the next agent (attempt %d)", next))
		if err := q.RequeueRun(ctx, run.OrganizationID, run.ID, next, log); err != nil {
			return err
		}
		return q.SetScanRunState(ctx, run.OrganizationID, run.ScanID, run.ID, scan.StatusQueued, run.Progress, now)
	})
}
