package store

import (
	"context"
	"database/sql"
	"strings"

	"github.com/perimeterhq/perimeter/internal/listing"
	"github.com/perimeterhq/perimeter/internal/scanconfig"
)

// Port lists are visible to their organization and, for the built-ins
// (organization_id NULL), to every organization; only an organization's own
// lists are ever written.

const portListColumns = `pl.id, pl.organization_id, pl.name, pl.description, pl.app_types, pl.active, pl.created_at, pl.updated_at`

func scanPortList(sc interface{ Scan(...any) error }) (scanconfig.PortList, error) {
	var p scanconfig.PortList
	err := sc.Scan(&p.ID, nullStringCol{&p.OrganizationID}, &p.Name, &p.Description, jsonCol{&p.AppTypes}, &p.Active,
		timeCol{&p.CreatedAt}, timeCol{&p.UpdatedAt})
	return p, err
}

// visiblePortLists is the tenancy condition of reads: the organization's
// lists and the built-ins.
const visiblePortLists = "(pl.organization_id = ? OR pl.organization_id IS NULL)"

// CreatePortList inserts an organization's list and its ranges. A name the
// organization already uses returns *ErrDuplicate.
func (q *Q) CreatePortList(ctx context.Context, p scanconfig.PortList) error {
	_, err := q.exec(ctx, `INSERT INTO port_lists (id, organization_id, name, description, app_types, active, port_count,
		created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		p.ID, p.OrganizationID, p.Name, p.Description, jsonVal(p.AppTypes), p.Active, p.PortCount(), ts(p.CreatedAt), ts(p.UpdatedAt))
	if err != nil {
		return err
	}
	return q.insertPortRanges(ctx, p.ID, p.Ranges)
}

// insertPortRanges writes ranges in batches (a list may hold thousands).
func (q *Q) insertPortRanges(ctx context.Context, listID string, rs []scanconfig.PortRange) error {
	const batch = 500
	for len(rs) > 0 {
		n := min(batch, len(rs))
		args := make([]any, 0, 5*n)
		for _, r := range rs[:n] {
			args = append(args, r.ID, listID, r.Protocol, r.Start, r.End)
		}
		stmt := `INSERT INTO port_list_ranges (id, port_list_id, protocol, start_port, end_port) VALUES ` +
			strings.TrimSuffix(strings.Repeat("(?, ?, ?, ?, ?),", n), ",")
		if _, err := q.exec(ctx, stmt, args...); err != nil {
			return err
		}
		rs = rs[n:]
	}
	return nil
}

// FindPortList returns a list of the organization, or a built-in, with its
// ranges. Another organization's list is not found.
func (q *Q) FindPortList(ctx context.Context, orgID, id string) (scanconfig.PortList, error) {
	p, err := scanPortList(q.queryRow(ctx, `SELECT `+portListColumns+` FROM port_lists pl WHERE pl.id = ? AND `+visiblePortLists, id, orgID))
	if err != nil {
		return p, notFound(err, "Port list")
	}
	lists := []scanconfig.PortList{p}
	err = q.loadPortRanges(ctx, lists)
	return lists[0], err
}

// portListListSQL is scanconfig.PortListListing in the SQL of FindPortLists.
var portListListSQL = bindList(&scanconfig.PortListListing, listSQL{
	Date: "pl.created_at", ID: "pl.id",
	Cols: map[string]colSQL{
		"name":        {Expr: "pl.name"},
		"description": {Expr: "pl.description"},
		// app_types is a JSON array: the generic "= ?" of an enum column does
		// not apply, so the filter is a match on the quoted value.
		"app_type":   {Cond: "pl.app_types LIKE ?", Value: func(v string) any { return `%"` + v + `"%` }},
		"builtin":    {Expr: "(pl.organization_id IS NULL)"},
		"active":     {Expr: "pl.active"},
		"port_count": {Expr: "pl.port_count"},
		"created_at": {Expr: "pl.created_at"},
		"updated_at": {Expr: "pl.updated_at"},
	},
})

// FindPortLists lists the organization's lists and the built-ins with their
// ranges; activeOnly keeps the active ones. A q[app_type] filter matches
// lists that allow any of the given types.
func (q *Q) FindPortLists(ctx context.Context, orgID string, p listing.Params, activeOnly bool) ([]scanconfig.PortList, int, error) {
	lq := listQuery{Select: portListColumns, From: "port_lists pl"}
	lq.where(visiblePortLists, orgID)
	if activeOnly {
		lq.where("pl.active = ?", true)
	}
	var out []scanconfig.PortList
	total, err := q.runList(ctx, lq, portListListSQL, p, func(r *sql.Rows) error {
		pl, err := scanPortList(r)
		out = append(out, pl)
		return err
	})
	if err != nil {
		return nil, 0, err
	}
	return out, total, q.loadPortRanges(ctx, out)
}

// loadPortRanges fills in the ranges of lists with one query.
func (q *Q) loadPortRanges(ctx context.Context, lists []scanconfig.PortList) error {
	if len(lists) == 0 {
		return nil
	}
	idx := make(map[string]int, len(lists))
	args := make([]any, len(lists))
	for i, l := range lists {
		idx[l.ID] = i
		args[i] = l.ID
		lists[i].Ranges = nil
	}
	rows, err := q.query(ctx, `SELECT port_list_id, id, protocol, start_port, end_port FROM port_list_ranges
		WHERE port_list_id IN (`+placeholders(len(args))+`) ORDER BY port_list_id, protocol, start_port`, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var listID string
		var r scanconfig.PortRange
		if err := rows.Scan(&listID, &r.ID, &r.Protocol, &r.Start, &r.End); err != nil {
			return err
		}
		l := &lists[idx[listID]]
		l.Ranges = append(l.Ranges, r)
	}
	return mapErr(rows.Err())
}

// UpdatePortList writes an organization's list: its fields and, when
// rangesChanged, its ranges (replaced by p.Ranges, ids as given). Built-ins
// and other organizations' lists are not found.
func (q *Q) UpdatePortList(ctx context.Context, orgID string, p scanconfig.PortList, rangesChanged bool) error {
	res, err := q.exec(ctx, `UPDATE port_lists SET name = ?, description = ?, app_types = ?, active = ?, port_count = ?,
		updated_at = ? WHERE id = ? AND organization_id = ?`,
		p.Name, p.Description, jsonVal(p.AppTypes), p.Active, p.PortCount(), ts(p.UpdatedAt), p.ID, orgID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return notFound(sql.ErrNoRows, "Port list")
	}
	if !rangesChanged {
		return nil
	}
	if _, err := q.exec(ctx, `DELETE FROM port_list_ranges WHERE port_list_id = ?`, p.ID); err != nil {
		return err
	}
	return q.insertPortRanges(ctx, p.ID, p.Ranges)
}

// DeletePortList removes an organization's list and its ranges. Built-ins and
// other organizations' lists are not found.
func (q *Q) DeletePortList(ctx context.Context, orgID, id string) error {
	res, err := q.exec(ctx, `DELETE FROM port_lists WHERE id = ? AND organization_id = ?`, id, orgID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return notFound(sql.ErrNoRows, "Port list")
	}
	return nil
}
