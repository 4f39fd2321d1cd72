package app

import (
	"context"
	"sync"
	"time"
)

// resultCacheTTL bounds how long an aggregate is reused even when the results
// version did not move (the version moves in the transaction of every change
// to results; the bound is a guard for changes made outside this code).
const resultCacheTTL = 30 * time.Second

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

// cached returns compute's result for an organization and key, reusing one
// computed for the same results version and stamp (the inputs that are not
// part of the key) within resultCacheTTL, and when it was computed. With
// staleOK, an out-of-date value whose computation was slow is returned while
// it is recomputed in the background (see slowAggregate).
func cached[T any](ctx context.Context, a *App, orgID, key, stamp string, staleOK bool, compute func(context.Context) (T, error)) (T, time.Time, error) {
	var zero T
	rv, err := a.store.R().ResultsVersion(ctx, orgID)
	if err != nil {
		return zero, time.Time{}, err
	}
	version := rv + "\x00" + stamp
	c := a.resultCache()
	full := orgID + "\x00" + key
	now := a.now()
	c.mu.Lock()
	e, ok := c.entries[full]
	current := ok && e.version == version && now.Sub(e.at) < resultCacheTTL && !now.Before(e.at)
	switch {
	case current:
		c.mu.Unlock()
	case ok && staleOK && e.finished() && e.err == nil && e.took >= slowAggregate:
		if !e.refreshing {
			e.refreshing = true
			go refresh(a, c, full, e, &cacheEntry{version: version, at: now, done: make(chan struct{})}, compute)
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
		run(c, full, e, context.WithoutCancel(ctx), compute)
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

// run computes an entry; a failed one is dropped so the next call retries.
func run[T any](c *resultCache, key string, e *cacheEntry, ctx context.Context, compute func(context.Context) (T, error)) {
	start := time.Now()
	e.val, e.err = compute(ctx)
	e.took = time.Since(start)
	if e.err != nil {
		c.mu.Lock()
		if c.entries[key] == e {
			delete(c.entries, key)
		}
		c.mu.Unlock()
	}
	close(e.done)
}

// refresh recomputes a stale entry in the background and swaps the new value
// in; on failure the stale value stays and a later call tries again.
func refresh[T any](a *App, c *resultCache, key string, stale, next *cacheEntry, compute func(context.Context) (T, error)) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	start := time.Now()
	next.val, next.err = compute(ctx)
	next.took = time.Since(start)
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
