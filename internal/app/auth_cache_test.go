package app

import (
	"context"
	"testing"

	"github.com/perimeterhq/perimeter/internal/errs"
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
