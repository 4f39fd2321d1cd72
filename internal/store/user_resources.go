package store

import (
	"context"
	"time"

	"github.com/perimeterhq/perimeter/internal/tenant"
	"github.com/perimeterhq/perimeter/internal/user"
)

// OwnedResource names a table whose rows a user owns through a column: the
// rows an account must hand over before it goes, and that a transfer moves.
// Columns that only record history (who started a run, who activated an
// exception, who requested a file) are not ownership and stay as they are.
type OwnedResource struct {
	Kind   string // resource name in reasons and results ("targets")
	Table  string
	Column string
}

// OwnedResources lists every ownership column. A table that gains an owner
// column belongs here, so can_delete and transfers see it.
var OwnedResources = []OwnedResource{
	{Kind: "targets", Table: "targets", Column: "created_by"},
	{Kind: "scans", Table: "scans", Column: "created_by"},
	{Kind: "exceptions", Table: "exceptions", Column: "created_by"},
	{Kind: "advanced_reports", Table: "advanced_reports", Column: "created_by"},
	{Kind: "webhooks", Table: "webhooks", Column: "created_by"},
}

// OwnedCount is how many rows of a kind a user owns in one organization.
type OwnedCount struct {
	Kind           string
	OrganizationID string
	OrgPath        string
	Count          int
}

// CountOwnedResources counts, per kind and organization inside scope, the rows
// userID owns.
func (q *Q) CountOwnedResources(ctx context.Context, sc tenant.Scope, userID string) ([]OwnedCount, error) {
	var out []OwnedCount
	for _, r := range OwnedResources {
		cond, args := scopeSQL("t.organization_id", sc)
		rows, err := q.query(ctx, `SELECT t.organization_id, o.path, COUNT(*) FROM `+r.Table+` t
			JOIN organizations o ON o.id = t.organization_id
			WHERE t.`+r.Column+` = ? AND `+cond+` GROUP BY t.organization_id, o.path ORDER BY o.path`,
			append([]any{userID}, args...)...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			c := OwnedCount{Kind: r.Kind}
			if err := rows.Scan(&c.OrganizationID, &c.OrgPath, &c.Count); err != nil {
				rows.Close()
				return nil, mapErr(err)
			}
			out = append(out, c)
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, mapErr(err)
		}
	}
	return out, nil
}

// TransferOwnedResources hands every row from owns inside scope to to, and
// returns how many rows of each kind moved.
func (q *Q) TransferOwnedResources(ctx context.Context, sc tenant.Scope, from, to string) (map[string]int, error) {
	moved := map[string]int{}
	for _, r := range OwnedResources {
		cond, args := scopeSQL("organization_id", sc)
		res, err := q.exec(ctx, `UPDATE `+r.Table+` SET `+r.Column+` = ? WHERE `+r.Column+` = ? AND `+cond,
			append([]any{to, from}, args...)...)
		if err != nil {
			return nil, err
		}
		n, _ := res.RowsAffected()
		moved[r.Kind] = int(n)
	}
	return moved, nil
}

// CountPartnerUsers counts the partner-flagged users of an organization.
func (q *Q) CountPartnerUsers(ctx context.Context, orgID string) (int, error) {
	var n int
	err := q.queryRow(ctx, `SELECT COUNT(*) FROM users WHERE organization_id = ? AND partner = ?`, orgID, true).Scan(&n)
	return n, mapErr(err)
}

// SetUserPartner sets or clears a user's partner flag.
func (q *Q) SetUserPartner(ctx context.Context, orgID, id string, partner bool, now time.Time) error {
	_, err := q.exec(ctx, `UPDATE users SET partner = ?, updated_at = ? WHERE id = ? AND organization_id = ?`, partner, ts(now), id, orgID)
	return err
}

// EachUser calls fn for every user whose organization is inside scope, in
// e-mail order, without holding them all in memory (exports stream).
func (q *Q) EachUser(ctx context.Context, sc tenant.Scope, fn func(user.User) error) error {
	cond, args := scopeSQL("u.organization_id", sc)
	rows, err := q.query(ctx, `SELECT `+userColumns+` FROM users u WHERE `+cond+` ORDER BY u.email`, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return mapErr(err)
		}
		if err := fn(u); err != nil {
			return err
		}
	}
	return mapErr(rows.Err())
}
