package store

import (
	"context"
	"database/sql"

	"github.com/perimeterhq/perimeter/internal/listing"
	"github.com/perimeterhq/perimeter/internal/report"
)

const definitionColumns = `d.id, d.organization_id, d.name, d.description, d.filters, d.sections, d.format, d.created_by,
	d.created_at, d.updated_at`

func scanDefinition(sc interface{ Scan(...any) error }) (report.Definition, error) {
	var d report.Definition
	err := sc.Scan(&d.ID, &d.OrganizationID, &d.Name, &d.Description, jsonCol{&d.Filters}, jsonCol{&d.Sections}, &d.Format,
		&d.CreatedBy, timeCol{&d.CreatedAt}, timeCol{&d.UpdatedAt})
	return d, err
}

// CreateDefinition inserts an advanced report definition.
func (q *Q) CreateDefinition(ctx context.Context, d report.Definition) error {
	_, err := q.exec(ctx, `INSERT INTO advanced_reports (id, organization_id, name, description, filters, sections, format,
		created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		d.ID, d.OrganizationID, d.Name, d.Description, jsonVal(d.Filters), jsonVal(d.Sections), d.Format, d.CreatedBy,
		ts(d.CreatedAt), ts(d.UpdatedAt))
	return err
}

// UpdateDefinition writes a definition's mutable fields.
func (q *Q) UpdateDefinition(ctx context.Context, d report.Definition) error {
	_, err := q.exec(ctx, `UPDATE advanced_reports SET name = ?, description = ?, filters = ?, sections = ?, format = ?,
		updated_at = ? WHERE id = ? AND organization_id = ?`,
		d.Name, d.Description, jsonVal(d.Filters), jsonVal(d.Sections), d.Format, ts(d.UpdatedAt), d.ID, d.OrganizationID)
	return err
}

// FindDefinition returns an advanced report of an organization with its files.
func (q *Q) FindDefinition(ctx context.Context, orgID, id string) (report.Definition, error) {
	d, err := scanDefinition(q.queryRow(ctx, `SELECT `+definitionColumns+` FROM advanced_reports d WHERE d.id = ? AND d.organization_id = ?`, id, orgID))
	if err != nil {
		return d, notFound(err, "Advanced report")
	}
	files, err := q.filesOf(ctx, orgID, "advanced_report_id", []string{id})
	d.Files = files[id]
	return d, err
}

// definitionListSQL is report.DefinitionList in the SQL of FindDefinitions.
var definitionListSQL = bindList(&report.DefinitionList, listSQL{
	Date: "d.created_at", ID: "d.id",
	Cols: map[string]colSQL{
		"name":        {Expr: "d.name"},
		"description": {Expr: "d.description"},
		"format":      {Expr: "d.format"},
		"created_at":  {Expr: "d.created_at"},
		"updated_at":  {Expr: "d.updated_at"},
	},
})

// FindDefinitions lists an organization's advanced reports with their files.
func (q *Q) FindDefinitions(ctx context.Context, orgID string, p listing.Params) ([]report.Definition, int, error) {
	lq := listQuery{Select: definitionColumns, From: "advanced_reports d"}
	lq.where("d.organization_id = ?", orgID)
	var out []report.Definition
	total, err := q.runList(ctx, lq, definitionListSQL, p, func(r *sql.Rows) error {
		d, err := scanDefinition(r)
		out = append(out, d)
		return err
	})
	if err != nil || len(out) == 0 {
		return out, total, err
	}
	ids := make([]string, len(out))
	for i, d := range out {
		ids[i] = d.ID
	}
	files, err := q.filesOf(ctx, orgID, "advanced_report_id", ids)
	for i := range out {
		out[i].Files = files[out[i].ID]
	}
	return out, total, err
}

// CountOwned counts how many of ids are rows of the organization in table
// (a constant of the caller).
func (q *Q) CountOwned(ctx context.Context, table, orgID string, ids []string) (int, error) {
	if len(ids) == 0 {
		return 0, nil
	}
	var n int
	err := q.queryRow(ctx, `SELECT COUNT(*) FROM `+table+` WHERE organization_id = ? AND id IN (`+placeholders(len(ids))+`)`,
		idArgs(orgID, ids)...).Scan(&n)
	return n, mapErr(err)
}
