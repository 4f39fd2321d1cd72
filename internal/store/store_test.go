package store_test

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"github.com/perimeterhq/perimeter/internal/audit"
	"github.com/perimeterhq/perimeter/internal/errs"
	"github.com/perimeterhq/perimeter/internal/listing"
	"github.com/perimeterhq/perimeter/internal/store"
	"github.com/perimeterhq/perimeter/internal/store/storetest"
	"github.com/perimeterhq/perimeter/internal/tenant"
	"github.com/perimeterhq/perimeter/internal/user"
)

// The conformance suite: every test runs on SQLite, and on PostgreSQL when
// PERIMETER_TEST_POSTGRES_URL is set.

var t0 = time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
var ctx = context.Background()

type fixture struct {
	s                      *store.Store
	platform, partner, cus tenant.Organization
	other                  tenant.Organization // a second customer of the platform, outside partner
}

func org(id, kind, name string, parent *tenant.Organization) tenant.Organization {
	o := tenant.Organization{ID: id, Kind: kind, Name: name, Status: tenant.StatusActive, CreatedAt: t0, UpdatedAt: t0, Path: "/" + id + "/"}
	if parent != nil {
		o.ParentID, o.Path = parent.ID, parent.ChildPath(id)
	}
	return o
}

func id(n int) string { return fmt.Sprintf("01900000-0000-7000-8000-%012d", 1000+n) }

func newFixture(t *testing.T, engine string) *fixture {
	f := &fixture{s: storetest.Open(t, engine)}
	f.platform = org(id(1), tenant.KindPlatform, "Platform", nil)
	f.partner = org(id(2), tenant.KindPartner, "Partner", &f.platform)
	f.cus = org(id(3), tenant.KindCustomer, "Customer", &f.partner)
	f.other = org(id(4), tenant.KindCustomer, "Other", &f.platform)
	must(t, f.s.Tx(ctx, func(q *store.Q) error {
		for _, o := range []tenant.Organization{f.platform, f.partner, f.cus, f.other} {
			if err := q.CreateOrganization(ctx, o); err != nil {
				return err
			}
		}
		return nil
	}))
	return f
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func scope(o tenant.Organization, subtree bool) tenant.Scope {
	return tenant.Scope{OrgID: o.ID, Path: o.Path, Subtree: subtree}
}

func params(t *testing.T, spec *listing.Spec, query string) listing.Params {
	t.Helper()
	q, err := url.ParseQuery(query)
	must(t, err)
	p, err := listing.Parse(q, spec, t0)
	must(t, err)
	return p
}

func TestMigrateIsIdempotent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine string) {
		s := storetest.Open(t, engine)
		applied, err := s.Migrate(ctx)
		must(t, err)
		if len(applied) != 0 {
			t.Fatalf("second Migrate applied %v", applied)
		}
		plans, err := s.R().DefaultPlans(ctx)
		must(t, err)
		if len(plans) != 3 {
			t.Fatalf("want a default plan per product, got %d", len(plans))
		}
		for _, p := range plans {
			if n, ok := p.Features.MaxIPs(); !ok || n <= 0 {
				t.Errorf("plan %s lacks max_ips: %v", p.Name, p.Features)
			}
		}
	})
}

