package store

import (
	"context"
	"database/sql"

	"github.com/perimeterhq/perimeter/internal/listing"
	"github.com/perimeterhq/perimeter/internal/scanconfig"
)

const profileColumns = `p.id, p.organization_id, p.product, p.name, p.description, p.engine, p.builtin, p.fixed, p.active, p.created_at`

func scanProfile(sc interface{ Scan(...any) error }) (scanconfig.ScanProfile, error) {
	var p scanconfig.ScanProfile
	err := sc.Scan(&p.ID, nullStringCol{&p.OrganizationID}, &p.Product, &p.Name, &p.Description, &p.Engine, &p.Builtin,
		&p.Fixed, &p.Active, timeCol{&p.CreatedAt})
	return p, err
}

// FindScanProfile returns a built-in profile or one of the organization's.
func (q *Q) FindScanProfile(ctx context.Context, orgID, id string) (scanconfig.ScanProfile, error) {
	p, err := scanProfile(q.queryRow(ctx, `SELECT `+profileColumns+` FROM scan_profiles p
		WHERE p.id = ? AND (p.organization_id IS NULL OR p.organization_id = ?)`, id, orgID))
	return p, notFound(err, "Scan profile")
}

// scanProfileListSQL is scanconfig.ScanProfileList in the SQL of FindScanProfiles.
var scanProfileListSQL = bindList(&scanconfig.ScanProfileList, listSQL{
	Date: "p.created_at", ID: "p.id",
	Cols: map[string]colSQL{
		"name":       {Expr: "p.name"},
		"product":    {Expr: "p.product"},
		"builtin":    {Expr: "p.builtin"},
		"active":     {Expr: "p.active"},
		"created_at": {Expr: "p.created_at"},
	},
})

// FindScanProfiles lists the built-in profiles and the organization's;
// activeOnly keeps activated ones.
func (q *Q) FindScanProfiles(ctx context.Context, orgID string, activeOnly bool, p listing.Params) ([]scanconfig.ScanProfile, int, error) {
	lq := listQuery{Select: profileColumns, From: "scan_profiles p"}
	lq.where("(p.organization_id IS NULL OR p.organization_id = ?)", orgID)
	if activeOnly {
		lq.where("p.active")
	}
	var out []scanconfig.ScanProfile
	total, err := q.runList(ctx, lq, scanProfileListSQL, p, func(r *sql.Rows) error {
		sp, err := scanProfile(r)
		out = append(out, sp)
		return err
	})
	return out, total, err
}
