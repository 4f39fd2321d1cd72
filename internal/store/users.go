package store

import (
	"context"
	"database/sql"
	"time"

	"github.com/perimeterhq/perimeter/internal/listing"
	"github.com/perimeterhq/perimeter/internal/tenant"
	"github.com/perimeterhq/perimeter/internal/user"
)

const userColumns = `u.id, u.organization_id, u.email, u.first_name, u.last_name, u.role, u.phone, u.timezone,
	u.locale, u.product, u.partner, u.password_hash, u.confirmed_at, u.last_sign_in_at, u.created_at, u.updated_at`

// userDest lists scan destinations in userColumns order.
func userDest(u *user.User) []any {
	return []any{&u.ID, &u.OrganizationID, &u.Email, &u.FirstName, &u.LastName, &u.Role, &u.Phone, &u.Timezone,
		&u.Locale, &u.Product, &u.Partner, &u.PasswordHash, nullTimeCol{&u.ConfirmedAt}, nullTimeCol{&u.LastSignInAt},
		timeCol{&u.CreatedAt}, timeCol{&u.UpdatedAt}}
}

func scanUser(sc interface{ Scan(...any) error }) (user.User, error) {
	var u user.User
	err := sc.Scan(userDest(&u)...)
	return u, err
}

// CreateUser inserts u. A taken e-mail returns *ErrDuplicate.
func (q *Q) CreateUser(ctx context.Context, u user.User) error {
	_, err := q.exec(ctx, `INSERT INTO users (id, organization_id, email, first_name, last_name, role, phone, timezone,
		locale, product, partner, password_hash, confirmed_at, last_sign_in_at, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		u.ID, u.OrganizationID, u.Email, u.FirstName, u.LastName, u.Role, u.Phone, u.Timezone,
		u.Locale, u.Product, u.Partner, u.PasswordHash, nts(u.ConfirmedAt), nts(u.LastSignInAt), ts(u.CreatedAt), ts(u.UpdatedAt))
	return err
}

// UserByID returns a user without a tenancy check, for authentication only.
func (q *Q) UserByID(ctx context.Context, id string) (user.User, error) {
	// By id only: the id comes from a session, token or job, before any tenant is known.
	u, err := scanUser(q.queryRow(ctx, `SELECT `+userColumns+` FROM users u WHERE u.id = ?`, id))
	return u, notFound(err, "User")
}

// UserByEmail returns a user by (normalized) e-mail without a tenancy check, for
// sign-in only.
func (q *Q) UserByEmail(ctx context.Context, email string) (user.User, error) {
	u, err := scanUser(q.queryRow(ctx, `SELECT `+userColumns+` FROM users u WHERE u.email = ?`, email))
	return u, notFound(err, "User")
}

// FindUser returns a user whose organization is inside scope.
func (q *Q) FindUser(ctx context.Context, sc tenant.Scope, id string) (user.User, error) {
	cond, args := scopeSQL("u.organization_id", sc)
	u, err := scanUser(q.queryRow(ctx, `SELECT `+userColumns+` FROM users u WHERE u.id = ? AND `+cond, append([]any{id}, args...)...))
	return u, notFound(err, "User")
}

// userListSQL is user.List in the SQL of FindUsers.
var userListSQL = bindList(&user.List, listSQL{
	Date: "u.created_at", ID: "u.id",
	Cols: map[string]colSQL{
		"email":           {Expr: "u.email", Trigram: &trigramIndex{"users_search", "email", "u.rowid"}},
		"first_name":      {Expr: "u.first_name"},
		"last_name":       {Expr: "u.last_name"},
		"name":            {Expr: "(u.first_name || ' ' || u.last_name)"},
		"role":            {Expr: "u.role"},
		"organization_id": {Expr: "u.organization_id"},
		"partner":         {Expr: "u.partner"},
		"confirmed":       {Expr: "(u.confirmed_at IS NOT NULL)"},
		"created_at":      {Expr: "u.created_at"},
		"updated_at":      {Expr: "u.updated_at"},
		"last_sign_in_at": {Expr: "u.last_sign_in_at"},
	},
})

// FindUsers lists users whose organization is inside scope.
func (q *Q) FindUsers(ctx context.Context, sc tenant.Scope, p listing.Params) ([]user.User, int, error) {
	lq := listQuery{Select: userColumns, From: "users u"}
	lq.scope("u.organization_id", sc)
	var out []user.User
	total, err := q.runList(ctx, lq, userListSQL, p, func(r *sql.Rows) error {
		u, err := scanUser(r)
		out = append(out, u)
		return err
	})
	return out, total, err
}

// UpdateUser writes the mutable profile fields of u, a user of organization
// orgID (u.OrganizationID may move them to another).
func (q *Q) UpdateUser(ctx context.Context, orgID string, u user.User) error {
	_, err := q.exec(ctx, `UPDATE users SET email = ?, first_name = ?, last_name = ?, role = ?, phone = ?, timezone = ?,
		locale = ?, product = ?, partner = ?, organization_id = ?, updated_at = ? WHERE id = ? AND organization_id = ?`,
		u.Email, u.FirstName, u.LastName, u.Role, u.Phone, u.Timezone, u.Locale, u.Product, u.Partner,
		u.OrganizationID, ts(u.UpdatedAt), u.ID, orgID)
	return err
}

// SetUserPassword stores a new password hash of a user of organization orgID
// (and confirms the user if asked).
func (q *Q) SetUserPassword(ctx context.Context, orgID, id, hash string, confirmAt *time.Time, now time.Time) error {
	_, err := q.exec(ctx, `UPDATE users SET password_hash = ?, confirmed_at = COALESCE(confirmed_at, ?), updated_at = ?
		WHERE id = ? AND organization_id = ?`, hash, nts(confirmAt), ts(now), id, orgID)
	return err
}

// RecordSignIn stamps a successful sign-in of a user of organization orgID.
func (q *Q) RecordSignIn(ctx context.Context, orgID, id string, at time.Time) error {
	_, err := q.exec(ctx, `UPDATE users SET last_sign_in_at = ? WHERE id = ? AND organization_id = ?`, ts(at), id, orgID)
	return err
}

// DeleteUser removes a user of organization orgID and, by cascade, their
// credentials.
func (q *Q) DeleteUser(ctx context.Context, orgID, id string) error {
	res, err := q.exec(ctx, `DELETE FROM users WHERE id = ? AND organization_id = ?`, id, orgID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return notFound(sql.ErrNoRows, "User")
	}
	return nil
}

// CountUsers counts every user (bootstrap decides on first run from it).
func (q *Q) CountUsers(ctx context.Context) (int, error) {
	var n int
	err := q.queryRow(ctx, `SELECT COUNT(*) FROM users`).Scan(&n)
	return n, mapErr(err)
}

// CountAdmins counts the admins of an organization (the last one may not go).
func (q *Q) CountAdmins(ctx context.Context, orgID string) (int, error) {
	var n int
	err := q.queryRow(ctx, `SELECT COUNT(*) FROM users WHERE organization_id = ? AND role IN ('admin', 'superadmin')`, orgID).Scan(&n)
	return n, mapErr(err)
}