func TestOrganizationScopes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine string) {
		f := newFixture(t, engine)
		r := f.s.R()
		// The partner's subtree holds the partner and its customer, not the other customer.
		if _, err := r.FindOrganization(ctx, scope(f.partner, true), f.cus.ID); err != nil {
			t.Fatalf("partner must see its customer: %v", err)
		}
		for _, probe := range []struct {
			sc tenant.Scope
			id string
		}{
			{scope(f.partner, true), f.other.ID},
			{scope(f.partner, true), f.platform.ID},
			{scope(f.cus, true), f.partner.ID},
			{scope(f.cus, false), f.other.ID},
		} {
			if _, err := r.FindOrganization(ctx, probe.sc, probe.id); !errs.Is(err, errs.NotFound) {
				t.Errorf("scope %s must not see %s: err=%v", probe.sc.Path, probe.id, err)
			}
		}
		list, total, err := r.FindOrganizations(ctx, scope(f.partner, true), params(t, &tenant.OrganizationList, "sort_by=name"))
		must(t, err)
		if total != 2 || len(list) != 2 || list[0].Name != "Customer" || list[1].Name != "Partner" {
			t.Fatalf("partner subtree list = %d %+v", total, list)
		}
		list, total, err = r.FindOrganizations(ctx, scope(f.platform, true), params(t, &tenant.OrganizationList, "q[type]=customer&sort_by=name"))
		must(t, err)
		if total != 2 || list[0].Name != "Customer" || list[1].Name != "Other" {
			t.Fatalf("platform customers = %d %+v", total, list)
		}
		n, err := r.CountChildOrganizations(ctx, f.partner.ID)
		must(t, err)
		if n != 1 {
			t.Fatalf("partner children = %d", n)
		}
		// A parent with children cannot be deleted (RESTRICT), and nothing half-happens.
		err = f.s.Tx(ctx, func(q *store.Q) error { return q.DeleteOrganization(ctx, f.partner.ID) })
		if err == nil {
			t.Fatal("deleting an organization with children must fail")
		}
		if _, err := r.OrganizationByID(ctx, f.partner.ID); err != nil {
			t.Fatalf("partner vanished after a failed delete: %v", err)
		}
	})
}

func newUser(n int, o tenant.Organization, email, role string) user.User {
	return user.User{ID: id(100 + n), OrganizationID: o.ID, Email: email, FirstName: "F" + email, LastName: "L",
		Role: role, CreatedAt: t0.Add(time.Duration(n) * time.Minute), UpdatedAt: t0}
}

