package gvmscan

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/perimeterhq/perimeter/internal/hostspec"
	"github.com/perimeterhq/perimeter/internal/scanner"
	"github.com/perimeterhq/perimeter/internal/scanner/result"
)

// DefaultPollInterval is how often a running task's progress is asked.
const DefaultPollInterval = 10 * time.Second

// cleanupTimeout bounds stopping and deleting a task after its run ended.
const cleanupTimeout = 30 * time.Second

// Scan is one scan on a manager.
type Scan struct {
	Config
	Name         string        // names the target and task on the manager (unique there: include the run id)
	ScanConfigID string        // "" : ConfigFullAndFast
	ScannerID    string        // "" : ScannerOpenVAS
	PollInterval time.Duration // 0: DefaultPollInterval
}

// Run scans opts.Hosts (less opts.Exclude) on opts.Ports (or the profile's)
// through the manager, sending progress while the task runs and one host
// event per host of the report (which it does not close). Perimeter's own
// checks and CVE matching do not run: the manager's results are the
// findings. The target and task are deleted from the manager afterwards; a
// cancelled context stops the task first. Errors: the manager unreachable or
// its certificate untrusted, the credentials refused (an *Error of command
// "authenticate"), the task ending otherwise than Done, a malformed or
// oversized report, or ctx's error.
func Run(ctx context.Context, s Scan, opts scanner.Options, events chan<- result.Event) (result.Stats, error) {
	stats := result.Stats{Started: time.Now().UTC(), BySeverity: map[string]int{}}
	if s.Username == "" || s.Password == "" {
		return stats, errors.New("the scanner has no GMP username and password")
	}
	set, err := hostspec.Parse(opts.Hosts, opts.Exclude)
	if err != nil {
		return stats, err
	}
	if opts.Profile.Name == "" {
		opts.Profile, _ = scanner.ProfileByName(scanner.DefaultProfileName)
	}
	ports := opts.Ports
	if len(ports) == 0 {
		ports = opts.Profile.Ports
	}
	if ports.Count() == 0 {
		return stats, errors.New("GMP: no ports to scan")
	}
	if n, err := set.Count(); err == nil {
		stats.HostsTotal = int(n) + len(set.Hostnames())
	}
	stats.PortsProbed = int64(stats.HostsTotal) * int64(ports.Count())
	hosts := gvmHosts(set.String())
	if hosts == "" {
		return stats, errors.New("GMP: every host of the target is excluded")
	}

	r := &runner{s: s}
	if err := r.connect(ctx); err != nil {
		return stats, err
	}
	defer func() { r.conn.Close() }()
	r.removeLeftovers(ctx)
	r.targetID, err = r.conn.CreateTarget(ctx, Target{Name: s.Name, Comment: "Created by Perimeter; deleted when its run ends",
		Hosts: hosts, ExcludeHosts: gvmHosts(set.ExcludeString()), PortRange: ports.String(),
		ConsiderAlive: opts.NoPing || opts.Profile.Discovery == "none"})
	if err != nil {
		return stats, err
	}
	defer r.cleanup(ctx)
	r.taskID, err = r.conn.CreateTask(ctx, Task{Name: s.Name, Comment: "Created by Perimeter; deleted when its run ends",
		ConfigID: or(s.ScanConfigID, ConfigFullAndFast), TargetID: r.targetID, ScannerID: or(s.ScannerID, ScannerOpenVAS)})
	if err != nil {
		return stats, err
	}
	reportID, err := r.conn.StartTask(ctx, r.taskID)
	if err != nil {
		return stats, err
	}
	r.started = true
	// emit hands the report's hosts over, until sendCtx ends.
	emit := func(sendCtx context.Context) func(result.Host) error {
		return func(h result.Host) error {
			if h.Status != result.HostUp || !allowed(set, h.IP) {
				return nil // a name resolved to an excluded address: drop what was seen
			}
			stats.HostsUp++
			stats.PortsOpen += len(h.Ports)
			stats.Findings += len(h.Findings)
			for _, f := range h.Findings {
				stats.BySeverity[f.Severity]++
			}
			return send(sendCtx, events, result.Event{Kind: result.EventHostDone, Time: time.Now().UTC(), IP: h.IP, Host: &h})
		}
	}
	if err := r.wait(ctx, events); err != nil {
		if ctx.Err() != nil {
			r.stop(ctx, reportID, emit)
		}
		return stats, err
	}
	r.finished = true
	_, err = r.conn.Report(ctx, reportID, emit(ctx))
	stats.Finished = time.Now().UTC()
	stats.Duration = stats.Finished.Sub(stats.Started)
	return stats, err
}

// runner holds one run's session and what it created on the manager.
type runner struct {
	s                 Scan
	conn              *Conn
	targetID, taskID  string
	started, finished bool
	lastProgress      int
	reconnectsInARow  int
}

// removeLeftovers deletes what an earlier attempt of the same run left on
// the manager (its worker died before cleanup): the tasks of the run's name
// and their targets, a running one stopped first. Failures are not the
// run's: leftovers only take the manager's space, so they are skipped.
func (r *runner) removeLeftovers(ctx context.Context) {
	tasks, err := r.conn.TasksNamed(ctx, r.s.Name)
	if err != nil {
		return
	}
	for _, t := range tasks {
		switch t.Status {
		case "Running", "Requested", "Queued":
			_ = r.conn.StopTask(ctx, t.ID)
		}
		if r.conn.DeleteTask(ctx, t.ID) == nil && t.TargetID != "" {
			_ = r.conn.DeleteTarget(ctx, t.TargetID)
		}
	}
}

