package store

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
)

// Migrations are numbered files NNNN_name.sql shared by both engines;
// NNNN_name.sqlite.sql / NNNN_name.postgres.sql hold the rare engine-specific
// part. Files with the same number form one migration (the shared part first,
// then the engine's), which runs in one transaction and is recorded in
// schema_migrations.
//
//go:embed migrations/*.sql
var migrationFS embed.FS

// goSteps are the parts of migrations SQL cannot do (parsing host lists), run
// after the migration's SQL in its transaction.
var goSteps = map[int]func(context.Context, *Q) error{
	17: indexTargetHosts,
}

type migration struct {
	version int
	name    string
	sql     string
}

func (s *Store) migrations() ([]migration, error) {
	entries, err := fs.ReadDir(migrationFS, "migrations")
	if err != nil {
		return nil, err
	}
	var out []migration
	for _, e := range entries {
		name := e.Name()
		base := strings.TrimSuffix(name, ".sql")
		if eng, ok := strings.CutSuffix(base, "."+SQLite); ok {
			if s.engine != SQLite {
				continue
			}
			base = eng
		} else if eng, ok := strings.CutSuffix(base, "."+Postgres); ok {
			if s.engine != Postgres {
				continue
			}
			base = eng
		}
		num, _, _ := strings.Cut(base, "_")
		v, err := strconv.Atoi(num)
		if err != nil {
			return nil, fmt.Errorf("store: migration %s: name must start with a number", name)
		}
		b, err := migrationFS.ReadFile("migrations/" + name)
		if err != nil {
			return nil, err
		}
		out = append(out, migration{version: v, name: name, sql: string(b)})
	}
	// Shared files sort before engine files of the same number (shorter name
	// suffix), then same-numbered files are joined into one migration.
	slices.SortFunc(out, func(a, b migration) int {
		if a.version != b.version {
			return a.version - b.version
		}
		return strings.Count(a.name, ".") - strings.Count(b.name, ".")
	})
	var merged []migration
	for _, m := range out {
		if n := len(merged); n > 0 && merged[n-1].version == m.version {
			merged[n-1].name += "+" + m.name
			merged[n-1].sql += "\n" + m.sql
			continue
		}
		merged = append(merged, m)
	}
	return merged, nil
}

// Migrate applies pending migrations of the application schema and of the job
// engine. It is safe to run concurrently from several nodes on PostgreSQL (an
// advisory lock serializes them) and idempotent.
func (s *Store) Migrate(ctx context.Context) (applied []string, err error) {
	migs, err := s.migrations()
	if err != nil {
		return nil, err
	}
	if s.engine == Postgres {
		conn, err := s.w.Conn(ctx)
		if err != nil {
			return nil, err
		}
		defer conn.Close()
		// A fixed key: "perimeter" in ASCII, so concurrent nodes take turns.
		if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock(7378426717)"); err != nil {
			return nil, fmt.Errorf("store: migration lock: %w", err)
		}
		defer conn.ExecContext(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock(7378426717)")
	}
	if _, err := s.w.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)`); err != nil {
		return nil, fmt.Errorf("store: schema_migrations: %w", err)
	}
	for _, m := range migs {
		var n int
		if err := s.R().queryRow(ctx, `SELECT COUNT(*) FROM schema_migrations WHERE version = ?`, m.version).Scan(&n); err != nil {
			return applied, err
		}
		if n > 0 {
			continue
		}
		err := s.Tx(ctx, func(q *Q) error {
			for _, stmt := range splitSQL(m.sql) {
				if _, err := q.db.ExecContext(ctx, stmt); err != nil {
					return fmt.Errorf("%w\n%s", err, stmt)
				}
			}
			if step := goSteps[m.version]; step != nil {
				if err := step(ctx, q); err != nil {
					return err
				}
			}
			_, err := q.exec(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`,
				m.version, m.name, ts(time.Now()))
			return err
		})
		if err != nil {
			return applied, fmt.Errorf("store: migration %s: %w", m.name, err)
		}
		applied = append(applied, m.name)
	}
	if err := s.migrateJobs(ctx); err != nil {
		return applied, err
	}
	return applied, nil
}

func (s *Store) migrateJobs(ctx context.Context) error {
	var err error
	switch s.engine {
	case SQLite:
		var m *rivermigrate.Migrator[*sql.Tx]
		m, err = rivermigrate.New(riversqlite.New(s.w), nil)
		if err == nil {
			_, err = m.Migrate(ctx, rivermigrate.DirectionUp, nil)
		}
	case Postgres:
		m, merr := rivermigrate.New(riverpgxv5.New(s.pg), nil)
		if merr == nil {
			_, merr = m.Migrate(ctx, rivermigrate.DirectionUp, nil)
		}
		err = merr
	}
	if err != nil {
		return fmt.Errorf("store: job engine migrations: %w", err)
	}
	return nil
}

// splitSQL splits a migration into statements at semicolons that end a line,
// except inside $$-quoted function bodies, dropping comment-only lines (both
// engines' drivers run one statement per Exec reliably).
func splitSQL(src string) []string {
	var out []string
	var cur strings.Builder
	inBody := false // inside a $$-quoted function body, whose lines end in ; too
	for line := range strings.SplitSeq(src, "\n") {
		t := strings.TrimSpace(line)
		if t == "" || strings.HasPrefix(t, "--") && !inBody {
			continue
		}
		cur.WriteString(line)
		cur.WriteByte('\n')
		if strings.Count(t, "$$")%2 == 1 {
			inBody = !inBody
		}
		if strings.HasSuffix(t, ";") && !inBody {
			out = append(out, strings.TrimSpace(cur.String()))
			cur.Reset()
		}
	}
	if s := strings.TrimSpace(cur.String()); s != "" {
		out = append(out, s)
	}
	return out
}
