package store

import (
	"context"
	"net/netip"
	"strings"

	"github.com/perimeterhq/perimeter/internal/hostspec"
	"github.com/perimeterhq/perimeter/internal/listing"
)

// writeTargetHosts replaces the index rows of a target's host list (see
// migration 0017): its entries as written, for patterns, and its address
// intervals after exclusions, for an address search. Host lists were
// validated before they reach the store; entries that do not parse (none,
// normally) still get their entry row.
func (q *Q) writeTargetHosts(ctx context.Context, targetID, orgID, hosts, exclude string) error {
	if _, err := q.exec(ctx, `DELETE FROM target_hosts WHERE target_id = ?`, targetID); err != nil {
		return err
	}
	for _, e := range hostspec.Entries(hosts) {
		if _, err := q.exec(ctx, `INSERT INTO target_hosts (target_id, organization_id, entry) VALUES (?, ?, ?)`, targetID, orgID, e); err != nil {
			return err
		}
	}
	set, _ := hostspec.ParseValid(hosts, exclude)
	for _, sp := range set.Spans() {
		first, last := sp.First.As16(), sp.Last.As16()
		if _, err := q.exec(ctx, `INSERT INTO target_hosts (target_id, organization_id, first_ip, last_ip) VALUES (?, ?, ?, ?)`,
			targetID, orgID, first[:], last[:]); err != nil {
			return err
		}
	}
	return nil
}

// indexTargetHosts is migration 0017's Go step: the index rows of the
// targets that existed before it.
func indexTargetHosts(ctx context.Context, q *Q) error {
	rows, err := q.query(ctx, `SELECT id, organization_id, hosts, exclude_hosts FROM targets`)
	if err != nil {
		return err
	}
	var all [][4]string
	for rows.Next() {
		var t [4]string
		if err := rows.Scan(&t[0], &t[1], &t[2], &t[3]); err != nil {
			rows.Close()
			return err
		}
		all = append(all, t)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, t := range all {
		if err := q.writeTargetHosts(ctx, t[0], t[1], t[2], t[3]); err != nil {
			return err
		}
	}
	return nil
}

// hostsCond is the condition of a q[hosts] filter on a listing.Hosts column,
// whose SQL targetID is the target's id: the value, as "contains" or as a *
// pattern, matches any one entry of the list; an address also matches every
// target whose addresses (after exclusions) include it, e.g. 10.0.0.7 finds a
// target of 10.0.0.0/24 or 10.0.0.1-10.0.0.20.
func (q *Q) hostsCond(targetID string, f listing.Filter) (string, []any) {
	v := strings.ToLower(f.Values[0])
	pattern := v
	if f.Op == listing.OpContains {
		pattern = "*" + v + "*"
	}
	like, arg := q.likeCond("th.entry", pattern)
	cond := "EXISTS (SELECT 1 FROM target_hosts th WHERE th.target_id = " + targetID + " AND " + like + ")"
	args := []any{arg}
	if a, err := netip.ParseAddr(v); err == nil && f.Op == listing.OpContains {
		b := a.Unmap().As16()
		cond = "(" + cond + " OR EXISTS (SELECT 1 FROM target_hosts th WHERE th.target_id = " + targetID +
			" AND th.first_ip <= ? AND th.last_ip >= ?))"
		args = append(args, b[:], b[:])
	}
	return cond, args
}
