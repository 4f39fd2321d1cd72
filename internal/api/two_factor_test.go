package api_test

import (
	"context"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/perimeterhq/perimeter/internal/apitest"
	"github.com/perimeterhq/perimeter/internal/app"
	"github.com/perimeterhq/perimeter/internal/notify"
	"github.com/perimeterhq/perimeter/internal/otp"
	"github.com/perimeterhq/perimeter/internal/store/storetest"
)

func signInBody(email, password, code string) map[string]string {
	b := map[string]string{"username": email, "password": password}
	if code != "" {
		b["otp_code"] = code
	}
	return b
}

func TestTOTPTwoFactor(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, engine string) {
		w := newIDWorld(t, engine, nil)
		u, email, pw := w.c1User, w.c1User.Email, "a-long-password"
		anon := w.e.Anon
		var secret string
		apitest.Run(t, []apitest.Scenario{
			{Name: "method required", As: u, Method: "POST", Path: "/v2/user/2fa/enable", Body: map[string]string{}, Status: 422, Want: []string{`"method"`}},
			{Name: "unknown method", As: u, Method: "POST", Path: "/v2/user/2fa/enable", Body: map[string]string{"method": "pigeon"}, Status: 422},
			{Name: "verify before enable", As: u, Method: "POST", Path: "/v2/user/2fa/verify", Body: map[string]string{"code": "123456"}, Status: 409},
			{Name: "enable", As: u, Method: "POST", Path: "/v2/user/2fa/enable", Body: map[string]string{"method": "totp"}, Status: 200,
				Want: []string{`"otpauth_url":"otpauth://totp/`, `"qr_png_base64":"`, `"secret":"`},
				Check: func(t *testing.T, r *apitest.Resp) {
					secret = r.Str("secret")
					png, err := base64.StdEncoding.DecodeString(r.Str("qr_png_base64"))
					if err != nil || !strings.HasPrefix(string(png), "\x89PNG\r\n\x1a\n") {
						t.Fatalf("qr_png_base64 is not a PNG (%v)", err)
					}
					if !strings.Contains(r.Str("otpauth_url"), "secret="+secret) {
						t.Fatalf("otpauth_url %s", r.Str("otpauth_url"))
					}
				}},
			{Name: "not active before verify", As: anon, Method: "POST", Path: "/auth/check_2fa", Body: signInBody(email, pw, ""), Status: 200,
				Want: []string{`"two_factor_required":false`, `"methods":[]`}},
		})
		key, err := otp.DecodeSecret(secret)
		if err != nil {
			t.Fatal(err)
		}
		code := func() string { return otp.Code(key, w.clock()) }
		wrong := func() string {
			c := code()
			return string(rune('0'+(c[0]-'0'+1)%10)) + c[1:]
		}
		var recovery []string
		first := code()
		apitest.Run(t, []apitest.Scenario{
			{Name: "wrong code", As: u, Method: "POST", Path: "/v2/user/2fa/verify", Body: map[string]string{"code": wrong()}, Status: 422, Want: []string{`"code"`}},
			{Name: "verify", As: u, Method: "POST", Path: "/v2/user/2fa/verify", Body: map[string]string{"code": first}, Status: 200,
				Check: func(t *testing.T, r *apitest.Resp) {
					for _, c := range r.Get("recovery_codes").([]any) {
						recovery = append(recovery, c.(string))
					}
				}},
			{Name: "recovery status", As: u, Method: "GET", Path: "/v2/user/2fa/recovery_codes", Status: 200, Want: []string{`"total":10`, `"remaining":10`, `"generated_at":"`}},
			{Name: "check_2fa", As: anon, Method: "POST", Path: "/auth/check_2fa", Body: signInBody(email, pw, ""), Status: 200,
				Want: []string{`"two_factor_required":true`, `"methods":["totp"]`, `"default_method":"totp"`}},
			{Name: "check_2fa wrong password", As: anon, Method: "POST", Path: "/auth/check_2fa", Body: signInBody(email, "wrong-password", ""), Status: 401, NotIn: []string{"methods"}},
			{Name: "sign in without code [CG]", As: anon, Method: "POST", Path: "/auth/sign_in", Body: signInBody(email, pw, ""), Status: 401,
				Want: []string{`"two_factor_required":true`, `"methods":["totp"]`}, NotIn: []string{`"token"`}},
			{Name: "wrong password says nothing of 2FA", As: anon, Method: "POST", Path: "/auth/sign_in", Body: signInBody(email, "wrong-password", first), Status: 401, NotIn: []string{"two_factor"}},
			{Name: "the verify code cannot sign in (used)", As: anon, Method: "POST", Path: "/auth/sign_in", Body: signInBody(email, pw, first), Status: 401,
				Want: []string{`"two_factor_required":true`}},
		})
		if len(recovery) != 10 {
			t.Fatalf("%d recovery codes", len(recovery))
		}
		w.advance(30 * time.Second)
		next := code()
		apitest.Run(t, []apitest.Scenario{
			{Name: "sign in with the next code", As: anon, Method: "POST", Path: "/auth/sign_in", Body: signInBody(email, pw, next), Status: 200, Want: []string{`"token":"pms_`}},
			{Name: "reused code", As: anon, Method: "POST", Path: "/auth/sign_in", Body: signInBody(email, pw, next), Status: 401, Want: []string{`"two_factor_required":true`}},
			{Name: "recovery code", As: anon, Method: "POST", Path: "/auth/sign_in_with_recovery_code",
				Body: map[string]string{"username": email, "password": pw, "recovery_code": recovery[0]}, Status: 200, Want: []string{`"token":"pms_`}},
			{Name: "reused recovery code", As: anon, Method: "POST", Path: "/auth/sign_in_with_recovery_code",
				Body: map[string]string{"username": email, "password": pw, "recovery_code": recovery[0]}, Status: 401},
			{Name: "recovery code blank", As: anon, Method: "POST", Path: "/auth/sign_in_with_recovery_code",
				Body: map[string]string{"username": email, "password": pw}, Status: 422, Want: []string{"recovery_code"}},
			{Name: "one used", As: u, Method: "GET", Path: "/v2/user/2fa/recovery_codes", Status: 200, Want: []string{`"total":10`, `"remaining":9`}},
			{Name: "changing the method needs a code", As: u, Method: "POST", Path: "/v2/user/2fa/enable", Body: map[string]string{"method": "totp"}, Status: 422, Want: []string{`"code"`}},
			{Name: "a used code does not do", As: u, Method: "POST", Path: "/v2/user/2fa/enable", Body: map[string]string{"method": "totp", "code": next}, Status: 422, Want: []string{`"code"`}},
			{Name: "default method must be active", As: u, Method: "PUT", Path: "/v2/user/2fa/default_method", Body: map[string]string{"method": "sms"}, Status: 422},
			{Name: "default method", As: u, Method: "PUT", Path: "/v2/user/2fa/default_method", Body: map[string]string{"method": "totp"}, Status: 200, Want: []string{`"default_method":"totp"`}},
			{Name: "regenerate", As: u, Method: "POST", Path: "/v2/user/2fa/recovery_codes", Status: 200, Want: []string{`"recovery_codes":["`}},
			{Name: "old set void", As: anon, Method: "POST", Path: "/auth/sign_in_with_recovery_code",
				Body: map[string]string{"username": email, "password": pw, "recovery_code": recovery[1]}, Status: 401},
			{Name: "fresh set", As: u, Method: "GET", Path: "/v2/user/2fa/recovery_codes", Status: 200, Want: []string{`"remaining":10`}},
		})
		// Adding SMS beside TOTP, with a current code.
		w.advance(30 * time.Second)
		if r := u.Do("POST", "/v2/user/2fa/enable", map[string]string{"method": "sms", "phone": "+358401234567", "code": code()}); r.Status != 200 {
			t.Fatal(r)
		}
		if r := u.Do("POST", "/v2/user/2fa/verify", map[string]string{"code": lastSMS(t, w, "+358401234567", 1)}); r.Status != 200 {
			t.Fatal(r)
		}
		apitest.Run(t, []apitest.Scenario{
			{Name: "both methods", As: anon, Method: "POST", Path: "/auth/check_2fa", Body: signInBody(email, pw, ""), Status: 200,
				Want: []string{`"methods":["totp","sms"]`, `"default_method":"totp"`}},
			{Name: "default sms now", As: u, Method: "PUT", Path: "/v2/user/2fa/default_method", Body: map[string]string{"method": "sms"}, Status: 200, Want: []string{`"default_method":"sms"`}},
			{Name: "status names the methods", As: u, Method: "GET", Path: "/v2/user/2fa/recovery_codes", Status: 200,
				Want: []string{`"methods":["totp","sms"]`, `"default_method":"sms"`}},
		})
		// Disabling needs the password and a valid code.
		w.advance(30 * time.Second)
		apitest.Run(t, []apitest.Scenario{
			{Name: "disable: wrong password", As: u, Method: "DELETE", Path: "/v2/user/2fa", Body: map[string]string{"password": "nope-nope-nope", "code": code()}, Status: 422, Want: []string{`"password"`}},
			{Name: "disable: wrong code", As: u, Method: "DELETE", Path: "/v2/user/2fa", Body: map[string]string{"password": pw, "code": wrong()}, Status: 422, Want: []string{`"code"`}},
			{Name: "disable", As: u, Method: "DELETE", Path: "/v2/user/2fa", Body: map[string]string{"password": pw, "code": code()}, Status: 204},
			{Name: "disable again", As: u, Method: "DELETE", Path: "/v2/user/2fa", Body: map[string]string{"password": pw, "code": code()}, Status: 409},
			{Name: "password alone signs in", As: anon, Method: "POST", Path: "/auth/sign_in", Body: signInBody(email, pw, ""), Status: 200},
			{Name: "no codes left", As: u, Method: "GET", Path: "/v2/user/2fa/recovery_codes", Status: 200, Want: []string{`"total":0`, `"generated_at":null`, `"methods":[]`, `"default_method":""`}},
		})
	})
}

