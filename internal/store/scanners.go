package store

import (
	"context"
	"database/sql"
	"time"

	"github.com/perimeterhq/perimeter/internal/listing"
	"github.com/perimeterhq/perimeter/internal/scanconfig"
)

const scannerColumns = `s.id, s.organization_id, s.name, s.description, s.app_type, s.status, s.host, s.port, s.path,
	s.version, s.last_seen_at, s.verified_at, s.created_at, s.updated_at, s.username, s.password_sealed, s.ca_cert,
	s.insecure_skip_verify`

func scanScanner(sc interface{ Scan(...any) error }) (scanconfig.Scanner, error) {
	var s scanconfig.Scanner
	err := sc.Scan(&s.ID, &s.OrganizationID, &s.Name, &s.Description, &s.AppType, &s.Status, &s.Host, &s.Port, &s.Path,
		&s.Version, nullTimeCol{&s.LastSeenAt}, nullTimeCol{&s.VerifiedAt}, timeCol{&s.CreatedAt}, timeCol{&s.UpdatedAt},
		&s.Username, &s.PasswordSealed, &s.CACert, &s.InsecureSkipVerify)
	return s, err
}

// CreateScanner inserts a scanner; tokenHash is the agent token's hash ("" for none).
func (q *Q) CreateScanner(ctx context.Context, s scanconfig.Scanner, tokenHash string) error {
	_, err := q.exec(ctx, `INSERT INTO scanners (id, organization_id, name, description, app_type, status, host, port, path,
		version, token_hash, created_at, updated_at, username, password_sealed, ca_cert, insecure_skip_verify)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		s.ID, s.OrganizationID, s.Name, s.Description, s.AppType, s.Status, s.Host, s.Port, s.Path, s.Version,
		nullString(tokenHash), ts(s.CreatedAt), ts(s.UpdatedAt), s.Username, s.PasswordSealed, s.CACert, s.InsecureSkipVerify)
	return err
}

// FindScanner returns a scanner of an organization.
func (q *Q) FindScanner(ctx context.Context, orgID, id string) (scanconfig.Scanner, error) {
	s, err := scanScanner(q.queryRow(ctx, `SELECT `+scannerColumns+` FROM scanners s WHERE s.id = ? AND s.organization_id = ?`, id, orgID))
	return s, notFound(err, "Scanner")
}

// scannerListSQL is scanconfig.ScannerList in the SQL of FindScanners.
var scannerListSQL = bindList(&scanconfig.ScannerList, listSQL{
	Date: "s.created_at", ID: "s.id",
	Cols: map[string]colSQL{
		"name":         {Expr: "s.name"},
		"app_type":     {Expr: "s.app_type"},
		"status":       {Expr: "s.status"},
		"version":      {Expr: "s.version"},
		"created_at":   {Expr: "s.created_at"},
		"last_seen_at": {Expr: "s.last_seen_at"},
	},
})

// FindScanners lists an organization's scanners.
func (q *Q) FindScanners(ctx context.Context, orgID string, p listing.Params) ([]scanconfig.Scanner, int, error) {
	lq := listQuery{Select: scannerColumns, From: "scanners s"}
	lq.where("s.organization_id = ?", orgID)
	var out []scanconfig.Scanner
	total, err := q.runList(ctx, lq, scannerListSQL, p, func(r *sql.Rows) error {
		s, err := scanScanner(r)
		out = append(out, s)
		return err
	})
	return out, total, err
}

// UpdateScanner writes the mutable fields of a scanner of organization orgID,
// including its organization (assignment: s.OrganizationID may differ from
// orgID) and token (nil keeps it; "" clears it).
func (q *Q) UpdateScanner(ctx context.Context, orgID string, s scanconfig.Scanner, tokenHash *string) error {
	query := `UPDATE scanners SET organization_id = ?, name = ?, description = ?, app_type = ?, status = ?, host = ?, port = ?,
		path = ?, version = ?, last_seen_at = ?, verified_at = ?, updated_at = ?, username = ?, password_sealed = ?,
		ca_cert = ?, insecure_skip_verify = ?`
	args := []any{s.OrganizationID, s.Name, s.Description, s.AppType, s.Status, s.Host, s.Port, s.Path, s.Version,
		nts(s.LastSeenAt), nts(s.VerifiedAt), ts(s.UpdatedAt), s.Username, s.PasswordSealed, s.CACert, s.InsecureSkipVerify}
	if tokenHash != nil {
		query += `, token_hash = ?`
		args = append(args, nullString(*tokenHash))
	}
	_, err := q.exec(ctx, query+` WHERE id = ? AND organization_id = ?`, append(args, s.ID, orgID)...)
	return err
}

// ScannerByToken finds an agent scanner by its token hash (agent authentication).
func (q *Q) ScannerByToken(ctx context.Context, hash string) (scanconfig.Scanner, error) {
	s, err := scanScanner(q.queryRow(ctx, `SELECT `+scannerColumns+` FROM scanners s WHERE s.token_hash = ?`, hash))
	return s, notFound(err, "Scanner")
}

// TouchScanner records a heartbeat of an agent scanner of an organization.
func (q *Q) TouchScanner(ctx context.Context, orgID, id, version string, at time.Time) error {
	_, err := q.exec(ctx, `UPDATE scanners SET last_seen_at = ?, version = CASE WHEN ? = '' THEN version ELSE ? END
		WHERE id = ? AND organization_id = ?`, ts(at), version, version, id, orgID)
	return err
}

// DeleteScanner removes a scanner of an organization.
func (q *Q) DeleteScanner(ctx context.Context, orgID, id string) error {
	_, err := q.DeleteOwned(ctx, "scanners", orgID, []string{id})
	return err
}