func TestUsersAreScopedInEveryQuery(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine string) {
		f := newFixture(t, engine)
		users := []user.User{
			newUser(1, f.platform, "root@platform.test", user.RoleSuperadmin),
			newUser(2, f.partner, "alice@partner.test", user.RoleAdmin),
			newUser(3, f.cus, "carol@customer.test", user.RoleUser),
			newUser(4, f.cus, "dave@customer.test", user.RoleReadOnly),
			newUser(5, f.other, "alice@other.test", user.RoleAdmin),
		}
		must(t, f.s.Tx(ctx, func(q *store.Q) error {
			for _, u := range users {
				if err := q.CreateUser(ctx, u); err != nil {
					return err
				}
			}
			return nil
		}))
		// Duplicate e-mails are a typed duplicate error, on both engines.
		err := f.s.Tx(ctx, func(q *store.Q) error {
			return q.CreateUser(ctx, newUser(9, f.cus, "carol@customer.test", user.RoleUser))
		})
		var dup *store.ErrDuplicate
		if !errors.As(err, &dup) {
			t.Fatalf("duplicate e-mail: want *ErrDuplicate, got %T %v", err, err)
		}
		r := f.s.R()
		cases := []struct {
			sc    tenant.Scope
			query string
			want  []string
		}{
			{scope(f.partner, true), "sort_by=email", []string{"alice@partner.test", "carol@customer.test", "dave@customer.test"}},
			{scope(f.partner, true), "q[email]=alice", []string{"alice@partner.test"}}, // not alice@other
			{scope(f.partner, true), "q[email]=*@other.test", nil},
			{scope(f.partner, true), "q[email]=ALICE*", []string{"alice@partner.test"}},
			{scope(f.cus, false), "sort_by=email+desc", []string{"dave@customer.test", "carol@customer.test"}},
			{scope(f.cus, false), "q[role]=user,read_only&sort_by=email", []string{"carol@customer.test", "dave@customer.test"}},
			{scope(f.cus, false), "q[organization_id]=" + f.other.ID, nil}, // a filter cannot widen the scope
			{scope(f.platform, true), "q[email]=alice&sort_by=email", []string{"alice@other.test", "alice@partner.test"}},
			{scope(f.platform, true), "q[email]=%25", nil}, // % is literal, not a LIKE wildcard
			{scope(f.platform, true), "q[name]=Fcarol", []string{"carol@customer.test"}},
			{scope(f.platform, true), "date_range_start=2026-03-01+10:02:00&date_range_end=2026-03-01+10:03:00&sort_by=email", []string{"alice@partner.test", "carol@customer.test"}}, // created at minutes 2 and 3
		}
		for _, c := range cases {
			got, total, err := r.FindUsers(ctx, c.sc, params(t, &user.List, c.query))
			must(t, err)
			var emails []string
			for _, u := range got {
				emails = append(emails, u.Email)
			}
			if fmt.Sprint(emails) != fmt.Sprint(c.want) || total != len(c.want) {
				t.Errorf("%s %q = %v (total %d), want %v", c.sc.Path, c.query, emails, total, c.want)
			}
		}
		// Paging never leaks: page 2 of size 1 in the customer scope is dave or carol only.
		got, total, err := r.FindUsers(ctx, scope(f.cus, false), params(t, &user.List, "per_page=1&page=2&sort_by=email"))
		must(t, err)
		if total != 2 || len(got) != 1 || got[0].Email != "dave@customer.test" {
			t.Fatalf("page 2 = %+v (total %d)", got, total)
		}
		got, _, err = r.FindUsers(ctx, scope(f.cus, false), params(t, &user.List, "per_page=1&page=3"))
		must(t, err)
		if len(got) != 0 {
			t.Fatalf("past the last page = %+v", got)
		}
		if _, err := r.FindUser(ctx, scope(f.cus, false), users[4].ID); !errs.Is(err, errs.NotFound) {
			t.Fatalf("another tenant's user must be not found, got %v", err)
		}
		u, err := r.FindUser(ctx, scope(f.partner, true), users[2].ID)
		must(t, err)
		if u.Email != "carol@customer.test" || u.CreatedAt != users[2].CreatedAt {
			t.Fatalf("round trip lost data: %+v", u)
		}
		// Text search indexes follow updates and deletes.
		u.Email = "caroline@customer.test"
		must(t, f.s.Tx(ctx, func(q *store.Q) error {
			if err := q.UpdateUser(ctx, u.OrganizationID, u); err != nil {
				return err
			}
			return q.DeleteUser(ctx, users[3].OrganizationID, users[3].ID)
		}))
		for query, want := range map[string]int{"q[email]=caroline": 1, "q[email]=carol@": 0, "q[email]=CAROL": 1, "q[email]=dave": 0, "q[email]=*ine@cus*": 1} {
			_, total, err := r.FindUsers(ctx, scope(f.platform, true), params(t, &user.List, query))
			must(t, err)
			if total != want {
				t.Errorf("after update/delete %s: total %d, want %d", query, total, want)
			}
		}
	})
}

