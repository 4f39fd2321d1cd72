// Package store persists Perimeter's data in SQLite (embedded default) or
// PostgreSQL through database/sql. SQL is written once with ? placeholders and
// portable types (TEXT ids, BIGINT unix-microsecond times, TEXT JSON) and
// rebound per engine, so both engines run the same statements and pass the same
// conformance suite. The store holds SQL and row mapping only; business rules
// live in the app layer.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver
)

// Engine names.
const (
	SQLite   = "sqlite"
	Postgres = "postgres"
)

// Store is an open database: a writer and a reader pool (the same pool on
// PostgreSQL; one writer connection beside a reader pool on SQLite, which allows
// only one writer at a time) and a job inserter for the outbox.
type Store struct {
	engine   string
	w, r     *sql.DB
	pg       *pgxpool.Pool
	inserter *river.Client[*sql.Tx]
	writer   *Q
	reader   *Q
	stmts    stmtCache
}

// stmtCacheSize bounds the statements kept per store (list SQL varies with the
// client's filters; beyond the bound statements are compiled per call).
const stmtCacheSize = 512

// stmtCache keeps the reader pool's prepared statements by SQL text. SQLite
// otherwise compiles every statement on every call, which costs as much as
// running a small query; pgx caches statements per connection by itself.
type stmtCache struct {
	mu sync.Mutex
	m  map[string]*sql.Stmt
}

// prepared returns the reader's prepared statement for query, or nil when
// statements are not cached: PostgreSQL, transactions and the writer (whose
// single connection a transaction may hold), or a full cache.
func (q *Q) prepared(ctx context.Context, query string) *sql.Stmt {
	if q.tx != nil || q.d.engine != SQLite || q.s == nil || q.db != q.s.r {
		return nil
	}
	c := &q.s.stmts
	c.mu.Lock()
	defer c.mu.Unlock()
	if st, ok := c.m[query]; ok {
		return st
	}
	if len(c.m) >= stmtCacheSize {
		return nil
	}
	st, err := q.s.r.PrepareContext(ctx, query)
	if err != nil {
		return nil // the unprepared call reports the error
	}
	if c.m == nil {
		c.m = map[string]*sql.Stmt{}
	}
	c.m[query] = st
	return st
}

// Open connects to a database URL: "sqlite:PATH" (or "sqlite://PATH") or
// "postgres://…". It does not migrate; call Migrate.
func Open(ctx context.Context, dbURL string) (*Store, error) {
	engine, dsn, err := ParseURL(dbURL)
	if err != nil {
		return nil, err
	}
	s := &Store{engine: engine}
	switch engine {
	case SQLite:
		if dir := filepath.Dir(dsn); dir != "" {
			if err := os.MkdirAll(dir, 0o750); err != nil {
				return nil, fmt.Errorf("store: create database directory: %w", err)
			}
		}
		// A large page cache and memory-mapped reads keep list scans off the
		// read(2) path; SQLite defaults (2 MiB cache, no mmap) are for phones.
		pragmas := "_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)" +
			"&_pragma=cache_size(-65536)&_pragma=mmap_size(1073741824)&_pragma=temp_store(MEMORY)&_pragma=wal_autocheckpoint(10000)"
		if s.w, err = sql.Open(cachingDriverName, "file:"+dsn+"?"+pragmas+"&_txlock=immediate"); err != nil {
			return nil, err
		}
		// SQLite allows one writer; one connection serializes writes without
		// SQLITE_BUSY, and River shares it as its documentation advises.
		s.w.SetMaxOpenConns(1)
		if s.r, err = sql.Open(cachingDriverName, "file:"+dsn+"?"+pragmas+"&_pragma=query_only(1)"); err != nil {
			s.w.Close()
			return nil, err
		}
		n := max(4, 2*runtime.NumCPU())
		s.r.SetMaxOpenConns(n)
		s.r.SetMaxIdleConns(n)
		s.inserter, err = river.NewClient(riversqlite.New(s.w), &river.Config{})
	case Postgres:
		cfg, perr := pgxpool.ParseConfig(dsn)
		if perr != nil {
			return nil, fmt.Errorf("store: %w", perr)
		}
		if cfg.MaxConns < 10 {
			cfg.MaxConns = 10
		}
		if s.pg, err = pgxpool.NewWithConfig(ctx, cfg); err != nil {
			return nil, fmt.Errorf("store: connect: %w", err)
		}
		s.w = stdlib.OpenDBFromPool(s.pg)
		s.r = s.w
		s.inserter, err = river.NewClient(riverdatabasesql.New(s.w), &river.Config{})
	}
	if err != nil {
		s.Close()
		return nil, fmt.Errorf("store: job inserter: %w", err)
	}
	if err := s.w.PingContext(ctx); err != nil {
		s.Close()
		return nil, fmt.Errorf("store: %s: %w", engine, err)
	}
	d := &dialect{engine: engine}
	s.writer = &Q{db: s.w, d: d, s: s}
	s.reader = &Q{db: s.r, d: d, s: s}
	return s, nil
}

