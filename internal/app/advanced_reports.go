package app

import (
	"context"

	"github.com/perimeterhq/perimeter/internal/errs"
	"github.com/perimeterhq/perimeter/internal/listing"
	"github.com/perimeterhq/perimeter/internal/report"
	"github.com/perimeterhq/perimeter/internal/store"
)

// DefinitionUpdate is a partial update of an advanced report; nil means unchanged.
type DefinitionUpdate struct {
	Name, Description *string
	Filters           *report.Filters
	Sections          *[]string
	Format            *report.Format
}

// Apply returns d with the update applied.
func (u DefinitionUpdate) Apply(d report.Definition) report.Definition {
	if u.Name != nil {
		d.Name = *u.Name
	}
	if u.Description != nil {
		d.Description = *u.Description
	}
	if u.Filters != nil {
		d.Filters = *u.Filters
	}
	if u.Sections != nil {
		d.Sections = append([]string(nil), (*u.Sections)...)
	}
	if u.Format != nil {
		d.Format = *u.Format
	}
	return d
}

// saveDefinition validates a definition, checks that its targets and scans
// are the organization's, and writes it.
func (a *App) saveDefinition(ctx context.Context, q *store.Q, d *report.Definition, create bool) error {
	if err := d.Validate(a.now()); err != nil {
		return err
	}
	for _, l := range []struct{ field, table string }{{"filters.target_ids", "targets"}, {"filters.scan_ids", "scans"}} {
		ids := d.Filters.TargetIDs
		if l.table == "scans" {
			ids = d.Filters.ScanIDs
		}
		n, err := q.CountOwned(ctx, l.table, d.OrganizationID, ids)
		if err != nil {
			return err
		}
		if n != len(ids) {
			return errs.Field(l.field, "%d of the %d ids were not found", len(ids)-n, len(ids))
		}
	}
	if create {
		return q.CreateDefinition(ctx, *d)
	}
	return q.UpdateDefinition(ctx, *d)
}

// CreateDefinition stores an advanced report of the caller's organization.
func (a *App) CreateDefinition(ctx context.Context, act *Actor, d report.Definition) (report.Definition, error) {
	if err := act.can("advanced_reports", "write"); err != nil {
		return d, err
	}
	now := a.now()
	d.ID, d.OrganizationID, d.CreatedBy, d.CreatedAt, d.UpdatedAt = newID(), act.Org.ID, act.User.ID, now, now
	err := a.store.Tx(ctx, func(q *store.Q) error {
		if err := a.saveDefinition(ctx, q, &d, true); err != nil {
			return err
		}
		return a.record(ctx, q, act, "", "advanced_report.create", "advanced_report", d.ID, map[string]any{"name": d.Name})
	})
	if err != nil {
		return d, err
	}
	return a.store.R().FindDefinition(ctx, act.Org.ID, d.ID)
}

// GetDefinition returns an advanced report with its files.
func (a *App) GetDefinition(ctx context.Context, act *Actor, id string) (report.Definition, error) {
	if err := act.can("advanced_reports", "read"); err != nil {
		return report.Definition{}, err
	}
	return a.store.R().FindDefinition(ctx, act.Org.ID, id)
}

// ListDefinitions lists the caller's organization's advanced reports.
func (a *App) ListDefinitions(ctx context.Context, act *Actor, p listing.Params) ([]report.Definition, int, error) {
	if err := act.can("advanced_reports", "read"); err != nil {
		return nil, 0, err
	}
	return a.store.R().FindDefinitions(ctx, act.Org.ID, p)
}

// UpdateDefinition changes an advanced report; generated files stay until
// generated again.
func (a *App) UpdateDefinition(ctx context.Context, act *Actor, id string, up DefinitionUpdate) (report.Definition, error) {
	if err := act.can("advanced_reports", "write"); err != nil {
		return report.Definition{}, err
	}
	err := a.store.Tx(ctx, func(q *store.Q) error {
		old, err := q.FindDefinition(ctx, act.Org.ID, id)
		if err != nil {
			return err
		}
		d := up.Apply(old)
		d.UpdatedAt = a.now()
		if err := a.saveDefinition(ctx, q, &d, false); err != nil {
			return err
		}
		return a.record(ctx, q, act, "", "advanced_report.update", "advanced_report", id, map[string]any{"name": d.Name})
	})
	if err != nil {
		return report.Definition{}, err
	}
	return a.store.R().FindDefinition(ctx, act.Org.ID, id)
}

// DeleteDefinitions deletes advanced reports and their files, all or nothing.
func (a *App) DeleteDefinitions(ctx context.Context, act *Actor, ids []string) (int, error) {
	if err := act.can("advanced_reports", "write"); err != nil {
		return 0, err
	}
	var n int
	err := a.store.Tx(ctx, func(q *store.Q) error {
		if len(ids) <= store.MaxBulkIDs {
			if err := q.QueueFileBlobs(ctx, act.Org.ID, "advanced_report_id", ids, a.now()); err != nil {
				return err
			}
		}
		var err error
		if n, err = q.DeleteOwned(ctx, "advanced_reports", act.Org.ID, ids); err != nil {
			return err
		}
		for _, id := range ids {
			if err := a.record(ctx, q, act, "", "advanced_report.delete", "advanced_report", id, nil); err != nil {
				return err
			}
		}
		return nil
	})
	return n, err
}

// GenerateDefinition requests an advanced report's file in a format (the
// definition's when empty).
func (a *App) GenerateDefinition(ctx context.Context, act *Actor, id, format string) (report.File, error) {
	if err := act.can("advanced_reports", "write"); err != nil {
		return report.File{}, err
	}
	var f report.File
	err := a.store.Tx(ctx, func(q *store.Q) error {
		d, err := q.FindDefinition(ctx, act.Org.ID, id)
		if err != nil {
			return err
		}
		if format == "" {
			format = string(d.Format)
		}
		t, fm, err := report.ParseKind(string(report.Advanced), format, "", true)
		if err != nil {
			return err
		}
		f, err = a.requestFile(ctx, q, act, report.File{AdvancedReportID: d.ID}, t, fm)
		return err
	})
	return f, err
}
