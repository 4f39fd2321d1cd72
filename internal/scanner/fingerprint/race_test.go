package fingerprint

import (
	"context"
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
		i, _ := race(context.Background(), len(tt.results), func(ctx context.Context, i int) outcome {
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
	i, _ := race(context.Background(), 2, func(ctx context.Context, i int) outcome {
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
