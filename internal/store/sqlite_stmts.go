package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"sync"
)

// cachingDriverName is the SQLite driver the store opens: modernc's, with
// prepared statements kept per connection. database/sql prepares every
// statement on every call otherwise, and compiling SQL costs as much as
// running a short statement — measured at 40 % of the CPU of the webhook
// benchmark, mostly the job engine's large statements, which the store
// cannot prepare itself because they run inside transactions on the single
// writer connection.
const cachingDriverName = "sqlite+stmtcache"

// maxCachedStmts bounds the statements kept per connection (list SQL varies
// with the client's filters).
const maxCachedStmts = 256

func init() {
	db, err := sql.Open("sqlite", "")
	if err != nil {
		panic("store: sqlite driver: " + err.Error())
	}
	sql.Register(cachingDriverName, cachingDriver{base: db.Driver()})
	_ = db.Close()
}

type cachingDriver struct{ base driver.Driver }

func (d cachingDriver) Open(name string) (driver.Conn, error) {
	c, err := d.base.Open(name)
	if err != nil {
		return nil, err
	}
	pc, ok := c.(driver.ConnPrepareContext)
	if !ok {
		return c, nil
	}
	return &cachingConn{Conn: c, prep: pc, stmts: map[string]*cachedStmt{}}, nil
}

// cachingConn hides the driver's direct Exec and Query, so database/sql goes
// through PrepareContext, which answers from the cache. A statement in use
// (open rows, or held by a *sql.Stmt) is never handed out twice: the second
// user gets a statement of its own, closed after use.
type cachingConn struct {
	driver.Conn
	prep  driver.ConnPrepareContext
	mu    sync.Mutex
	stmts map[string]*cachedStmt
}

var (
	_ driver.ConnPrepareContext = (*cachingConn)(nil)
	_ driver.ConnBeginTx        = (*cachingConn)(nil)
	_ driver.SessionResetter    = (*cachingConn)(nil)
	_ driver.Validator          = (*cachingConn)(nil)
	_ driver.Pinger             = (*cachingConn)(nil)
)

func (c *cachingConn) Prepare(query string) (driver.Stmt, error) {
	return c.PrepareContext(context.Background(), query)
}

func (c *cachingConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	c.mu.Lock()
	if s, ok := c.stmts[query]; ok && !s.busy {
		s.busy = true
		c.mu.Unlock()
		return s, nil
	}
	c.mu.Unlock()
	st, err := c.prep.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, taken := c.stmts[query]; taken || len(c.stmts) >= maxCachedStmts {
		return st, nil // used once, closed by database/sql as usual
	}
	s := &cachedStmt{Stmt: st, conn: c, busy: true}
	c.stmts[query] = s
	return s, nil
}

func (c *cachingConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	if b, ok := c.Conn.(driver.ConnBeginTx); ok {
		return b.BeginTx(ctx, opts)
	}
	return c.Conn.Begin() //nolint:staticcheck // fallback of drivers without BeginTx
}

func (c *cachingConn) ResetSession(ctx context.Context) error {
	if r, ok := c.Conn.(driver.SessionResetter); ok {
		return r.ResetSession(ctx)
	}
	return nil
}

func (c *cachingConn) IsValid() bool {
	if v, ok := c.Conn.(driver.Validator); ok {
		return v.IsValid()
	}
	return true
}

func (c *cachingConn) Ping(ctx context.Context) error {
	if p, ok := c.Conn.(driver.Pinger); ok {
		return p.Ping(ctx)
	}
	return nil
}

// Close finalizes the cached statements, then the connection.
func (c *cachingConn) Close() error {
	c.mu.Lock()
	var errs []error
	for _, s := range c.stmts {
		errs = append(errs, s.Stmt.Close())
	}
	c.stmts = nil
	c.mu.Unlock()
	return errors.Join(append(errs, c.Conn.Close())...)
}

// cachedStmt is a statement kept open for its connection; Close gives it back.
type cachedStmt struct {
	driver.Stmt
	conn *cachingConn
	busy bool // guarded by conn.mu
}

func (s *cachedStmt) Close() error {
	s.conn.mu.Lock()
	s.busy = false
	s.conn.mu.Unlock()
	return nil
}

func (s *cachedStmt) ExecContext(ctx context.Context, args []driver.NamedValue) (driver.Result, error) {
	if e, ok := s.Stmt.(driver.StmtExecContext); ok {
		return e.ExecContext(ctx, args)
	}
	return nil, driver.ErrSkip
}

func (s *cachedStmt) QueryContext(ctx context.Context, args []driver.NamedValue) (driver.Rows, error) {
	if q, ok := s.Stmt.(driver.StmtQueryContext); ok {
		return q.QueryContext(ctx, args)
	}
	return nil, driver.ErrSkip
}