func TestTwoFactorCodeThrottle(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, engine string) {
		w := newIDWorld(t, engine, nil)
		u, email, pw := w.c1User, w.c1User.Email, "a-long-password"
		r := u.Do("POST", "/v2/user/2fa/enable", map[string]string{"method": "totp"})
		key, _ := otp.DecodeSecret(r.Str("secret"))
		if r := u.Do("POST", "/v2/user/2fa/verify", map[string]string{"code": otp.Code(key, w.clock())}); r.Status != 200 {
			t.Fatal(r)
		}
		w.advance(30 * time.Second)
		good := otp.Code(key, w.clock())
		bad := "000000"
		if bad == good {
			bad = "111111"
		}
		for i := range 5 {
			if r := w.e.Anon.Do("POST", "/auth/sign_in", signInBody(email, pw, bad)); r.Status != 401 {
				t.Fatalf("try %d: %s", i, r)
			}
		}
		r = w.e.Anon.Do("POST", "/auth/sign_in", signInBody(email, pw, good))
		if r.Status != 429 || r.Header.Get("Retry-After") == "" {
			t.Fatalf("after 5 wrong codes the right one must wait: %s", r)
		}
		w.advance(16 * time.Minute)
		if r := w.e.Anon.Do("POST", "/auth/sign_in", signInBody(email, pw, otp.Code(key, w.clock()))); r.Status != 200 {
			t.Fatalf("after the wait: %s", r)
		}
	})
}

