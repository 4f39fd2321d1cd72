package store

import (
	"database/sql"
	"database/sql/driver"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/perimeterhq/perimeter/internal/errs"
)

// Times are stored as BIGINT microseconds since the Unix epoch in UTC: identical
// semantics and ordering on both engines, compact, and fast to compare.

func ts(t time.Time) int64 { return t.UTC().UnixMicro() }

func nts(t *time.Time) any {
	if t == nil || t.IsZero() {
		return nil
	}
	return ts(*t)
}

// timeCol scans a NOT NULL time column.
type timeCol struct{ dst *time.Time }

func (c timeCol) Scan(v any) error {
	n, ok := v.(int64)
	if !ok {
		return fmt.Errorf("store: time column holds %T", v)
	}
	*c.dst = time.UnixMicro(n).UTC()
	return nil
}

// nullTimeCol scans a nullable time column into a *time.Time.
type nullTimeCol struct{ dst **time.Time }

func (c nullTimeCol) Scan(v any) error {
	if v == nil {
		*c.dst = nil
		return nil
	}
	var t time.Time
	if err := (timeCol{&t}).Scan(v); err != nil {
		return err
	}
	*c.dst = &t
	return nil
}

// nullStringCol scans a nullable TEXT column into a plain string ("" for NULL).
type nullStringCol struct{ dst *string }

func (c nullStringCol) Scan(v any) error {
	switch x := v.(type) {
	case nil:
		*c.dst = ""
	case string:
		*c.dst = x
	case []byte:
		*c.dst = string(x)
	default:
		return fmt.Errorf("store: text column holds %T", v)
	}
	return nil
}

// jsonCol scans a TEXT JSON column into dst (and values it for writing).
type jsonCol struct{ dst any }

func (c jsonCol) Scan(v any) error {
	var b []byte
	switch x := v.(type) {
	case nil:
		return nil
	case string:
		b = []byte(x)
	case []byte:
		b = x
	default:
		return fmt.Errorf("store: json column holds %T", v)
	}
	if len(b) == 0 {
		return nil
	}
	return json.Unmarshal(b, c.dst)
}

// jsonVal encodes v for a TEXT JSON column.
func jsonVal(v any) driver.Value {
	b, err := json.Marshal(v)
	if err != nil {
		panic("store: unencodable JSON value: " + err.Error()) // only plain data reaches here
	}
	return string(b)
}

// ErrDuplicate reports a unique-constraint violation; Constraint names it.
type ErrDuplicate struct{ Constraint string }

func (e *ErrDuplicate) Error() string { return "store: duplicate value for " + e.Constraint }

// mapErr turns engine-specific constraint errors into ErrDuplicate.
func mapErr(err error) error {
	if err == nil {
		return nil
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "23505" {
		return &ErrDuplicate{Constraint: pgErr.ConstraintName}
	}
	if msg := err.Error(); strings.Contains(msg, "UNIQUE constraint failed") {
		_, cols, _ := strings.Cut(msg, "UNIQUE constraint failed: ")
		cols, _, _ = strings.Cut(cols, " (")
		return &ErrDuplicate{Constraint: cols}
	}
	return err
}

// notFound maps sql.ErrNoRows to a 404 for the named resource.
func notFound(err error, what string) error {
	if errors.Is(err, sql.ErrNoRows) {
		return errs.NotFoundf(what)
	}
	return mapErr(err)
}
