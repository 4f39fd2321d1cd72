package fingerprint

import (
	"context"
	"sync"
)

// outcome is what one probe of a race found.
type outcome struct {
	m          Match
	ok         bool // the service was identified
	byAnswer   bool // ...from an answer to another protocol's probe
	conclusive bool // ...by an answer no other protocol could give
}

// race runs n probes, at most limit at a time (0: all at once), and returns
// the index and outcome of the winner: a conclusive identification as soon
// as it arrives; otherwise the first, in priority order (index order), that
// identified the service directly, or failing that the first that
// identified it from an answer to something else. It returns -1 when none
// did. Probes start in priority order. As soon as the winner is certain the
// others are cancelled; race returns only after all of them have stopped,
// so no probe outlives the call.
func race(ctx context.Context, n, limit int, run func(ctx context.Context, i int) outcome) (int, outcome) {
	ctx, cancel := context.WithCancel(ctx)
	results := make([]outcome, n)
	done := make([]bool, n)
	finished := make(chan int, n)
	var wg sync.WaitGroup
	started := 0
	start := func() {
		i := started
		started++
		wg.Go(func() {
			results[i] = run(ctx, i)
			finished <- i
		})
	}
	if limit <= 0 || limit > n {
		limit = n
	}
	for range limit {
		start()
	}
	defer func() {
		cancel()  // closes the losers' connections...
		wg.Wait() // ...so they end at once
	}()
	for range n {
		j := <-finished
		done[j] = true
		if r := results[j]; r.ok && !r.byAnswer && r.conclusive {
			return j, r
		}
		for i := range n {
			if !done[i] {
				break // a higher-priority probe is still running
			}
			if results[i].ok && !results[i].byAnswer {
				return i, results[i]
			}
		}
		if started < n {
			start()
		}
	}
	for i, o := range results {
		if o.ok {
			return i, o
		}
	}
	return -1, outcome{}
}
