package api_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/perimeterhq/perimeter/internal/apitest"
	"github.com/perimeterhq/perimeter/internal/otp"
	"github.com/perimeterhq/perimeter/internal/store"
	"github.com/perimeterhq/perimeter/internal/store/storetest"
)

// column reads every value of one text column (engine-specific placeholders).
func column(t *testing.T, s *store.Store, query string, arg string) []string {
	t.Helper()
	ctx := context.Background()
	var out []string
	if s.Engine() == store.Postgres {
		rows, err := s.PGPool().Query(ctx, strings.ReplaceAll(query, "?", "$1"), arg)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		for rows.Next() {
			var v string
			if err := rows.Scan(&v); err != nil {
				t.Fatal(err)
			}
			out = append(out, v)
		}
		return out
	}
	rows, err := s.SQLiteWriter().QueryContext(ctx, query, arg)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			t.Fatal(err)
		}
		out = append(out, v)
	}
	return out
}

// Secrets are sealed or hashed at rest, and the e-mail link is wiped once sent.
func TestIdentitySecretsAtRest(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, engine string) {
		w := newIDWorld(t, engine, nil)
		u := w.c1User
		r := u.Do("POST", "/v2/user/2fa/enable", map[string]string{"method": "totp"})
		sec := r.Str("secret")
		key, _ := otp.DecodeSecret(sec)
		r = u.Do("POST", "/v2/user/2fa/verify", map[string]string{"code": otp.Code(key, w.clock())})
		if r.Status != 200 {
			t.Fatal(r)
		}
		codes := r.Get("recovery_codes").([]any)
		for _, v := range column(t, w.e.Store, `SELECT totp_secret FROM two_factor WHERE user_id = ?`, w.c1UserID) {
			if !strings.HasPrefix(v, "v1:") || strings.Contains(v, sec) {
				t.Errorf("TOTP secret not sealed: %q", v)
			}
		}
		hashes := column(t, w.e.Store, `SELECT code_hash FROM recovery_codes WHERE user_id = ?`, w.c1UserID)
		if len(hashes) != 10 {
			t.Fatalf("%d recovery code rows", len(hashes))
		}
		for _, h := range hashes {
			for _, c := range codes {
				if strings.Contains(h, c.(string)) || strings.Contains(h, strings.ReplaceAll(c.(string), "-", "")) {
					t.Errorf("recovery code stored in clear")
				}
			}
		}
		// The reset e-mail's token: hashed in one_time_tokens, sealed then wiped in email_messages.
		if r := w.e.Anon.Do("POST", "/auth/password/forgot", map[string]string{"email": u.Email}); r.Status != 202 {
			t.Fatal(r)
		}
		_, tok := w.mailToken(t, u.Email, 1)
		for _, h := range column(t, w.e.Store, `SELECT token_hash FROM one_time_tokens WHERE user_id = ?`, w.c1UserID) {
			if strings.Contains(h, tok) || strings.Contains(h, tok[4:]) {
				t.Error("one-time token stored in clear")
			}
		}
		apitest.Eventually(t, 10*time.Second, "the link wiped after sending", func() bool {
			links := column(t, w.e.Store, `SELECT sealed_link FROM email_messages WHERE user_id = ? AND status = 'sent'`, w.c1UserID)
			return len(links) == 1 && links[0] == ""
		})
	})
}

// Concurrent uses of one token or one TOTP code: exactly one wins.
func TestIdentitySingleUseUnderConcurrency(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, engine string) {
		w := newIDWorld(t, engine, nil)
		race := func(n int, do func() int) (ok int) {
			var mu sync.Mutex
			var wg sync.WaitGroup
			for range n {
				wg.Go(func() {
					if s := do(); s == 200 {
						mu.Lock()
						ok++
						mu.Unlock()
					}
				})
			}
			wg.Wait()
			return ok
		}
		tok := w.c1Admin.Do("POST", "/v2/users/"+w.c1UserID+"/sso_link", nil).Str("sso_token")
		if n := race(6, func() int {
			return w.e.Anon.Do("POST", "/auth/sso_link", map[string]string{"sso_token": tok}).Status
		}); n != 1 {
			t.Fatalf("%d concurrent SSO sign-ins succeeded, want 1", n)
		}
		u := w.c1User
		key, _ := otp.DecodeSecret(u.Do("POST", "/v2/user/2fa/enable", map[string]string{"method": "totp"}).Str("secret"))
		if r := u.Do("POST", "/v2/user/2fa/verify", map[string]string{"code": otp.Code(key, w.clock())}); r.Status != 200 {
			t.Fatal(r)
		}
		w.advance(30 * time.Second)
		code := otp.Code(key, w.clock())
		if n := race(4, func() int {
			return w.e.Anon.Do("POST", "/auth/sign_in", signInBody(u.Email, "a-long-password", code)).Status
		}); n != 1 {
			t.Fatalf("%d concurrent sign-ins with one TOTP code succeeded, want 1", n)
		}
	})
}