func TestCredentials(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine string) {
		f := newFixture(t, engine)
		u := newUser(1, f.cus, "u@c.test", user.RoleUser)
		must(t, f.s.Tx(ctx, func(q *store.Q) error {
			if err := q.CreateUser(ctx, u); err != nil {
				return err
			}
			if err := q.CreateAPIKey(ctx, tenant.APIKey{ID: id(50), OrganizationID: f.partner.ID, Name: "k", Prefix: "pmk_ab", CreatedAt: t0}, "keyhash"); err != nil {
				return err
			}
			if err := q.CreateSession(ctx, store.Session{ID: id(60), UserID: u.ID, CreatedAt: t0, ExpiresAt: t0.Add(time.Hour)}, "sesshash"); err != nil {
				return err
			}
			return q.SetAccessToken(ctx, u.ID, "tok1", t0)
		}))
		r := f.s.R()
		k, err := r.APIKeyByHash(ctx, "keyhash")
		must(t, err)
		if k.OrgPath != f.partner.Path {
			t.Fatalf("API key must carry its organization path, got %q", k.OrgPath)
		}
		p, err := r.PrincipalBySession(ctx, "sesshash", t0.Add(59*time.Minute))
		must(t, err)
		if p.User.ID != u.ID || p.Org.ID != f.cus.ID || p.Org.ParentID != f.partner.ID || p.Session.ID != id(60) {
			t.Fatalf("principal = %+v", p)
		}
		if _, err := r.PrincipalBySession(ctx, "sesshash", t0.Add(time.Hour)); !errs.Is(err, errs.NotFound) {
			t.Fatalf("an expired session must not resolve: %v", err)
		}
		if _, err := r.PrincipalByAccessToken(ctx, "tok1"); err != nil {
			t.Fatal(err)
		}
		must(t, f.s.Tx(ctx, func(q *store.Q) error { return q.SetAccessToken(ctx, u.ID, "tok2", t0) }))
		if _, err := r.PrincipalByAccessToken(ctx, "tok1"); !errs.Is(err, errs.NotFound) {
			t.Fatal("a replaced access token must stop working")
		}
		must(t, f.s.Tx(ctx, func(q *store.Q) error {
			if err := q.RevokeSession(ctx, id(60), t0); err != nil {
				return err
			}
			return q.RevokeAPIKey(ctx, f.partner.ID, id(50), t0)
		}))
		if _, err := r.PrincipalBySession(ctx, "sesshash", t0); !errs.Is(err, errs.NotFound) {
			t.Fatal("a revoked session must not resolve")
		}
		if _, err := r.APIKeyByHash(ctx, "keyhash"); !errs.Is(err, errs.NotFound) {
			t.Fatal("a revoked API key must not resolve")
		}

		// One-time tokens work once, and a newer token voids the older one.
		must(t, f.s.Tx(ctx, func(q *store.Q) error {
			if err := q.CreateOneTimeToken(ctx, store.OneTimeToken{ID: id(70), UserID: u.ID, Purpose: "reset", CreatedAt: t0, ExpiresAt: t0.Add(time.Hour)}, "ott1"); err != nil {
				return err
			}
			return q.CreateOneTimeToken(ctx, store.OneTimeToken{ID: id(71), UserID: u.ID, Purpose: "reset", CreatedAt: t0, ExpiresAt: t0.Add(time.Hour)}, "ott2")
		}))
		use := func(hash string, at time.Time) error {
			return f.s.Tx(ctx, func(q *store.Q) error { _, err := q.UseOneTimeToken(ctx, "reset", hash, at); return err })
		}
		if err := use("ott1", t0); !errs.Is(err, errs.NotFound) {
			t.Fatalf("an older token must be void: %v", err)
		}
		if err := use("ott2", t0.Add(2*time.Hour)); !errs.Is(err, errs.NotFound) {
			t.Fatalf("an expired token must not work: %v", err)
		}
		must(t, use("ott2", t0))
		if err := use("ott2", t0); !errs.Is(err, errs.NotFound) {
			t.Fatalf("a token must work only once: %v", err)
		}

		// Sign-in failure records: one per (username, client), created empty
		// on first use, saved, cleared per client.
		var rec store.SignInFailures
		must(t, f.s.Tx(ctx, func(q *store.Q) error {
			var err error
			rec, err = q.LockSignInFailures(ctx, "nobody@x.test", "192.0.2.1")
			return err
		}))
		if rec.Failures != 0 || rec.BlockedUntil != nil || !rec.LastAt.IsZero() {
			t.Fatalf("fresh record = %+v", rec)
		}
		until := t0.Add(15 * time.Minute)
		rec.Failures, rec.LastAt, rec.BlockedUntil = 5, t0, &until
		must(t, f.s.Tx(ctx, func(q *store.Q) error {
			if err := q.SaveSignInFailures(ctx, rec); err != nil {
				return err
			}
			other, err := q.LockSignInFailures(ctx, "nobody@x.test", "192.0.2.2")
			if err != nil {
				return err
			}
			other.Failures, other.LastAt = 1, t0
			return q.SaveSignInFailures(ctx, other)
		}))
		lock := func(client string) store.SignInFailures {
			var r store.SignInFailures
			must(t, f.s.Tx(ctx, func(q *store.Q) error {
				var err error
				r, err = q.LockSignInFailures(ctx, "nobody@x.test", client)
				return err
			}))
			return r
		}
		if got := lock("192.0.2.1"); got.Failures != 5 || !got.LastAt.Equal(t0) || got.BlockedUntil == nil || !got.BlockedUntil.Equal(until) {
			t.Fatalf("saved record = %+v", got)
		}
		must(t, f.s.Tx(ctx, func(q *store.Q) error { return q.ClearSignInFailures(ctx, "nobody@x.test", "192.0.2.2") }))
		if got := lock("192.0.2.2"); got.Failures != 0 {
			t.Fatalf("cleared record = %+v", got)
		}
		if got := lock("192.0.2.1"); got.Failures != 5 {
			t.Fatalf("clearing one client cleared another: %+v", got)
		}

		// Purge removes the revoked session (after retention), used tokens and the empty
		// record of 192.0.2.2, and keeps the blocked one.
		var res store.PurgeResult
		must(t, f.s.Tx(ctx, func(q *store.Q) error {
			var err error
			res, err = q.PurgeExpired(ctx, t0.Add(time.Minute), t0.Add(time.Minute))
			return err
		}))
		if res.Sessions != 1 || res.OneTimeTokens != 2 || res.SignInFailures != 1 {
			t.Fatalf("purge = %+v", res)
		}
	})
}

