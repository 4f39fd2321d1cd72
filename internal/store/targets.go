package store

import (
	"context"
	"database/sql"

	"github.com/perimeterhq/perimeter/internal/listing"
	"github.com/perimeterhq/perimeter/internal/scanconfig"
)

const targetColumns = `t.id, t.organization_id, t.name, t.description, t.hosts, t.exclude_hosts, t.host_count,
	t.port_list_id, t.product, t.tags, t.created_by, t.created_at, t.updated_at`

func scanTarget(sc interface{ Scan(...any) error }) (scanconfig.Target, error) {
	var t scanconfig.Target
	err := sc.Scan(&t.ID, &t.OrganizationID, &t.Name, &t.Description, &t.Hosts, &t.ExcludeHosts, &t.HostCount,
		nullStringCol{&t.PortListID}, &t.Product, jsonCol{&t.Tags}, &t.CreatedBy, timeCol{&t.CreatedAt}, timeCol{&t.UpdatedAt})
	if t.Tags == nil {
		t.Tags = []string{}
	}
	return t, err
}

func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// CreateTarget inserts a target.
func (q *Q) CreateTarget(ctx context.Context, t scanconfig.Target) error {
	_, err := q.exec(ctx, `INSERT INTO targets (id, organization_id, name, description, hosts, exclude_hosts, host_count,
		port_list_id, product, tags, created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		t.ID, t.OrganizationID, t.Name, t.Description, t.Hosts, t.ExcludeHosts, int64(t.HostCount), nullString(t.PortListID),
		t.Product, jsonVal(t.Tags), t.CreatedBy, ts(t.CreatedAt), ts(t.UpdatedAt))
	if err != nil {
		return err
	}
	return q.writeTargetHosts(ctx, t.ID, t.OrganizationID, t.Hosts, t.ExcludeHosts)
}

// FindTarget returns a target of an organization.
func (q *Q) FindTarget(ctx context.Context, orgID, id string) (scanconfig.Target, error) {
	t, err := scanTarget(q.queryRow(ctx, `SELECT `+targetColumns+` FROM targets t WHERE t.id = ? AND t.organization_id = ?`, id, orgID))
	return t, notFound(err, "Target")
}

// targetListSQL is scanconfig.TargetList in the SQL of FindTargets.
var targetListSQL = bindList(&scanconfig.TargetList, listSQL{
	Date: "t.created_at", ID: "t.id",
	Cols: map[string]colSQL{
		"name":          {Expr: "t.name"},
		"hosts":         {Expr: "t.id"},
		"exclude_hosts": {Expr: "t.exclude_hosts"},
		"product":       {Expr: "t.product"},
		"port_list_id":  {Expr: "t.port_list_id"},
		"tags":          {Expr: "t.tags"},
		"description":   {Expr: "t.description"},
		"host_count":    {Expr: "t.host_count"},
		"created_at":    {Expr: "t.created_at"},
		"updated_at":    {Expr: "t.updated_at"},
	},
})

// FindTargets lists an organization's targets.
func (q *Q) FindTargets(ctx context.Context, orgID string, p listing.Params) ([]scanconfig.Target, int, error) {
	lq := listQuery{Select: targetColumns, From: "targets t"}
	lq.where("t.organization_id = ?", orgID)
	var out []scanconfig.Target
	total, err := q.runList(ctx, lq, targetListSQL, p, func(r *sql.Rows) error {
		t, err := scanTarget(r)
		out = append(out, t)
		return err
	})
	return out, total, err
}

// TargetHostLists returns the host lists of an organization's targets of a
// product (for the plan's distinct-IP limit), except the target skipID.
func (q *Q) TargetHostLists(ctx context.Context, orgID, product, skipID string) ([][2]string, error) {
	rows, err := q.query(ctx, `SELECT hosts, exclude_hosts FROM targets WHERE organization_id = ? AND product = ? AND id <> ?`,
		orgID, product, skipID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out [][2]string
	for rows.Next() {
		var h [2]string
		if err := rows.Scan(&h[0], &h[1]); err != nil {
			return nil, err
		}
		out = append(out, h)
	}
	return out, mapErr(rows.Err())
}

// UpdateTarget writes a target's mutable fields.
func (q *Q) UpdateTarget(ctx context.Context, t scanconfig.Target) error {
	_, err := q.exec(ctx, `UPDATE targets SET name = ?, description = ?, hosts = ?, exclude_hosts = ?, host_count = ?,
		port_list_id = ?, product = ?, tags = ?, updated_at = ? WHERE id = ? AND organization_id = ?`,
		t.Name, t.Description, t.Hosts, t.ExcludeHosts, int64(t.HostCount), nullString(t.PortListID), t.Product,
		jsonVal(t.Tags), ts(t.UpdatedAt), t.ID, t.OrganizationID)
	if err != nil {
		return err
	}
	return q.writeTargetHosts(ctx, t.ID, t.OrganizationID, t.Hosts, t.ExcludeHosts)
}

// DeleteTarget removes a target of an organization.
func (q *Q) DeleteTarget(ctx context.Context, orgID, id string) error {
	_, err := q.DeleteOwned(ctx, "targets", orgID, []string{id})
	return err
}

// CountTargetsUsingPortList counts targets (of any organization: built-in lists
// are shared) that scan with a port list.
func (q *Q) CountTargetsUsingPortList(ctx context.Context, portListID string) (int, error) {
	var n int
	err := q.queryRow(ctx, `SELECT COUNT(*) FROM targets WHERE port_list_id = ?`, portListID).Scan(&n)
	return n, mapErr(err)
}

// PortListUsable reports whether a port list exists for the organization (its
// own or a built-in) and is active, so a target may scan with it.
func (q *Q) PortListUsable(ctx context.Context, orgID, id string) (bool, error) {
	var n int
	err := q.queryRow(ctx, `SELECT COUNT(*) FROM port_lists WHERE id = ? AND (organization_id IS NULL OR organization_id = ?) AND active`,
		id, orgID).Scan(&n)
	return n > 0, mapErr(err)
}