var smsCodeRE = regexp.MustCompile(`\b(\d{6})\b`)

// lastSMS returns the code of the latest development SMS to a number.
func lastSMS(t *testing.T, w *idWorld, to string, want int) string {
	t.Helper()
	msgs, err := w.e.Store.R().FindSMSMessages(context.Background(), to)
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) != want {
		t.Fatalf("%d SMS to %s, want %d", len(msgs), to, want)
	}
	m := smsCodeRE.FindStringSubmatch(msgs[len(msgs)-1].Body)
	if m == nil {
		t.Fatalf("no code in %q", msgs[len(msgs)-1].Body)
	}
	return m[1]
}

func TestSMSTwoFactor(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, engine string) {
		w := newIDWorld(t, engine, nil)
		u, email, pw := w.c1User, w.c1User.Email, "a-long-password"
		anon := w.e.Anon
		const number = "+4930123456"
		apitest.Run(t, []apitest.Scenario{
			{Name: "lookup valid", As: u, Method: "POST", Path: "/v2/user/2fa/lookup_phone", Body: map[string]string{"phone": "+49 30 123456"}, Status: 200,
				Want: []string{`"valid":true`, `"e164":"+4930123456"`, `"country":"DE"`}},
			{Name: "lookup unassigned code", As: u, Method: "POST", Path: "/v2/user/2fa/lookup_phone", Body: map[string]string{"phone": "+80123456789"}, Status: 200, Want: []string{`"valid":false`}},
			{Name: "lookup blank", As: u, Method: "POST", Path: "/v2/user/2fa/lookup_phone", Body: map[string]string{}, Status: 422, Want: []string{`"phone"`}},
			{Name: "send_sms_otp while sms is off", As: anon, Method: "POST", Path: "/auth/send_sms_otp", Body: signInBody(email, pw, ""), Status: 409},
			{Name: "enable with a bad number", As: u, Method: "POST", Path: "/v2/user/2fa/enable", Body: map[string]string{"method": "sms", "phone": "12345"}, Status: 422, Want: []string{`"phone"`}},
			{Name: "enable sms", As: u, Method: "POST", Path: "/v2/user/2fa/enable", Body: map[string]string{"method": "sms", "phone": "+49 30 123456"}, Status: 200,
				Want: []string{`"method":"sms"`, `"phone":"+49******56"`, `"expires_at":"`}, NotIn: []string{"secret"}},
			{Name: "resend at once is limited", As: u, Method: "POST", Path: "/v2/user/2fa/enable", Body: map[string]string{"method": "sms", "phone": number}, Status: 429},
		})
		code := lastSMS(t, w, number, 1)
		apitest.Run(t, []apitest.Scenario{
			{Name: "wrong code", As: u, Method: "POST", Path: "/v2/user/2fa/verify", Body: map[string]string{"code": "12345x"}, Status: 422},
			{Name: "verify", As: u, Method: "POST", Path: "/v2/user/2fa/verify", Body: map[string]string{"code": code}, Status: 200, Want: []string{`"recovery_codes"`}},
			{Name: "sign in needs a code", As: anon, Method: "POST", Path: "/auth/sign_in", Body: signInBody(email, pw, ""), Status: 401, Want: []string{`"methods":["sms"]`}},
			{Name: "enable code cannot sign in", As: anon, Method: "POST", Path: "/auth/sign_in", Body: signInBody(email, pw, code), Status: 401},
			{Name: "send needs the password", As: anon, Method: "POST", Path: "/auth/send_sms_otp", Body: signInBody(email, "wrong-password", ""), Status: 401},
		})
		w.advance(31 * time.Second)
		r := anon.Do("POST", "/auth/send_sms_otp", signInBody(email, pw, ""))
		if r.Status != 200 || r.Str("phone") != "+49******56" {
			t.Fatal(r)
		}
		code = lastSMS(t, w, number, 2)
		apitest.Run(t, []apitest.Scenario{
			{Name: "too soon", As: anon, Method: "POST", Path: "/auth/send_sms_otp", Body: signInBody(email, pw, ""), Status: 429,
				Check: func(t *testing.T, r *apitest.Resp) {
					if r.Header.Get("Retry-After") == "" {
						t.Error("no Retry-After")
					}
				}},
			{Name: "sign in with the code", As: anon, Method: "POST", Path: "/auth/sign_in", Body: signInBody(email, pw, code), Status: 200},
			{Name: "code used", As: anon, Method: "POST", Path: "/auth/sign_in", Body: signInBody(email, pw, code), Status: 401},
		})
		// Five sends an hour: two so far, three more 31 s apart, then the limit.
		for i := range 3 {
			w.advance(31 * time.Second)
			if r := anon.Do("POST", "/auth/send_sms_otp", signInBody(email, pw, "")); r.Status != 200 {
				t.Fatalf("send %d: %s", i+3, r)
			}
		}
		w.advance(31 * time.Second)
		r = anon.Do("POST", "/auth/send_sms_otp", signInBody(email, pw, ""))
		if r.Status != 429 || r.Header.Get("Retry-After") == "" {
			t.Fatalf("sixth send in an hour: %s", r)
		}
		// An expired code (5 min) does not work.
		w.advance(time.Hour)
		if r := anon.Do("POST", "/auth/send_sms_otp", signInBody(email, pw, "")); r.Status != 200 {
			t.Fatal(r)
		}
		code = lastSMS(t, w, number, 6)
		w.advance(5*time.Minute + time.Second)
		if r := anon.Do("POST", "/auth/sign_in", signInBody(email, pw, code)); r.Status != 401 {
			t.Fatalf("expired code: %s", r)
		}
	})
}

