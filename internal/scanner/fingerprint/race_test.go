package fingerprint

import (
	"context"
	"sync/atomic"
	"testing"
	"time"
)

func TestRacePriority(t *testing.T) {
	tests := []struct {
		name    string
		results []outcome
		delays  []time.Duration
		want    int
	}{
		{"first direct wins", []outcome{{ok: true}, {ok: true}}, []time.Duration{20 * time.Millisecond, 0}, 0},
		{"later direct beats earlier by-answer", []outcome{{ok: true, byAnswer: true}, {ok: true}}, nil, 1},
		{"by-answer when nothing direct", []outcome{{}, {ok: true, byAnswer: true}, {}}, nil, 1},
		{"none", []outcome{{}, {}}, nil, -1},
		{"conclusive needs no wait", []outcome{{}, {ok: true, conclusive: true}}, []time.Duration{time.Hour, 0}, 1},
	}
	for _, tt := range tests {
		i, _ := race(context.Background(), len(tt.results), 0, func(ctx context.Context, i int) outcome {
			if tt.delays != nil {
				select { // forces the lower-priority probe to finish first
				case <-time.After(tt.delays[i]):
				case <-ctx.Done():
					return outcome{}
				}
			}
			return tt.results[i]
		})
		if i != tt.want {
			t.Errorf("%s: winner %d, want %d", tt.name, i, tt.want)
		}
	}
}

func TestRaceCancelsLosers(t *testing.T) {
	stopped := make(chan struct{})
	i, _ := race(context.Background(), 2, 0, func(ctx context.Context, i int) outcome {
		if i == 0 {
			return outcome{ok: true}
		}
		<-ctx.Done() // a probe still waiting on its server
		close(stopped)
		return outcome{}
	})
	if i != 0 {
		t.Fatalf("winner %d, want 0", i)
	}
	select {
	case <-stopped:
	default:
		t.Error("race returned before the losing probe stopped")
	}
}

func TestRaceLimit(t *testing.T) {
	var running, most, finished atomic.Int32
	var early atomic.Bool
	i, _ := race(context.Background(), 5, 2, func(ctx context.Context, i int) outcome {
		// With two slots, probe i may start only once i-1 probes are over.
		if i >= 2 && finished.Load() < int32(i-1) {
			early.Store(true)
		}
		n := running.Add(1)
		for {
			m := most.Load()
			if n <= m || most.CompareAndSwap(m, n) {
				break
			}
		}
		running.Add(-1)
		finished.Add(1)
		return outcome{ok: i == 4, conclusive: true}
	})
	if i != 4 {
		t.Errorf("winner %d, want 4", i)
	}
	if most.Load() > 2 {
		t.Errorf("%d probes ran at once with a limit of 2", most.Load())
	}
	if early.Load() {
		t.Error("a probe started before a slot was free")
	}
}