func TestAuditScopes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine string) {
		f := newFixture(t, engine)
		must(t, f.s.Tx(ctx, func(q *store.Q) error {
			for i, o := range []tenant.Organization{f.platform, f.partner, f.cus, f.other} {
				e := audit.Event{ID: id(200 + i), OrganizationID: o.ID, Action: "thing.create", ResourceType: "thing",
					ResourceID: o.ID, Changes: map[string]any{"name": []any{"a", "b"}}, CreatedAt: t0.Add(time.Duration(i) * time.Second)}
				if err := q.InsertAuditEvent(ctx, e); err != nil {
					return err
				}
			}
			return nil
		}))
		evs, total, err := f.s.R().FindAuditEvents(ctx, scope(f.partner, true), params(t, &audit.List, ""))
		must(t, err)
		if total != 2 || evs[0].OrganizationID != f.cus.ID || evs[1].OrganizationID != f.partner.ID {
			t.Fatalf("partner audit (newest first) = %+v", evs)
		}
		if fmt.Sprint(evs[0].Changes["name"]) != "[a b]" {
			t.Fatalf("changes lost: %+v", evs[0].Changes)
		}
		if _, err := f.s.R().FindAuditEvent(ctx, scope(f.cus, false), id(200)); !errs.Is(err, errs.NotFound) {
			t.Fatal("a customer must not read the platform's audit events")
		}
	})
}

type testJob struct{ N int }

func (testJob) Kind() string { return "test.job" }

func TestJobsAreEnqueuedWithTheirTransaction(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine string) {
		f := newFixture(t, engine)
		if err := f.s.R().EnqueueJob(ctx, testJob{}, nil); !errors.Is(err, store.ErrNoTx) {
			t.Fatalf("enqueue outside a transaction: %v", err)
		}
		boom := errors.New("boom")
		err := f.s.Tx(ctx, func(q *store.Q) error {
			if err := q.EnqueueJob(ctx, testJob{N: 1}, nil); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatal(err)
		}
		must(t, f.s.Tx(ctx, func(q *store.Q) error { return q.EnqueueJob(ctx, testJob{N: 2}, &river.InsertOpts{}) }))
		n, err := f.s.CountJobs(ctx, "test.job")
		must(t, err)
		if n != 1 {
			t.Fatalf("want exactly the committed job, found %d", n)
		}
	})
}
