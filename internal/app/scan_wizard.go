package app

import (
	"context"

	"github.com/perimeterhq/perimeter/internal/errs"
	"github.com/perimeterhq/perimeter/internal/scan"
	"github.com/perimeterhq/perimeter/internal/scanconfig"
	"github.com/perimeterhq/perimeter/internal/store"
)

// WizardInput creates what a first scan needs in one call: a new target (or an
// existing TargetID), the scan, optionally a schedule, optionally a first run.
type WizardInput struct {
	Target   *scanconfig.Target // a new target; nil when TargetID is given
	TargetID string
	Scan     scan.Scan
	Schedule *scanconfig.ScheduleInput
	StartNow bool
}

// WizardResult is what the wizard created.
type WizardResult struct {
	Target   scanconfig.Target
	Scan     scan.Scan
	Schedule *scanconfig.Schedule
	Run      *scan.Run
}

// Wizard runs WizardInput in one transaction: everything is created, or
// nothing. Validation errors of the parts are reported under "target.",
// "scan." and "schedule." prefixes.
func (a *App) Wizard(ctx context.Context, act *Actor, in WizardInput) (WizardResult, error) {
	for _, perm := range []string{"targets", "scans"} {
		if err := act.can(perm, "write"); err != nil {
			return WizardResult{}, err
		}
	}
	if in.Schedule != nil {
		if err := act.can("schedules", "write"); err != nil {
			return WizardResult{}, err
		}
	}
	if (in.Target == nil) == (in.TargetID == "") {
		return WizardResult{}, errs.Field("target", "give either target (a new target) or target_id")
	}
	var res WizardResult
	now := a.now()
	err := a.store.Tx(ctx, func(q *store.Q) error {
		if in.Target != nil {
			t := *in.Target
			t.ID, t.OrganizationID, t.CreatedBy, t.CreatedAt, t.UpdatedAt = newID(), act.Org.ID, act.User.ID, now, now
			if t.Product == "" {
				t.Product = defaultProduct(act)
			}
			if err := a.saveTarget(ctx, q, act, &t, true); err != nil {
				return prefixed("target.", err)
			}
			if err := a.record(ctx, q, act, "", "target.create", "target", t.ID, map[string]any{"name": t.Name, "via": "wizard"}); err != nil {
				return err
			}
			res.Target = t
		} else {
			t, err := q.FindTarget(ctx, act.Org.ID, in.TargetID)
			if errs.Is(err, errs.NotFound) {
				return errs.Field("target_id", "target '%s' not found", in.TargetID)
			} else if err != nil {
				return err
			}
			res.Target = t
		}
		if in.Schedule != nil {
			sch, err := in.Schedule.Apply(scanconfig.Schedule{})
			if err != nil {
				return prefixed("schedule.", err)
			}
			sch.ID, sch.OrganizationID, sch.CreatedAt, sch.UpdatedAt = newID(), act.Org.ID, now, now
			sch = a.withNextRun(sch)
			if err := q.CreateSchedule(ctx, sch); err != nil {
				return err
			}
			if err := a.record(ctx, q, act, "", "schedule.create", "schedule", sch.ID, map[string]any{"name": sch.Name, "via": "wizard"}); err != nil {
				return err
			}
			res.Schedule = &sch
			in.Scan.ScheduleID = sch.ID
		}
		s := in.Scan
		s.ID, s.OrganizationID, s.Status, s.CreatedBy, s.CreatedAt, s.UpdatedAt = newID(), act.Org.ID, scan.StatusNew, act.User.ID, now, now
		s.TargetID = res.Target.ID
		if s.Name == "" {
			s.Name = res.Target.Name
		}
		if err := a.resolveScan(ctx, q, &s); err != nil {
			return prefixed("scan.", err)
		}
		if err := q.CreateScan(ctx, s); err != nil {
			return err
		}
		if err := a.record(ctx, q, act, "", "scan.create", "scan", s.ID, map[string]any{"name": s.Name, "via": "wizard"}); err != nil {
			return err
		}
		res.Scan = s
		if in.StartNow {
			run, err := a.queueRun(ctx, q, s, scan.TriggerManual, act.User.ID)
			if err != nil {
				return err
			}
			res.Run = &run
			res.Scan.Status, res.Scan.LastRunID = scan.StatusQueued, run.ID
			return a.record(ctx, q, act, "", "scan.start", "scan", s.ID, map[string]any{"run_id": run.ID})
		}
		return nil
	})
	return res, err
}

// prefixed moves a validation error's fields under a prefix (nested input).
func prefixed(prefix string, err error) error {
	e, ok := errs.As(err)
	if !ok || e.Code != errs.Invalid {
		return err
	}
	f := errs.Fields{}
	f.Merge(prefix, e.Fields)
	return f.Err()
}
