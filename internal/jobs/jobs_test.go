package jobs_test

import (
	"context"
	"log/slog"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/perimeterhq/perimeter/internal/app"
	"github.com/perimeterhq/perimeter/internal/errs"
	"github.com/perimeterhq/perimeter/internal/jobs"
	"github.com/perimeterhq/perimeter/internal/store"
	"github.com/perimeterhq/perimeter/internal/store/storetest"
)

// The purge job runs for real on River on both engines and removes expired
// sessions (while live ones stay).
func TestPurgeJobRemovesExpiredSessions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine string) {
		ctx := context.Background()
		s := storetest.Open(t, engine)
		a := app.New(s, app.Config{}, nil)
		boot, err := a.Bootstrap(ctx, "root@x.test", "long-enough-password")
		if err != nil {
			t.Fatal(err)
		}
		now := time.Now().UTC()
		err = s.Tx(ctx, func(q *store.Q) error {
			if err := q.CreateSession(ctx, store.Session{ID: "01900000-0000-7000-8000-00000000e001", UserID: boot.UserID,
				CreatedAt: now.Add(-2 * time.Hour), ExpiresAt: now.Add(-time.Hour)}, "expired"); err != nil {
				return err
			}
			return q.CreateSession(ctx, store.Session{ID: "01900000-0000-7000-8000-00000000e002", UserID: boot.UserID,
				CreatedAt: now, ExpiresAt: now.Add(time.Hour)}, "live")
		})
		if err != nil {
			t.Fatal(err)
		}
		r, err := jobs.Start(ctx, s, a, jobs.Options{Workers: 2, PurgeInterval: time.Hour})
		if err != nil {
			t.Fatal(err)
		}
		defer r.Stop(ctx)
		deadline := time.Now().Add(20 * time.Second)
		for {
			n, err := s.CountJobs(ctx, jobs.PurgeArgs{}.Kind())
			if err != nil {
				t.Fatal(err)
			}
			if n > 0 && expiredGone(ctx, s) {
				break
			}
			if time.Now().After(deadline) {
				t.Fatal("the purge job did not remove the expired session")
			}
			time.Sleep(50 * time.Millisecond)
		}
		if _, err := s.R().PrincipalBySession(ctx, "live", now); err != nil {
			t.Fatalf("the live session must survive the purge: %v", err)
		}
	})
}

// expiredGone reports whether the expired session's row is gone: looked up "as
// of" the epoch, the row would still count as live if it existed.
func expiredGone(ctx context.Context, s *store.Store) bool {
	_, err := s.R().SessionByHash(ctx, "expired", time.Unix(0, 0))
	return errs.Is(err, errs.NotFound)
}

// River's routine INFO lines ("River client started", "Producer job counts"
// every 15 s) are DEBUG in the server log; warnings keep their level.
func TestRiverInfoIsDebug(t *testing.T) {
	ctx := context.Background()
	s := storetest.Open(t, store.SQLite)
	a := app.New(s, app.Config{}, nil)
	for _, level := range []slog.Level{slog.LevelInfo, slog.LevelDebug} {
		var buf syncBuffer
		log := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: level}))
		r, err := jobs.Start(ctx, s, a, jobs.Options{Workers: 1, Log: log})
		if err != nil {
			t.Fatal(err)
		}
		if err := r.Stop(ctx); err != nil {
			t.Fatal(err)
		}
		out := buf.String()
		switch level {
		case slog.LevelInfo:
			if strings.Contains(out, "River client") {
				t.Errorf("River's INFO lines reach an INFO log:\n%s", out)
			}
		case slog.LevelDebug:
			if !regexp.MustCompile(`level=DEBUG msg="River client started".*component=jobs`).MatchString(out) {
				t.Errorf("River's INFO lines should be DEBUG with component=jobs:\n%s", out)
			}
		}
	}
}

type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }
