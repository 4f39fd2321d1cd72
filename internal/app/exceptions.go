package app

import (
	"context"
	"slices"
	"time"

	"github.com/perimeterhq/perimeter/internal/audit"
	"github.com/perimeterhq/perimeter/internal/errs"
	"github.com/perimeterhq/perimeter/internal/exception"
	"github.com/perimeterhq/perimeter/internal/listing"
	"github.com/perimeterhq/perimeter/internal/scan"
	"github.com/perimeterhq/perimeter/internal/scanner/checks"
	"github.com/perimeterhq/perimeter/internal/store"
)

// ExpiringSoon is the horizon of the statistics' "expiring soon".
const ExpiringSoon = 30 * 24 * time.Hour

// EventExceptionExpired is the outbox event of an exception reaching its expiry.
const EventExceptionExpired = "exception_expired"

// NewException is what a caller proposes. VulnerabilityID, when set, scopes
// the exception to that finding's check, host, port and protocol (fields given
// explicitly win).
type NewException struct {
	exception.Exception
	VulnerabilityID string
	Activate        bool
}

// CreateException stores an exception of the caller's organization. It is
// pending unless the caller may manage exceptions (admin) and asks to activate
// it, in which case it covers its findings in the same transaction.
func (a *App) CreateException(ctx context.Context, act *Actor, in NewException) (exception.Exception, error) {
	if err := act.can("exceptions", "write"); err != nil {
		return exception.Exception{}, err
	}
	now := a.now()
	e := in.Exception
	e.ID, e.OrganizationID, e.Status, e.CreatedBy, e.CreatedAt, e.UpdatedAt = newID(), act.Org.ID, exception.Pending, act.User.ID, now, now
	activate := in.Activate && act.can("exceptions", "manage") == nil
	err := a.store.Tx(ctx, func(q *store.Q) error {
		if in.VulnerabilityID != "" {
			f, err := q.FindFinding(ctx, act.Org.ID, in.VulnerabilityID)
			if errs.Is(err, errs.NotFound) {
				return errs.Field("vulnerability_id", "vulnerability '%s' not found", in.VulnerabilityID)
			} else if err != nil {
				return err
			}
			scopeToFinding(&e, f)
		}
		if err := a.validateException(ctx, q, &e); err != nil {
			return err
		}
		if err := q.CreateException(ctx, e); err != nil {
			return err
		}
		if err := a.record(ctx, q, act, "", "exception.create", "exception", e.ID, exceptionAudit(e)); err != nil {
			return err
		}
		if activate {
			return a.activateInTx(ctx, q, act, &e)
		}
		return nil
	})
	if err != nil {
		return exception.Exception{}, err
	}
	return a.store.R().FindException(ctx, act.Org.ID, e.ID)
}

// scopeToFinding fills the scope fields a proposal left empty from a finding.
func scopeToFinding(e *exception.Exception, f scan.Finding) {
	if e.CheckID == "" {
		e.CheckID = f.CheckID
	}
	if e.Host == "" {
		e.Host = f.IP
	}
	if e.Port == nil {
		p := f.Port
		e.Port = &p
	}
	if e.Protocol == "" && f.Protocol != "" {
		e.Protocol = f.Protocol
	}
}

// validateException checks the fields and that the check exists: a
// registered check, a CVE, or a check that reported a finding of the
// organization (checks of older versions or of imported results).
func (a *App) validateException(ctx context.Context, q *store.Q, e *exception.Exception) error {
	if err := e.Validate(a.now()); err != nil {
		return err
	}
	if _, ok := checks.Lookup(e.CheckID); ok || exception.IsCVECheck(e.CheckID) {
		return nil
	}
	seen, err := q.CheckSeen(ctx, e.OrganizationID, e.CheckID)
	if err != nil {
		return err
	}
	if !seen {
		return errs.Field("check_id", "check '%s' does not exist", e.CheckID)
	}
	return nil
}

func exceptionAudit(e exception.Exception) map[string]any {
	m := map[string]any{"type": e.Type, "check_id": e.CheckID, "host": e.Host, "protocol": e.Protocol, "reason": e.Reason}
	if e.Port != nil {
		m["port"] = *e.Port
	}
	if e.ExpiresAt != nil {
		m["expires_at"] = e.ExpiresAt.Format(time.RFC3339)
	}
	return m
}

