package app

import (
	"context"
	"testing"

	"github.com/perimeterhq/perimeter/internal/errs"
	"github.com/perimeterhq/perimeter/internal/secret"
	"github.com/perimeterhq/perimeter/internal/store"
	"github.com/perimeterhq/perimeter/internal/store/storetest"
)

// TestAuthCacheAcrossNodes: two Apps on one database stand for two nodes.
// Node B caches a session; signing out, regenerating the access token and
// revoking on node A take effect on node B at its very next request.
func TestAuthCacheAcrossNodes(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, engine string) {
		ctx := context.Background()
		s := storetest.Open(t, engine)
		nodeA, nodeB := New(s, Config{}, nil), New(s, Config{}, nil)
		boot, err := nodeA.Bootstrap(ctx, "cache@example.test", "cache-password-1")
		if err != nil {
			t.Fatal(err)
		}
		key, err := nodeA.AuthenticateAPIKey(ctx, boot.APIKey)
		if err != nil {
			t.Fatal(err)
		}
		in, err := nodeA.SignIn(ctx, key, "cache@example.test", "cache-password-1")
		if err != nil {
			t.Fatal(err)
		}
		authB := func() error {
			_, _, err := nodeB.Authenticate(ctx, boot.APIKey, "bearer", in.Token, true)
			return err
		}
		for range 3 { // the second and third answers come from B's cache
			if err := authB(); err != nil {
				t.Fatalf("node B: %v", err)
			}
		}
		if len(nodeB.auth.actors) != 1 {
			t.Fatalf("node B caches %d actors, want 1", len(nodeB.auth.actors))
		}
		_, actA, err := nodeA.Authenticate(ctx, boot.APIKey, "bearer", in.Token, true)
		if err != nil {
			t.Fatal(err)
		}
		// An access token cached on B, then replaced on A.
		tok, _, err := nodeA.GenerateAccessToken(ctx, actA)
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := nodeB.Authenticate(ctx, boot.APIKey, "basic", tok, true); err != nil {
			t.Fatalf("node B, access token: %v", err)
		}
		if _, _, err := nodeA.GenerateAccessToken(ctx, actA); err != nil {
			t.Fatal(err)
		}
		if _, _, err := nodeB.Authenticate(ctx, boot.APIKey, "basic", tok, true); !errs.Is(err, errs.Unauthenticated) {
			t.Fatalf("node B accepted a replaced access token: %v", err)
		}
		// Sign out on A: B refuses the session at once.
		if err := authB(); err != nil {
			t.Fatal(err)
		}
		if err := nodeA.SignOut(ctx, actA); err != nil {
			t.Fatal(err)
		}
		if err := authB(); !errs.Is(err, errs.Unauthenticated) {
			t.Fatalf("node B accepted a signed-out session: %v", err)
		}
		// Ingest bumps results_version on the organization; that must not
		// empty the cache (it would on every scan batch).
		epoch, _ := s.R().AuthEpoch(ctx)
		if err := s.Tx(ctx, func(q *store.Q) error { return q.BumpResultsVersion(ctx, boot.OrganizationID) }); err != nil {
			t.Fatal(err)
		}
		if after, _ := s.R().AuthEpoch(ctx); after != epoch {
			t.Fatalf("a results version bump moved the authentication epoch %d → %d", epoch, after)
		}
	})
}

// TestResultsSnapshot: a request answered from cached credentials carries
// its organization's results version, read with the epoch; a results change
// on another node shows in the very next request's snapshot, and cached
// results follow it.
func TestResultsSnapshot(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, engine string) {
		ctx := context.Background()
		s := storetest.Open(t, engine)
		nodeA, nodeB := New(s, Config{}, nil), New(s, Config{}, nil)
		boot, err := nodeA.Bootstrap(ctx, "snap@example.test", "snap-password-1")
		if err != nil {
			t.Fatal(err)
		}
		key, err := nodeA.AuthenticateAPIKey(ctx, boot.APIKey)
		if err != nil {
			t.Fatal(err)
		}
		in, err := nodeA.SignIn(ctx, key, "snap@example.test", "snap-password-1")
		if err != nil {
			t.Fatal(err)
		}
		authB := func() *Actor {
			t.Helper()
			_, act, err := nodeB.Authenticate(ctx, boot.APIKey, "bearer", in.Token, true)
			if err != nil {
				t.Fatal(err)
			}
			return act
		}
		if act := authB(); act.results != (resultsSnapshot{}) {
			t.Fatalf("first request (nothing cached): snapshot %+v, want none", act.results)
		}
		act := authB()
		want, err := s.R().ResultsVersion(ctx, act.Org.ID)
		if err != nil {
			t.Fatal(err)
		}
		if act.results != (resultsSnapshot{orgID: act.Org.ID, version: want}) {
			t.Fatalf("cached request: snapshot %+v, want version %s of %s", act.results, want, act.Org.ID)
		}
		if cachedAct, _ := nodeB.auth.actor(actorKey(act.APIKey.ID, "bearer", secret.Hash(in.Token)), nodeB.now()); cachedAct.results != (resultsSnapshot{}) {
			t.Fatal("the snapshot was cached with the actor")
		}
		calls := 0
		count := func(context.Context) (int, error) { calls++; return calls, nil }
		get := func(act *Actor) int {
			t.Helper()
			n, _, err := cached(act.readOnly(ctx), nodeB, act.Org.ID, "test", "", false, count)
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
		if get(act) != 1 || get(authB()) != 1 {
			t.Fatal("the same results version computed twice")
		}
		if err := s.Tx(ctx, func(q *store.Q) error { return q.BumpResultsVersion(ctx, act.Org.ID) }); err != nil { // node A's ingest
			t.Fatal(err)
		}
		next := authB()
		if next.results.version == want {
			t.Fatalf("after a results change the snapshot still says %s", want)
		}
		if got := get(next); got != 2 {
			t.Fatalf("after a results change: cached value %d, want a new computation", got)
		}
	})
}
