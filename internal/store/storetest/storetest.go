// Package storetest opens throwaway databases for tests: a SQLite file in a temp
// directory always, and a fresh PostgreSQL database when
// PERIMETER_TEST_POSTGRES_URL points at a server.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver for admin statements

	"github.com/perimeterhq/perimeter/internal/store"
)

// EnvPostgres names the variable holding the PostgreSQL server URL for tests.
const EnvPostgres = "PERIMETER_TEST_POSTGRES_URL"

// Engines lists the engines available to this test run: SQLite always,
// PostgreSQL when configured.
func Engines() []string {
	if os.Getenv(EnvPostgres) != "" {
		return []string{store.SQLite, store.Postgres}
	}
	return []string{store.SQLite}
}

// URL creates an empty database for engine and returns its URL; it is removed
// when the test ends.
func URL(t testing.TB, engine string) string {
	t.Helper()
	switch engine {
	case store.SQLite:
		return "sqlite:" + filepath.Join(t.TempDir(), "perimeter.db")
	case store.Postgres:
		base := os.Getenv(EnvPostgres)
		if base == "" {
			t.Skip(EnvPostgres + " is not set")
		}
		var b [6]byte
		_, _ = rand.Read(b[:])
		name := "perimeter_test_" + hex.EncodeToString(b[:])
		admin, err := sql.Open("pgx", base)
		if err != nil {
			t.Fatal(err)
		}
		defer admin.Close()
		if _, err := admin.Exec("CREATE DATABASE " + name); err != nil {
			t.Fatalf("create test database: %v", err)
		}
		t.Cleanup(func() {
			admin, err := sql.Open("pgx", base)
			if err != nil {
				return
			}
			defer admin.Close()
			_, _ = admin.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)")
		})
		u, err := url.Parse(base)
		if err != nil {
			t.Fatal(err)
		}
		u.Path = "/" + name
		return u.String()
	}
	t.Fatalf("unknown engine %q", engine)
	return ""
}

// Open returns a migrated store on a fresh database of engine, closed at cleanup.
func Open(t testing.TB, engine string) *store.Store {
	t.Helper()
	s, err := store.Open(context.Background(), URL(t, engine))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Migrate(context.Background()); err != nil {
		s.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// Each runs fn as a subtest per available engine.
func Each(t *testing.T, fn func(t *testing.T, engine string)) {
	for _, e := range Engines() {
		t.Run(e, func(t *testing.T) { fn(t, e) })
	}
}