// activateInTx makes e active and covers its findings; every PCI verdict that
// counts them changes in the same transaction.
func (a *App) activateInTx(ctx context.Context, q *store.Q, act *Actor, e *exception.Exception) error {
	now := a.now()
	if e.ExpiresAt != nil && !e.ExpiresAt.After(now) {
		return errs.Field("expires_at", "exception %s expired at %s; set a later expires_at first", e.ID, e.ExpiresAt.Format(time.RFC3339))
	}
	e.Status, e.ActivatedBy, e.ActivatedAt, e.ExpiredAt, e.UpdatedAt = exception.Active, act.User.ID, &now, nil, now
	if err := q.UpdateException(ctx, *e); err != nil {
		return err
	}
	n, err := q.CoverFindings(ctx, *e, "")
	if err != nil {
		return err
	}
	if err := a.resultsChanged(ctx, q, e.OrganizationID, []string{e.CheckID}); err != nil {
		return err
	}
	return a.record(ctx, q, act, "", "exception.activate", "exception", e.ID, map[string]any{"findings_covered": n})
}

// deactivateInTx restores the findings covered by es (already no longer
// active, or about to be deleted), lets the organization's other active
// exceptions cover what they match, and updates the verdicts. It returns how
// many findings were restored.
func (a *App) deactivateInTx(ctx context.Context, q *store.Q, orgID string, es []exception.Exception) (int, error) {
	ids := make([]string, 0, len(es))
	for _, e := range es {
		ids = append(ids, e.ID)
	}
	n, err := q.UncoverFindings(ctx, orgID, ids)
	if err != nil || n == 0 {
		return n, err
	}
	checkIDs := store.ExceptionChecks(es...)
	others, err := q.ActiveExceptions(ctx, orgID)
	if err != nil {
		return 0, err
	}
	for _, o := range others {
		if slices.Contains(ids, o.ID) || !slices.Contains(checkIDs, o.CheckID) {
			continue
		}
		if _, err := q.CoverFindings(ctx, o, ""); err != nil {
			return 0, err
		}
	}
	return n, a.resultsChanged(ctx, q, orgID, checkIDs)
}

// resultsChanged marks an organization's results changed (aggregate caches)
// and decides again the PCI verdicts of the runs that saw findings of checks.
func (a *App) resultsChanged(ctx context.Context, q *store.Q, orgID string, checkIDs []string) error {
	if err := q.BumpResultsVersion(ctx, orgID); err != nil {
		return err
	}
	return q.RecomputeRunVerdicts(ctx, orgID, checkIDs)
}

// applyExceptionsToRun covers the findings a run just stored that active
// exceptions match, so new occurrences of a covered finding arrive covered.
func (a *App) applyExceptionsToRun(ctx context.Context, q *store.Q, orgID, runID string) error {
	active, err := q.ActiveExceptions(ctx, orgID)
	if err != nil {
		return err
	}
	for _, e := range active {
		if _, err := q.CoverFindings(ctx, e, runID); err != nil {
			return err
		}
	}
	return nil
}

// GetException returns an exception of the caller's organization.
func (a *App) GetException(ctx context.Context, act *Actor, id string) (exception.Exception, error) {
	if err := act.can("exceptions", "read"); err != nil {
		return exception.Exception{}, err
	}
	return a.store.R().FindException(ctx, act.Org.ID, id)
}

// MaxCoveredFindings bounds the findings an exception's details list.
const MaxCoveredFindings = 1000

// ExceptionDetails returns an exception with the findings it covers now (at
// most MaxCoveredFindings; Findings on the exception is the full count).
func (a *App) ExceptionDetails(ctx context.Context, act *Actor, id string) (exception.Exception, []scan.Finding, error) {
	e, err := a.GetException(ctx, act, id)
	if err != nil {
		return e, nil, err
	}
	fs, err := a.store.R().CoveredFindings(ctx, act.Org.ID, id, MaxCoveredFindings)
	return e, fs, err
}

// ListExceptions lists the caller's organization's exceptions.
func (a *App) ListExceptions(ctx context.Context, act *Actor, p listing.Params) ([]exception.Exception, int, error) {
	if err := act.can("exceptions", "read"); err != nil {
		return nil, 0, err
	}
	return a.store.R().FindExceptions(ctx, act.Org.ID, p)
}

// UpdateException changes an exception. Pending exceptions may be changed by
// whoever may propose them; active and expired ones only by those who may
// activate them. A changed scope of an active exception is applied at once.
func (a *App) UpdateException(ctx context.Context, act *Actor, id string, up exception.Update) (exception.Exception, error) {
	if err := act.can("exceptions", "write"); err != nil {
		return exception.Exception{}, err
	}
	err := a.store.Tx(ctx, func(q *store.Q) error {
		old, err := q.FindException(ctx, act.Org.ID, id)
		if err != nil {
			return err
		}
		if old.Status != exception.Pending {
			if err := act.can("exceptions", "manage"); err != nil {
				return errs.New(errs.Forbidden, "Exception %s is %s; only an admin may change it", id, old.Status)
			}
		}
		e := up.Apply(old)
		e.UpdatedAt = a.now()
		if up.CheckID != nil || up.Reason != nil || up.Type != nil || up.Host != nil || up.Port != nil || up.Protocol != nil || up.ExpiresAt != nil {
			if err := a.validateException(ctx, q, &e); err != nil {
				return err
			}
		}
		if err := q.UpdateException(ctx, e); err != nil {
			return err
		}
		if e.Status == exception.Active && up.ScopeChanged() {
			if _, err := a.deactivateInTx(ctx, q, act.Org.ID, []exception.Exception{old}); err != nil {
				return err
			}
			if _, err := q.CoverFindings(ctx, e, ""); err != nil {
				return err
			}
			if err := a.resultsChanged(ctx, q, act.Org.ID, store.ExceptionChecks(old, e)); err != nil {
				return err
			}
		}
		d := audit.Diff{}
		for k, v := range exceptionAudit(e) {
			d.Set(k, exceptionAudit(old)[k], v)
		}
		return a.record(ctx, q, act, "", "exception.update", "exception", id, d)
	})
	if err != nil {
		return exception.Exception{}, err
	}
	return a.store.R().FindException(ctx, act.Org.ID, id)
}

// ActivateExceptions activates pending or expired exceptions (admin), all or
// nothing, and returns them.
func (a *App) ActivateExceptions(ctx context.Context, act *Actor, ids []string) ([]exception.Exception, error) {
	if err := act.can("exceptions", "manage"); err != nil {
		return nil, err
	}
	return a.changeExceptions(ctx, act, ids, func(q *store.Q, e *exception.Exception) error {
		if e.Status == exception.Active {
			return nil
		}
		return a.activateInTx(ctx, q, act, e)
	})
}

// ResetExceptions puts exceptions back to pending (admin); the findings active
// ones covered revert.
func (a *App) ResetExceptions(ctx context.Context, act *Actor, ids []string) ([]exception.Exception, error) {
	if err := act.can("exceptions", "manage"); err != nil {
		return nil, err
	}
	return a.changeExceptions(ctx, act, ids, func(q *store.Q, e *exception.Exception) error {
		if e.Status == exception.Pending {
			return nil
		}
		was := *e
		e.Status, e.ActivatedBy, e.ActivatedAt, e.ExpiredAt, e.UpdatedAt = exception.Pending, "", nil, nil, a.now()
		if err := q.UpdateException(ctx, *e); err != nil {
			return err
		}
		n, err := a.deactivateInTx(ctx, q, act.Org.ID, []exception.Exception{was})
		if err != nil {
			return err
		}
		return a.record(ctx, q, act, "", "exception.reset", "exception", e.ID, map[string]any{"findings_restored": n, "status": was.Status})
	})
}