// connect opens and logs in a session.
func (r *runner) connect(ctx context.Context) error {
	c, err := Dial(ctx, r.s.Config)
	if err != nil {
		return err
	}
	if err := c.Authenticate(ctx, r.s.Username, r.s.Password); err != nil {
		c.Close()
		var ge *Error
		if errors.As(err, &ge) {
			return fmt.Errorf("the GMP manager refused the login of user %q: %d %s", r.s.Username, ge.Status, ge.Text)
		}
		return err
	}
	if r.conn != nil {
		r.conn.Close()
	}
	r.conn = c
	return nil
}

// wait polls the task until it is done. A failed poll reconnects once (a
// manager restart or a dropped connection); two failures in a row end the
// run.
func (r *runner) wait(ctx context.Context, events chan<- result.Event) error {
	every := r.s.PollInterval
	if every <= 0 {
		every = DefaultPollInterval
	}
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		st, err := r.conn.TaskStatus(ctx, r.taskID)
		if err != nil {
			if ctx.Err() != nil || r.reconnectsInARow > 0 {
				return err
			}
			var ge *Error
			if errors.As(err, &ge) {
				return err // the manager answered: nothing to retry
			}
			r.reconnectsInARow++
			if cerr := r.connect(ctx); cerr != nil {
				return fmt.Errorf("%w (reconnecting: %v)", err, cerr)
			}
			continue
		}
		r.reconnectsInARow = 0
		switch st.Status {
		case "Done":
			return nil
		case "New", "Requested", "Queued", "Running", "Processing": // Processing: gvmd 21.04+ writing the report
		default: // Stopped, Interrupted, Stop Requested, Delete Requested…: not by us
			return fmt.Errorf("the GMP task ended %q on the manager at %d %%", st.Status, st.Progress)
		}
		if st.Progress > r.lastProgress {
			r.lastProgress = st.Progress
			// 100 is the run's own, once the report is stored.
			if err := send(ctx, events, result.Event{Kind: result.EventProgress, Time: time.Now().UTC(),
				Progress: float64(min(st.Progress, 99))}); err != nil {
				return err
			}
		}
		select {
		case <-tick.C:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// stop stops the task of a cancelled run and keeps what the manager found
// until then: the partial report's hosts are sent (as a stopped built-in
// scan keeps its results), within cleanupTimeout, on a fresh session.
func (r *runner) stop(ctx context.Context, reportID string, emit func(context.Context) func(result.Host) error) {
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
	defer cancel()
	fresh := &runner{s: r.s}
	if err := fresh.connect(cctx); err != nil {
		return // cleanup tries again to stop it
	}
	defer fresh.conn.Close()
	if err := fresh.conn.StopTask(cctx, r.taskID); err != nil {
		return
	}
	r.finished = true // stopped: cleanup only deletes
	r.waitStopped(cctx, fresh.conn)
	_, _ = fresh.conn.Report(cctx, reportID, emit(cctx))
}

// cleanup stops the task if it still runs and deletes the task and the
// target, on a fresh session: the run's own may be broken or interrupted.
// Failures are ignored (the run's outcome is already settled); the objects
// then stay on the manager, named after the run.
func (r *runner) cleanup(ctx context.Context) {
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
	defer cancel()
	fresh := &runner{s: r.s}
	if err := fresh.connect(cctx); err != nil {
		return
	}
	c := fresh.conn
	defer c.Close()
	if r.taskID != "" {
		if r.started && !r.finished {
			_ = c.StopTask(cctx, r.taskID)
			r.waitStopped(cctx, c)
		}
		_ = c.DeleteTask(cctx, r.taskID)
	}
	_ = c.DeleteTarget(cctx, r.targetID)
}

// waitStopped waits (briefly) for a stopped task to leave the active
// states: gvmd refuses to delete an active task.
func (r *runner) waitStopped(ctx context.Context, c *Conn) {
	every := min(max(r.s.PollInterval, 10*time.Millisecond), 2*time.Second)
	for range 10 {
		st, err := c.TaskStatus(ctx, r.taskID)
		if err != nil || !slices.Contains([]string{"Stop Requested", "Running", "Requested", "Queued", "Processing"}, st.Status) {
			return
		}
		select {
		case <-time.After(every):
		case <-ctx.Done():
			return
		}
	}
}

// gvmHosts writes a hostspec list (", "-separated) as GVM's (","-separated).
func gvmHosts(list string) string { return strings.ReplaceAll(list, ", ", ",") }

// allowed reports whether an address of the report may be kept: not
// excluded, and in the target or possibly one of its host names' addresses.
func allowed(set *hostspec.Set, ip netip.Addr) bool {
	if set.Excludes(ip) {
		return false
	}
	return set.Contains(ip) || len(set.Hostnames()) > 0
}

func or(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

func send(ctx context.Context, events chan<- result.Event, ev result.Event) error {
	select {
	case events <- ev:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
