package store

import (
	"context"
	"database/sql"

	"github.com/perimeterhq/perimeter/internal/listing"
	"github.com/perimeterhq/perimeter/internal/tenant"
)

const orgColumns = `o.id, o.parent_id, o.path, o.kind, o.name, o.description, o.email, o.phone, o.website,
	o.address, o.city, o.state, o.zip, o.country, o.status, o.created_at, o.updated_at`

// orgDest lists scan destinations in orgColumns order.
func orgDest(o *tenant.Organization) []any {
	return []any{&o.ID, nullStringCol{&o.ParentID}, &o.Path, &o.Kind, &o.Name, &o.Description, &o.Email, &o.Phone,
		&o.Website, &o.Address, &o.City, &o.State, &o.Zip, &o.Country, &o.Status, timeCol{&o.CreatedAt}, timeCol{&o.UpdatedAt}}
}

func scanOrg(sc interface{ Scan(...any) error }) (tenant.Organization, error) {
	var o tenant.Organization
	err := sc.Scan(orgDest(&o)...)
	return o, err
}

// CreateOrganization inserts o (ID, Path and times already set).
func (q *Q) CreateOrganization(ctx context.Context, o tenant.Organization) error {
	var parent any
	if o.ParentID != "" {
		parent = o.ParentID
	}
	_, err := q.exec(ctx, `INSERT INTO organizations (id, parent_id, path, kind, name, description, email, phone, website,
		address, city, state, zip, country, status, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		o.ID, parent, o.Path, o.Kind, o.Name, o.Description, o.Email, o.Phone, o.Website,
		o.Address, o.City, o.State, o.Zip, o.Country, o.Status, ts(o.CreatedAt), ts(o.UpdatedAt))
	return err
}

// OrganizationByID returns an organization without a tenancy check. Only the
// app layer's authentication and scope resolution may use it; everything a
// client asks for goes through FindOrganization.
func (q *Q) OrganizationByID(ctx context.Context, id string) (tenant.Organization, error) {
	o, err := scanOrg(q.queryRow(ctx, `SELECT `+orgColumns+` FROM organizations o WHERE o.id = ?`, id))
	return o, notFound(err, "Organization")
}

// FindOrganization returns an organization inside scope; others are not found.
func (q *Q) FindOrganization(ctx context.Context, sc tenant.Scope, id string) (tenant.Organization, error) {
	cond, args := scopeSQL("o.id", sc)
	o, err := scanOrg(q.queryRow(ctx, `SELECT `+orgColumns+` FROM organizations o WHERE o.id = ? AND `+cond, append([]any{id}, args...)...))
	return o, notFound(err, "Organization")
}

// PlatformOrganization returns the root of the tree.
func (q *Q) PlatformOrganization(ctx context.Context) (tenant.Organization, error) {
	o, err := scanOrg(q.queryRow(ctx, `SELECT `+orgColumns+` FROM organizations o WHERE o.kind = 'platform'`))
	return o, notFound(err, "Platform organization")
}

// organizationListSQL is tenant.OrganizationList in the SQL of FindOrganizations.
var organizationListSQL = bindList(&tenant.OrganizationList, listSQL{
	Date: "o.created_at", ID: "o.id",
	Cols: map[string]colSQL{
		"name":       {Expr: "o.name"},
		"type":       {Expr: "o.kind"},
		"status":     {Expr: "o.status"},
		"parent_id":  {Expr: "o.parent_id"},
		"email":      {Expr: "o.email"},
		"country":    {Expr: "o.country"},
		"city":       {Expr: "o.city"},
		"created_at": {Expr: "o.created_at"},
		"updated_at": {Expr: "o.updated_at"},
	},
})

// FindOrganizations lists the organizations in scope.
func (q *Q) FindOrganizations(ctx context.Context, sc tenant.Scope, p listing.Params) ([]tenant.Organization, int, error) {
	lq := listQuery{Select: orgColumns, From: "organizations o"}
	lq.scope("o.id", sc)
	var out []tenant.Organization
	total, err := q.runList(ctx, lq, organizationListSQL, p, func(r *sql.Rows) error {
		o, err := scanOrg(r)
		out = append(out, o)
		return err
	})
	return out, total, err
}

// UpdateOrganization writes the mutable fields of o (scoped by id only: the app
// has already resolved o inside the caller's scope in this transaction).
func (q *Q) UpdateOrganization(ctx context.Context, o tenant.Organization) error {
	_, err := q.exec(ctx, `UPDATE organizations SET name = ?, description = ?, email = ?, phone = ?, website = ?,
		address = ?, city = ?, state = ?, zip = ?, country = ?, status = ?, updated_at = ? WHERE id = ?`,
		o.Name, o.Description, o.Email, o.Phone, o.Website, o.Address, o.City, o.State, o.Zip, o.Country,
		o.Status, ts(o.UpdatedAt), o.ID)
	return err
}

// CountChildOrganizations counts direct children of an organization.
func (q *Q) CountChildOrganizations(ctx context.Context, id string) (int, error) {
	var n int
	err := q.queryRow(ctx, `SELECT COUNT(*) FROM organizations WHERE parent_id = ?`, id).Scan(&n)
	return n, mapErr(err)
}

// DeleteOrganization removes an organization and, through ON DELETE CASCADE,
// its users, credentials and subscriptions. Children must be removed first.
func (q *Q) DeleteOrganization(ctx context.Context, id string) error {
	// By id only: organizations is the tenant table itself (the app checked the caller's scope).
	res, err := q.exec(ctx, `DELETE FROM organizations WHERE id = ?`, id)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return notFound(sql.ErrNoRows, "Organization")
	}
	return nil
}