// The Twilio-compatible provider posts the form with basic auth.
func TestSMSTwilioProvider(t *testing.T) {
	t.Parallel()
	var got atomic.Value
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		user, pass, _ := r.BasicAuth()
		_ = r.ParseForm()
		got.Store(r.Method + " " + r.URL.Path + " " + user + ":" + pass + " " + r.PostForm.Get("To") + " " + r.PostForm.Get("From") + " " + r.PostForm.Get("Body"))
		w.WriteHeader(201)
		_, _ = w.Write([]byte(`{"sid":"SM1"}`))
	}))
	t.Cleanup(srv.Close)
	storetest.Each(t, func(t *testing.T, engine string) {
		w := newIDWorld(t, engine, func(c *app.Config) {
			c.SMS = &notify.Twilio{BaseURL: srv.URL, AccountSID: "AC123", AuthToken: "tok", From: "+15550000000"}
		})
		if r := w.c1User.Do("POST", "/v2/user/2fa/enable", map[string]string{"method": "sms", "phone": "+14155550100"}); r.Status != 200 {
			t.Fatal(r)
		}
		s, _ := got.Load().(string)
		if !regexp.MustCompile(`^POST /2010-04-01/Accounts/AC123/Messages.json AC123:tok \+14155550100 \+15550000000 Your Perimeter code is \d{6}\.`).MatchString(s) {
			t.Fatalf("provider got %q", s)
		}
		if msgs, _ := w.e.Store.R().FindSMSMessages(context.Background(), "+14155550100"); len(msgs) != 0 {
			t.Fatal("the development outbox was used")
		}
	})
	if _, err := notify.ParseTwilioURL("twilio://AC1:secret@api.twilio.com?from=%2B15550000000"); err != nil {
		t.Fatal(err)
	}
}