// changeExceptions applies fn to each exception of ids in one transaction.
func (a *App) changeExceptions(ctx context.Context, act *Actor, ids []string, fn func(*store.Q, *exception.Exception) error) ([]exception.Exception, error) {
	ids = slices.Compact(slices.Sorted(slices.Values(ids)))
	if len(ids) == 0 {
		return nil, errs.Field("ids", "can't be empty")
	}
	if len(ids) > store.MaxBulkIDs {
		return nil, errs.Field("ids", "at most %d ids per request", store.MaxBulkIDs)
	}
	err := a.store.Tx(ctx, func(q *store.Q) error {
		es, err := q.FindExceptionsByID(ctx, act.Org.ID, ids)
		if err != nil {
			return err
		}
		for i := range es {
			if err := fn(q, &es[i]); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := make([]exception.Exception, 0, len(ids))
	for _, id := range ids {
		e, err := a.store.R().FindException(ctx, act.Org.ID, id)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, nil
}

// DeleteExceptions deletes exceptions, all or nothing; the findings they
// covered revert. Deleting an active exception needs the right to activate.
func (a *App) DeleteExceptions(ctx context.Context, act *Actor, ids []string) (int, error) {
	if err := act.can("exceptions", "write"); err != nil {
		return 0, err
	}
	var n int
	err := a.store.Tx(ctx, func(q *store.Q) error {
		es, err := q.FindExceptionsByID(ctx, act.Org.ID, slices.Compact(slices.Sorted(slices.Values(ids))))
		if err != nil {
			return err
		}
		var active []exception.Exception
		for _, e := range es {
			if e.Status == exception.Active {
				if err := act.can("exceptions", "manage"); err != nil {
					return errs.New(errs.Forbidden, "Exception %s is active; only an admin may delete it", e.ID)
				}
				active = append(active, e)
			}
		}
		if _, err := a.deactivateInTx(ctx, q, act.Org.ID, active); err != nil {
			return err
		}
		if n, err = q.DeleteExceptions(ctx, act.Org.ID, ids); err != nil {
			return err
		}
		for _, e := range es {
			if err := a.record(ctx, q, act, "", "exception.delete", "exception", e.ID, exceptionAudit(e)); err != nil {
				return err
			}
		}
		return nil
	})
	return n, err
}

// DeleteException deletes one exception.
func (a *App) DeleteException(ctx context.Context, act *Actor, id string) error {
	_, err := a.DeleteExceptions(ctx, act, []string{id})
	return err
}

// ExceptionStatistics counts the caller's organization's exceptions.
func (a *App) ExceptionStatistics(ctx context.Context, act *Actor) (store.ExceptionStats, error) {
	if err := act.can("exceptions", "read"); err != nil {
		return store.ExceptionStats{}, err
	}
	return a.store.R().ExceptionStatistics(ctx, act.Org.ID, a.now().Add(ExpiringSoon))
}

// ExpireExceptions expires every pending or active exception whose expiry has
// passed, in every organization: covered findings revert, verdicts change, and
// an exception_expired event enters the outbox, each exception in its own
// transaction. It returns how many expired.
func (a *App) ExpireExceptions(ctx context.Context) (int, error) {
	total := 0
	for {
		due, err := a.store.R().DueExceptions(ctx, a.now(), 100)
		if err != nil || len(due) == 0 {
			return total, err
		}
		for _, e := range due {
			if err := a.store.Tx(ctx, func(q *store.Q) error { return a.expireInTx(ctx, q, e) }); err != nil {
				return total, err
			}
			total++
		}
	}
}

func (a *App) expireInTx(ctx context.Context, q *store.Q, e exception.Exception) error {
	now := a.now()
	was := e.Status
	e.Status, e.ExpiredAt, e.UpdatedAt = exception.Expired, &now, now
	if err := q.UpdateException(ctx, e); err != nil {
		return err
	}
	restored := 0
	if was == exception.Active {
		var err error
		if restored, err = a.deactivateInTx(ctx, q, e.OrganizationID, []exception.Exception{e}); err != nil {
			return err
		}
	}
	payload := exceptionAudit(e)
	payload["exception_id"], payload["previous_status"], payload["findings_restored"] = e.ID, was, restored
	if err := a.emit(ctx, q, e.OrganizationID, EventExceptionExpired, "exception", e.ID, payload); err != nil {
		return err
	}
	return a.record(ctx, q, nil, e.OrganizationID, "exception.expire", "exception", e.ID, map[string]any{"findings_restored": restored})
}
