package app

import (
	"context"
	"encoding/json"
	"sync"
	"time"

	"github.com/perimeterhq/perimeter/internal/store"
)

// resultCacheTTL bounds how long an aggregate is reused even when the results
// version did not move (the version moves in the transaction of every change
// to results; the bound is a guard for changes made outside this code).
const resultCacheTTL = 30 * time.Second

// slowCacheTTL is resultCacheTTL for slow aggregates (see slowAggregate):
// each recomputation scans every finding of a large organization, so one
// that no change made out of date is kept longer.
const slowCacheTTL = 5 * time.Minute

// slowAggregate is how long an aggregate may take to compute before requests
// stop waiting for it: past it, a request whose cached value is out of date
// gets that value (and its as-of time) while one recomputation runs in the
// background. Smaller organizations always get exact, current values.
var slowAggregate = 100 * time.Millisecond

// resultCacheSize bounds the aggregates kept per App.
const resultCacheSize = 1024

// resultCache keeps aggregates over an organization's findings (the widgets,
// the most vulnerable hosts, list counts) until its results change, so
// dashboards that poll them do not rescan a large findings table per request.
// Concurrent misses of one key compute once.
type resultCache struct {
	mu      sync.Mutex
	entries map[string]*cacheEntry
}

type cacheEntry struct {
	version    string // results version and the caller's stamp
	at         time.Time
	done       chan struct{} // closed when val, err and took are set
	val        any
	err        error
	took       time.Duration
	refreshing bool // a background recomputation runs (c.mu)
}

func (e *cacheEntry) finished() bool {
	select {
	case <-e.done:
		return true
	default:
		return false
	}
}

func (a *App) resultCache() *resultCache { return &a.results }

// resultsSnapshot is an organization's results version as read with the
// authentication epoch, in the statement that authenticated the request
// (store.AuthEpochWithResults). A read-only request that answers from
// cached results uses it instead of reading the version again: it is what
// the version was when the request arrived.
type resultsSnapshot struct{ orgID, version string }

type resultsSnapshotKey struct{}

// readOnly returns ctx carrying the actor's results snapshot for cached.
// Only requests that change no results may use it: one that does must see
// its own change.
func (act *Actor) readOnly(ctx context.Context) context.Context {
	if act.results.orgID == "" {
		return ctx
	}
	return context.WithValue(ctx, resultsSnapshotKey{}, act.results)
}

// cached returns compute's result for an organization and key, reusing one
// computed for the same results version and stamp (the inputs that are not
// part of the key) within resultCacheTTL, and when it was computed. With
// staleOK, an out-of-date value whose computation was slow is returned while
// it is recomputed in the background (see slowAggregate); such slow values are
// also stored (store.SaveAggregate), so a node that has not computed one yet,
// after a restart or on another node, starts from the stored value instead of
// a cold computation. Under recomputeNow the value is computed at once.
func cached[T any](ctx context.Context, a *App, orgID, key, stamp string, staleOK bool, compute func(context.Context) (T, error)) (T, time.Time, error) {
	var zero T
	rv, ok := ctx.Value(resultsSnapshotKey{}).(resultsSnapshot)
	if !ok || rv.orgID != orgID {
		var err error
		if rv.version, err = a.store.R().ResultsVersion(ctx, orgID); err != nil {
			return zero, time.Time{}, err
		}
	}
	version := rv.version + "|" + stamp
	c := a.resultCache()
	full := orgID + "\x00" + key
	save := func(*cacheEntry) {}
	if staleOK {
		save = func(e *cacheEntry) { saveAggregate[T](a, orgID, key, e) }
	}
	if ctx.Value(recomputeKey{}) != nil {
		e := &cacheEntry{version: version, at: a.now(), done: make(chan struct{})}
		run(c, full, e, ctx, compute, save)
		c.mu.Lock()
		if e.err == nil {
			c.entries[full] = e
		}
		c.mu.Unlock()
		if e.err != nil {
			return zero, time.Time{}, e.err
		}
		return e.val.(T), e.at, nil
	}
	c.mu.Lock()
	e, ok := c.entries[full]
	if !ok && staleOK {
		c.mu.Unlock()
		stored := loadAggregate[T](ctx, a, orgID, key)
		c.mu.Lock()
		if e, ok = c.entries[full]; !ok && stored != nil {
			e, ok = stored, true
			c.entries[full] = e
		}
	}
	now := a.now()
	ttl := resultCacheTTL
	if ok && e.finished() && e.took >= slowAggregate {
		ttl = slowCacheTTL
	}
	current := ok && e.version == version && now.Sub(e.at) < ttl && !now.Before(e.at)
	switch {
	case current:
		c.mu.Unlock()
	case ok && staleOK && e.finished() && e.err == nil && e.took >= slowAggregate:
		if !e.refreshing {
			e.refreshing = true
			go refresh(a, c, full, e, &cacheEntry{version: version, at: now, done: make(chan struct{})}, compute, save)
		}
		c.mu.Unlock()
		return e.val.(T), e.at, nil
	default:
		if len(c.entries) >= resultCacheSize {
			c.evictOldest()
		}
		e = &cacheEntry{version: version, at: now, done: make(chan struct{})}
		c.entries[full] = e
		c.mu.Unlock()
		run(c, full, e, context.WithoutCancel(ctx), compute, save)
	}
	select {
	case <-e.done:
	case <-ctx.Done():
		return zero, time.Time{}, ctx.Err()
	}
	if e.err != nil {
		return zero, time.Time{}, e.err
	}
	return e.val.(T), e.at, nil
}

