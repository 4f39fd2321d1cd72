package checks

import (
	"context"
	"fmt"
	"sync"
)

// sharedStore memoises probe results for one target during one run.
type sharedStore struct {
	mu      sync.Mutex
	entries map[string]*sharedEntry
}

type sharedEntry struct {
	done chan struct{}
	val  any
	err  error
}

func newSharedStore() *sharedStore {
	return &sharedStore{entries: map[string]*sharedEntry{}}
}

// WithSharing returns t with a fresh memo for Shared, so checks run against it
// by hand (outside RunAll) share probes the same way RunAll's do.
func (t Target) WithSharing() Target {
	t.shared = newSharedStore()
	return t
}

// Shared runs probe once per key for all checks run against t by one RunAll
// (or one Target returned by WithSharing) and gives every caller its result
// and error; concurrent callers wait for the first. Without a memo (a plain
// Target) it just calls probe. Keys must start with the family name, and the
// probe must not depend on which check calls it. The probe runs with the first
// caller's ctx; a waiting caller whose own ctx ends gets ctx.Err(). It returns
// probe's error, or an error when a memoised value has another type.
func Shared[T any](ctx context.Context, t Target, key string, probe func(context.Context) (T, error)) (T, error) {
	var zero T
	if t.shared == nil {
		return probe(ctx)
	}
	s := t.shared
	s.mu.Lock()
	e, ok := s.entries[key]
	if !ok {
		e = &sharedEntry{done: make(chan struct{})}
		s.entries[key] = e
		s.mu.Unlock()
		func() {
			defer close(e.done)
			defer func() {
				if r := recover(); r != nil {
					e.err = fmt.Errorf("checks: shared probe %q panicked: %v", key, r)
				}
			}()
			e.val, e.err = probe(ctx)
		}()
	} else {
		s.mu.Unlock()
		select {
		case <-e.done:
		case <-ctx.Done():
			return zero, ctx.Err()
		}
	}
	if e.err != nil {
		return zero, e.err
	}
	v, ok := e.val.(T)
	if !ok {
		return zero, fmt.Errorf("checks: shared probe %q holds %T, not %T", key, e.val, zero)
	}
	return v, nil
}