// ParseURL splits a database URL into engine and driver DSN.
func ParseURL(u string) (engine, dsn string, err error) {
	switch {
	case strings.HasPrefix(u, "sqlite://"):
		dsn = strings.TrimPrefix(u, "sqlite://")
	case strings.HasPrefix(u, "sqlite:"):
		dsn = strings.TrimPrefix(u, "sqlite:")
	case strings.HasPrefix(u, "postgres://"), strings.HasPrefix(u, "postgresql://"):
		if _, err := url.Parse(u); err != nil {
			return "", "", fmt.Errorf("store: invalid PostgreSQL URL: %w", err)
		}
		return Postgres, u, nil
	default:
		return "", "", errors.New("store: database URL must start with sqlite: or postgres://")
	}
	if dsn == "" || strings.ContainsAny(dsn, "?#") || dsn == ":memory:" {
		return "", "", errors.New("store: sqlite: needs a file path (no query string, no :memory:)")
	}
	return SQLite, dsn, nil
}

// Engine returns SQLite or Postgres.
func (s *Store) Engine() string { return s.engine }

// SQLiteWriter returns the single-connection writer pool (SQLite only), which
// the job engine shares.
func (s *Store) SQLiteWriter() *sql.DB { return s.w }

// PGPool returns the pgx pool (PostgreSQL only), for the job engine.
func (s *Store) PGPool() *pgxpool.Pool { return s.pg }

// R returns the reader: every read outside a transaction goes through it.
func (s *Store) R() *Q { return s.reader }

// Ping checks the database answers (readiness).
func (s *Store) Ping(ctx context.Context) error { return s.r.PingContext(ctx) }

// Close releases both pools.
func (s *Store) Close() error {
	var errs []error
	s.stmts.mu.Lock()
	for _, st := range s.stmts.m {
		errs = append(errs, st.Close())
	}
	s.stmts.m = nil
	s.stmts.mu.Unlock()
	if s.r != nil && s.r != s.w {
		errs = append(errs, s.r.Close())
	}
	if s.w != nil {
		errs = append(errs, s.w.Close())
	}
	if s.pg != nil {
		s.pg.Close()
	}
	return errors.Join(errs...)
}

// Tx runs fn in a write transaction, committing if fn returns nil and rolling
// back otherwise (also on panic). Everything fn does — rows, audit events,
// enqueued jobs — commits or vanishes together.
func (s *Store) Tx(ctx context.Context, fn func(q *Q) error) (err error) {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: begin: %w", err)
	}
	defer func() {
		if p := recover(); p != nil {
			_ = tx.Rollback()
			panic(p)
		}
		if err != nil {
			_ = tx.Rollback()
		}
	}()
	if err = fn(&Q{db: tx, tx: tx, d: s.writer.d, s: s}); err != nil {
		return err
	}
	if err = tx.Commit(); err != nil {
		return fmt.Errorf("store: commit: %w", err)
	}
	return nil
}

// dbtx is what *sql.DB and *sql.Tx share.
type dbtx interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// Q runs the store's statements on a pool or inside a transaction. Methods that
// change data must be called on the Q that Store.Tx hands out.
type Q struct {
	db dbtx
	tx *sql.Tx
	d  *dialect
	s  *Store
}

func (q *Q) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	res, err := q.db.ExecContext(ctx, q.d.rebind(query), args...)
	return res, mapErr(err)
}

func (q *Q) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if st := q.prepared(ctx, query); st != nil {
		rows, err := st.QueryContext(ctx, args...)
		return rows, mapErr(err)
	}
	rows, err := q.db.QueryContext(ctx, q.d.rebind(query), args...)
	return rows, mapErr(err)
}

func (q *Q) queryRow(ctx context.Context, query string, args ...any) *sql.Row {
	if st := q.prepared(ctx, query); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return q.db.QueryRowContext(ctx, q.d.rebind(query), args...)
}

// dialect holds the few differences between the engines.
type dialect struct{ engine string }

// rebind turns ? placeholders into $1, $2… for PostgreSQL. Statements never put
// a literal ? inside quotes, but quotes are skipped anyway for safety.
func (d *dialect) rebind(query string) string {
	if d.engine != Postgres || !strings.Contains(query, "?") {
		return query
	}
	var b strings.Builder
	b.Grow(len(query) + 16)
	n, inQuote := 0, false
	for i := 0; i < len(query); i++ {
		c := query[i]
		switch {
		case c == '\'':
			inQuote = !inQuote
			b.WriteByte(c)
		case c == '?' && !inQuote:
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// ilike is the case-insensitive LIKE operator (SQLite's LIKE already ignores
// ASCII case).
func (d *dialect) ilike() string {
	if d.engine == Postgres {
		return "ILIKE"
	}
	return "LIKE"
}

// bytewise is expr compared byte by byte: PostgreSQL's "C" collation (the
// database's default collation may ignore punctuation, which breaks prefix
// ranges), SQLite's default BINARY.
func (d *dialect) bytewise(expr string) string {
	if d.engine == Postgres {
		return expr + ` COLLATE "C"`
	}
	return expr
}