// recomputeKey marks a context whose cached calls compute afresh and wait
// (WarmAggregates).
type recomputeKey struct{}

// run computes an entry; a failed one is dropped so the next call retries, a
// slow one is saved.
func run[T any](c *resultCache, key string, e *cacheEntry, ctx context.Context, compute func(context.Context) (T, error), save func(*cacheEntry)) {
	start := time.Now()
	e.val, e.err = compute(ctx)
	e.took = time.Since(start)
	if e.err != nil {
		c.mu.Lock()
		if c.entries[key] == e {
			delete(c.entries, key)
		}
		c.mu.Unlock()
	} else if e.took >= slowAggregate {
		save(e)
	}
	close(e.done)
}

// refresh recomputes a stale entry in the background and swaps the new value
// in; on failure the stale value stays and a later call tries again.
func refresh[T any](a *App, c *resultCache, key string, stale, next *cacheEntry, compute func(context.Context) (T, error), save func(*cacheEntry)) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	start := time.Now()
	next.val, next.err = compute(ctx)
	next.took = time.Since(start)
	if next.err == nil && next.took >= slowAggregate {
		save(next)
	}
	close(next.done)
	c.mu.Lock()
	defer c.mu.Unlock()
	stale.refreshing = false
	if next.err != nil {
		a.log.Warn("recomputing an aggregate failed; the previous value stays", "key", key, "err", next.err)
		return
	}
	if c.entries[key] == stale {
		c.entries[key] = next
	}
}

// loadAggregate is the stored value of an aggregate as a computed entry, nil
// when none is stored or it cannot be read (then it is computed as if cold).
func loadAggregate[T any](ctx context.Context, a *App, orgID, key string) *cacheEntry {
	s, ok, err := a.store.R().LoadAggregate(ctx, orgID, key)
	if err != nil || !ok {
		return nil
	}
	var v T
	if err := json.Unmarshal(s.Value, &v); err != nil {
		a.log.Warn("a stored aggregate does not decode; computing it again", "key", key, "err", err)
		return nil
	}
	e := &cacheEntry{version: s.Version, at: s.ComputedAt, took: s.Took, val: v, done: make(chan struct{})}
	close(e.done)
	return e
}

// saveAggregate stores a computed entry's value. A failure costs only a
// later cold computation, so it is logged, not returned.
func saveAggregate[T any](a *App, orgID, key string, e *cacheEntry) {
	b, err := json.Marshal(e.val.(T))
	if err == nil {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		err = a.store.Tx(ctx, func(q *store.Q) error {
			return q.SaveAggregate(ctx, orgID, key, store.StoredAggregate{Version: e.version, ComputedAt: e.at, Took: e.took, Value: b})
		})
	}
	if err != nil {
		a.log.Warn("storing an aggregate failed", "key", key, "err", err)
	}
}

// evictOldest drops the oldest computed entry; c.mu is held.
func (c *resultCache) evictOldest() {
	var oldestKey string
	var oldest *cacheEntry
	for k, e := range c.entries {
		if !e.finished() {
			continue // still computing: others wait for it
		}
		if oldest == nil || e.at.Before(oldest.at) {
			oldestKey, oldest = k, e
		}
	}
	if oldest != nil {
		delete(c.entries, oldestKey)
	}
}
