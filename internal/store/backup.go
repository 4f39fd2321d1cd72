package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// ErrBackupPostgres is returned by the SQLite backup and restore functions for
// a PostgreSQL URL: pg_dump and pg_restore are the tools there.
var ErrBackupPostgres = errors.New("store: PostgreSQL is backed up with pg_dump (pg_dump -Fc -f perimeter.dump URL) and restored with pg_restore (pg_restore -d URL perimeter.dump)")

// SchemaVersion is the highest SQLite migration this binary knows (backups
// and restores are of SQLite files), read by the migration runner's own list.
func SchemaVersion() int {
	migs, err := (&Store{engine: SQLite}).migrations()
	if err != nil || len(migs) == 0 {
		return 0
	}
	return migs[len(migs)-1].version
}

// sqlitePath returns the file of a sqlite: URL, or ErrBackupPostgres.
func sqlitePath(dbURL string) (string, error) {
	engine, dsn, err := ParseURL(dbURL)
	if err != nil {
		return "", err
	}
	if engine != SQLite {
		return "", ErrBackupPostgres
	}
	return dsn, nil
}

// openExisting opens a SQLite file that must already exist (sql.Open would
// create an empty database instead of failing).
func openExisting(path string) (*sql.DB, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("store: %s is not a regular file", path)
	}
	db, err := sql.Open(cachingDriverName, "file:"+path+"?_pragma=busy_timeout(10000)")
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	return db, nil
}

// fileVersion checks a SQLite file is intact and a Perimeter database, and
// returns its schema version.
func fileVersion(ctx context.Context, db *sql.DB) (int, error) {
	var check string
	if err := db.QueryRowContext(ctx, "PRAGMA quick_check").Scan(&check); err != nil {
		return 0, fmt.Errorf("store: not a readable SQLite database: %w", err)
	}
	if check != "ok" {
		return 0, fmt.Errorf("store: database is damaged: %s", check)
	}
	var v sql.NullInt64
	if err := db.QueryRowContext(ctx, "SELECT MAX(version) FROM schema_migrations").Scan(&v); err != nil || !v.Valid {
		return 0, errors.New("store: not a Perimeter database (no schema_migrations)")
	}
	return int(v.Int64), nil
}

// BackupSQLite writes a consistent copy of the SQLite database at dbURL to
// out with VACUUM INTO, while the server keeps running: the copy is one read
// transaction's snapshot, and writers are not blocked (WAL). out must not
// exist. It returns the copy's schema version. Errors: ErrBackupPostgres for
// a PostgreSQL URL, a missing database, an existing out.
func BackupSQLite(ctx context.Context, dbURL, out string) (int, error) {
	path, err := sqlitePath(dbURL)
	if err != nil {
		return 0, err
	}
	if _, err := os.Lstat(out); err == nil {
		return 0, fmt.Errorf("store: %s exists; backups never overwrite", out)
	}
	db, err := openExisting(path)
	if err != nil {
		return 0, err
	}
	defer db.Close()
	if _, err := fileVersion(ctx, db); err != nil {
		return 0, err
	}
	if _, err := db.ExecContext(ctx, "VACUUM INTO ?", out); err != nil {
		_ = os.Remove(out)
		return 0, fmt.Errorf("store: backup: %w", err)
	}
	copyDB, err := openExisting(out)
	if err != nil {
		return 0, err
	}
	defer copyDB.Close()
	return fileVersion(ctx, copyDB)
}

// RestoreSQLite makes the SQLite database at dbURL a copy of the backup file
// from. The backup is checked first (intact, a Perimeter database, a schema
// no newer than this binary's: an older one is migrated by serve); the copy
// is written beside the target and renamed into place, so a failed restore
// leaves nothing half-written. An existing target is replaced only with
// force; the server using it must be stopped. It returns the schema version.
func RestoreSQLite(ctx context.Context, from, dbURL string, force bool) (int, error) {
	path, err := sqlitePath(dbURL)
	if err != nil {
		return 0, err
	}
	src, err := openExisting(from)
	if err != nil {
		return 0, err
	}
	defer src.Close()
	v, err := fileVersion(ctx, src)
	if err != nil {
		return 0, err
	}
	if v > SchemaVersion() {
		return 0, fmt.Errorf("store: the backup has schema version %d, newer than this binary's %d: restore it with the Perimeter version that made it", v, SchemaVersion())
	}
	if _, err := os.Lstat(path); err == nil && !force {
		return 0, fmt.Errorf("store: %s exists; pass --force to replace it (stop the server using it first)", path)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return 0, fmt.Errorf("store: %w", err)
	}
	tmp := path + ".restore-tmp"
	_ = os.Remove(tmp)
	if _, err := src.ExecContext(ctx, "VACUUM INTO ?", tmp); err != nil {
		_ = os.Remove(tmp)
		return 0, fmt.Errorf("store: restore: %w", err)
	}
	// The old database's write-ahead log must not be replayed onto the copy.
	for _, f := range []string{path + "-wal", path + "-shm"} {
		if err := os.Remove(f); err != nil && !errors.Is(err, fs.ErrNotExist) {
			_ = os.Remove(tmp)
			return 0, fmt.Errorf("store: %w", err)
		}
	}
	if err := os.Rename(tmp, path); err != nil {
		_ = os.Remove(tmp)
		return 0, fmt.Errorf("store: %w", err)
	}
	return v, nil
}
