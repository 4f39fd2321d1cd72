package app

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"encoding/base64"
	"strings"
	"time"

	qrcode "github.com/skip2/go-qrcode"

	"github.com/perimeterhq/perimeter/internal/errs"
	"github.com/perimeterhq/perimeter/internal/otp"
	"github.com/perimeterhq/perimeter/internal/phone"
	"github.com/perimeterhq/perimeter/internal/secret"
	"github.com/perimeterhq/perimeter/internal/store"
	"github.com/perimeterhq/perimeter/internal/tenant"
	"github.com/perimeterhq/perimeter/internal/user"
)

// Two-factor methods.
const (
	MethodTOTP = "totp"
	MethodSMS  = "sms"
)

// Wrong second-factor codes are throttled per user: after otpMaxFailures in
// a row, codes are refused (429) until otpLockout has passed since the last.
const (
	otpMaxFailures   = 5
	otpLockout       = 15 * time.Minute
	recoveryCodeSets = 10
)

// methods lists the active methods of t, in a fixed order.
func methods(t store.TwoFactor) []string {
	out := []string{}
	if t.TOTPEnabled {
		out = append(out, MethodTOTP)
	}
	if t.SMSEnabled {
		out = append(out, MethodSMS)
	}
	return out
}

func defaultMethod(t store.TwoFactor) string {
	ms := methods(t)
	for _, m := range ms {
		if m == t.DefaultMethod {
			return m
		}
	}
	if len(ms) > 0 {
		return ms[0]
	}
	return ""
}

// twoFactorOf returns a user's two-factor row (empty when none) and whether
// any method is active.
func (a *App) twoFactorOf(ctx context.Context, q *store.Q, userID string) (store.TwoFactor, bool, error) {
	t, err := q.TwoFactorByUser(ctx, userID)
	if errs.Is(err, errs.NotFound) {
		return store.TwoFactor{UserID: userID}, false, nil
	}
	return t, len(methods(t)) > 0, err
}

func twoFactorRequired(t store.TwoFactor, msg string) error {
	return &errs.Error{Code: errs.Unauthenticated, Message: msg,
		Extra: map[string]any{"two_factor_required": true, "methods": methods(t), "default_method": defaultMethod(t)}}
}

// otpThrottled is the 429 while a user's codes are refused.
func (a *App) otpThrottled(t store.TwoFactor, now time.Time) error {
	if t.OTPFailures >= otpMaxFailures {
		if wait := t.OTPFailedAt.Add(otpLockout).Sub(now); wait > 0 {
			return &errs.Error{Code: errs.RateLimited, RetryAfter: wait,
				Message: "Too many wrong two-factor codes; try again later"}
		}
	}
	return nil
}

// checkCode verifies a TOTP or SMS (purpose) code of a user in its own
// transaction, with the per-user throttle; it returns the method that
// matched ("" for none). A TOTP code works once; so does an SMS code.
func (a *App) checkCode(ctx context.Context, userID, code, smsPurpose string, pendingTOTP bool) (string, error) {
	code = strings.TrimSpace(code)
	var method string
	var throttled error
	err := a.store.Tx(ctx, func(q *store.Q) error {
		t, err := q.TwoFactorByUser(ctx, userID)
		if err != nil {
			return err
		}
		now := a.now()
		if throttled = a.otpThrottled(t, now); throttled != nil {
			return nil
		}
		sealed := t.TOTPSecret
		if pendingTOTP {
			sealed = t.PendingSecret
		}
		if (t.TOTPEnabled || pendingTOTP) && sealed != "" {
			raw, err := a.hooks.box.Open(sealed)
			if err != nil {
				return err
			}
			key, err := otp.DecodeSecret(raw)
			if err != nil {
				return err
			}
			if step, ok := otp.Verify(key, code, now, t.TOTPLastStep); ok {
				won, err := q.AcceptTOTPStep(ctx, userID, step)
				if err != nil {
					return err
				}
				if won {
					method = MethodTOTP
				}
			}
		}
		if method == "" && smsPurpose != "" && len(code) == 6 {
			_, err := q.UseSMSCode(ctx, userID, smsPurpose, a.smsHash(userID, code), now)
			if err == nil {
				method = MethodSMS
			} else if !errs.Is(err, errs.NotFound) {
				return err
			}
		}
		t, err = q.TwoFactorByUser(ctx, userID) // AcceptTOTPStep moved the step
		if err != nil {
			return err
		}
		if method == "" {
			if now.Sub(t.OTPFailedAt) > otpLockout {
				t.OTPFailures = 0
			}
			t.OTPFailures++
			t.OTPFailedAt = now
		} else {
			t.OTPFailures = 0
		}
		t.UpdatedAt = now
		return q.SaveTwoFactor(ctx, t)
	})
	if err == nil && throttled != nil {
		return "", throttled
	}
	return method, err
}

// secondFactor is sign-in's second step: nothing when 2FA is off; otherwise
// code must be a valid TOTP or SMS sign-in code.
func (a *App) secondFactor(ctx context.Context, u user.User, code string) (string, error) {
	t, on, err := a.twoFactorOf(ctx, a.store.R(), u.ID)
	if err != nil || !on {
		return "", err
	}
	if err := a.otpThrottled(t, a.now()); err != nil {
		return "", err
	}
	if strings.TrimSpace(code) == "" {
		return "", twoFactorRequired(t, "Two-factor authentication is on: send otp_code")
	}
	method, err := a.checkCode(ctx, u.ID, code, smsSignIn, false)
	if err != nil {
		return "", err
	}
	if method == "" {
		return "", twoFactorRequired(t, "Invalid or already used two-factor code")
	}
	return method, nil
}

func recoveryHash(userID, code string) string {
	return secret.Hash(userID + ":" + strings.ToLower(strings.ReplaceAll(strings.TrimSpace(code), "-", "")))
}

// useRecoveryCode consumes one of the user's recovery codes (throttled like
// codes); 401 when it does not match or was used.
func (a *App) useRecoveryCode(ctx context.Context, act *Actor, code string) error {
	t, on, err := a.twoFactorOf(ctx, a.store.R(), act.User.ID)
	if err != nil {
		return err
	}
	if !on {
		return errs.Field("recovery_code", "two-factor authentication is not on for this account; sign in with POST /auth/sign_in")
	}
	var throttled error
	err = a.store.Tx(ctx, func(q *store.Q) error {
		now := a.now()
		if throttled = a.otpThrottled(t, now); throttled != nil {
			return nil
		}
		ok, err := q.UseRecoveryCode(ctx, act.User.ID, recoveryHash(act.User.ID, code), now)
		if err != nil {
			return err
		}
		if ok {
			t.OTPFailures = 0
		} else {
			if now.Sub(t.OTPFailedAt) > otpLockout {
				t.OTPFailures = 0
			}
			t.OTPFailures++
			t.OTPFailedAt = now
			throttled = errs.New(errs.Unauthenticated, "Invalid or already used recovery code")
		}
		t.UpdatedAt = now
		if err := q.SaveTwoFactor(ctx, t); err != nil {
			return err
		}
		if ok {
			return a.record(ctx, q, act, act.Org.ID, "user.recovery_code_use", "user", act.User.ID, nil)
		}
		return a.record(ctx, q, nil, act.Org.ID, "auth.sign_in_failed", "user", act.User.ID,
			map[string]any{"username": act.User.Email, "reason": "recovery_code"})
	})
	if err != nil {
		return err
	}
	return throttled
}

// TwoFactorStatus is what check_2fa answers.
type TwoFactorStatus struct {
	Required      bool
	Methods       []string
	DefaultMethod string
}

// CheckTwoFactor checks a username and password (throttled like sign-in)
// and says whether and how the second step is needed.
func (a *App) CheckTwoFactor(ctx context.Context, key tenant.APIKey, username, password string) (TwoFactorStatus, error) {
	act, err := a.checkPassword(ctx, key, username, password)
	if err != nil {
		return TwoFactorStatus{}, err
	}
	t, on, err := a.twoFactorOf(ctx, a.store.R(), act.User.ID)
	return TwoFactorStatus{Required: on, Methods: methods(t), DefaultMethod: defaultMethod(t)}, err
}

// TwoFactorSetup is the answer of enable.
type TwoFactorSetup struct {
	Method     string
	Secret     string // TOTP: base32 secret (shown now only)
	URL        string // TOTP: otpauth:// URI
	QRPNG      string // TOTP: PNG of the URI as a QR code, base64
	Phone      string // SMS: masked number the code went to
	CodeExpiry time.Time
}

func noImpersonation(act *Actor) error {
	if act.ImpersonatorID != "" {
		return errs.New(errs.Forbidden, "An impersonated session cannot change the user's two-factor settings")
	}
	return nil
}

// EnableTwoFactor starts setting up a method; it is not active until
// VerifyTwoFactor gets a valid code. While a method is active, a current
// code of it is required too, so a stolen session cannot swap the second
// factor for one of its own.
func (a *App) EnableTwoFactor(ctx context.Context, act *Actor, method, phoneNumber, code string) (TwoFactorSetup, error) {
	if err := noImpersonation(act); err != nil {
		return TwoFactorSetup{}, err
	}
	if _, on, err := a.twoFactorOf(ctx, a.store.R(), act.User.ID); err != nil {
		return TwoFactorSetup{}, err
	} else if on {
		if strings.TrimSpace(code) == "" {
			return TwoFactorSetup{}, errs.Field("code", "is required while two-factor authentication is on: send a current code")
		}
		m, err := a.checkCode(ctx, act.User.ID, code, smsSignIn, false)
		if err != nil {
			return TwoFactorSetup{}, err
		}
		if m == "" {
			return TwoFactorSetup{}, errs.Field("code", "is invalid, expired or already used")
		}
	}
	switch method {
	case MethodTOTP:
	case MethodSMS:
		if strings.TrimSpace(phoneNumber) == "" {
			phoneNumber = act.User.Phone
		}
		if strings.TrimSpace(phoneNumber) == "" {
			return TwoFactorSetup{}, errs.Field("phone", "can't be blank (and your profile has no phone number)")
		}
		n, ok := phone.Parse(phoneNumber)
		if !ok {
			return TwoFactorSetup{}, errs.Field("phone", "'%s' is not an E.164 number with a valid country calling code (e.g. +4930123456)", phoneNumber)
		}
		phoneNumber = n.E164
	case "":
		return TwoFactorSetup{}, errs.Field("method", "can't be blank")
	default:
		return TwoFactorSetup{}, errs.Field("method", "'%s' is not one of: totp, sms", method)
	}
	var out TwoFactorSetup
	var sms *smsSend
	err := a.store.Tx(ctx, func(q *store.Q) error {
		t, _, err := a.twoFactorOf(ctx, q, act.User.ID)
		if err != nil {
			return err
		}
		now := a.now()
		t.PendingMethod, t.PendingPhone, t.PendingSecret, t.UpdatedAt = method, "", "", now
		out.Method = method
		if method == MethodTOTP {
			sec := otp.NewSecret()
			t.PendingSecret = a.hooks.box.Seal(sec)
			issuer := a.brand(ctx, act.User.OrganizationID).Name
			out.Secret, out.URL = sec, otp.URL(issuer, act.User.Email, sec)
			png, err := qrcode.Encode(out.URL, qrcode.Medium, 256)
			if err != nil {
				return err
			}
			out.QRPNG = base64.StdEncoding.EncodeToString(png)
		} else {
			t.PendingPhone = phoneNumber
			if sms, err = a.newSMSCode(ctx, q, act.User.ID, smsEnable, phoneNumber, now); err != nil {
				return err
			}
			out.Phone, out.CodeExpiry = phone.Mask(phoneNumber), sms.expires
		}
		if err := q.SaveTwoFactor(ctx, t); err != nil {
			return err
		}
		return a.record(ctx, q, act, "", "user.2fa_enable", "user", act.User.ID, map[string]any{"method": method})
	})
	if err != nil {
		return TwoFactorSetup{}, err
	}
	if sms != nil {
		if err := a.deliverSMS(ctx, sms); err != nil {
			return TwoFactorSetup{}, err
		}
	}
	return out, nil
}

// VerifyTwoFactor activates the method being set up with a valid code and
// returns a new set of recovery codes (shown once; the old set is void).
func (a *App) VerifyTwoFactor(ctx context.Context, act *Actor, code string) ([]string, error) {
	if err := noImpersonation(act); err != nil {
		return nil, err
	}
	if strings.TrimSpace(code) == "" {
		return nil, errs.Field("code", "can't be blank")
	}
	t, err := a.store.R().TwoFactorByUser(ctx, act.User.ID)
	if errs.Is(err, errs.NotFound) || (err == nil && t.PendingMethod == "") {
		return nil, errs.New(errs.Conflict, "No two-factor setup in progress: POST /v2/user/2fa/enable first")
	} else if err != nil {
		return nil, err
	}
	pending := t.PendingMethod
	smsPurpose := ""
	if pending == MethodSMS {
		smsPurpose = smsEnable
	}
	method, err := a.checkCode(ctx, act.User.ID, code, smsPurpose, pending == MethodTOTP)
	if err != nil {
		return nil, err
	}
	if method != pending {
		return nil, errs.Field("code", "is invalid, expired or already used")
	}
	var codes []string
	err = a.store.Tx(ctx, func(q *store.Q) error {
		t, err := q.TwoFactorByUser(ctx, act.User.ID)
		if err != nil {
			return err
		}
		if t.PendingMethod != pending {
			return errs.New(errs.Conflict, "The two-factor setup changed meanwhile; start again")
		}
		now := a.now()
		if pending == MethodTOTP {
			t.TOTPSecret, t.TOTPEnabled = t.PendingSecret, true
		} else {
			t.SMSPhone, t.SMSEnabled = t.PendingPhone, true
		}
		t.PendingMethod, t.PendingSecret, t.PendingPhone, t.UpdatedAt = "", "", "", now
		if t.DefaultMethod == "" {
			t.DefaultMethod = pending
		}
		if codes, err = a.replaceRecoveryCodes(ctx, q, &t, now); err != nil {
			return err
		}
		if err := q.SaveTwoFactor(ctx, t); err != nil {
			return err
		}
		return a.record(ctx, q, act, "", "user.2fa_activate", "user", act.User.ID, map[string]any{"method": pending})
	})
	return codes, err
}

// newRecoveryCode is 100 random bits as 4 groups of 5 base32 letters.
func newRecoveryCode() string {
	var b [13]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("app: crypto/rand failed: " + err.Error())
	}
	s := strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b[:]))[:20]
	return s[0:5] + "-" + s[5:10] + "-" + s[10:15] + "-" + s[15:20]
}

func (a *App) replaceRecoveryCodes(ctx context.Context, q *store.Q, t *store.TwoFactor, now time.Time) ([]string, error) {
	codes := make([]string, recoveryCodeSets)
	ids, hashes := make([]string, len(codes)), make([]string, len(codes))
	for i := range codes {
		codes[i] = newRecoveryCode()
		ids[i], hashes[i] = newID(), recoveryHash(t.UserID, codes[i])
	}
	t.RecoveryGeneratedAt = &now
	return codes, q.ReplaceRecoveryCodes(ctx, t.UserID, ids, hashes, now)
}

// DisableTwoFactor turns two-factor authentication off; it needs the
// password and a valid code (TOTP, SMS sign-in code, or a recovery code).
func (a *App) DisableTwoFactor(ctx context.Context, act *Actor, password, code string) error {
	if err := noImpersonation(act); err != nil {
		return err
	}
	f := errs.Fields{}
	if password == "" {
		f.Add("password", "can't be blank")
	} else if ok, _ := secret.CheckPassword(act.User.PasswordHash, password); !ok {
		f.Add("password", "is incorrect")
	}
	if strings.TrimSpace(code) == "" {
		f.Add("code", "can't be blank")
	}
	if err := f.Err(); err != nil {
		return err
	}
	_, on, err := a.twoFactorOf(ctx, a.store.R(), act.User.ID)
	if err != nil {
		return err
	}
	if !on {
		return errs.New(errs.Conflict, "Two-factor authentication is not on")
	}
	method, err := a.checkCode(ctx, act.User.ID, code, smsSignIn, false)
	if err != nil {
		return err
	}
	if method == "" {
		var ok bool
		if err := a.store.Tx(ctx, func(q *store.Q) error {
			ok, err = q.UseRecoveryCode(ctx, act.User.ID, recoveryHash(act.User.ID, code), a.now())
			return err
		}); err != nil {
			return err
		}
		if !ok {
			return errs.Field("code", "is invalid, expired or already used")
		}
	}
	return a.store.Tx(ctx, func(q *store.Q) error {
		if err := q.DeleteTwoFactor(ctx, act.User.ID); err != nil {
			return err
		}
		return a.record(ctx, q, act, "", "user.2fa_disable", "user", act.User.ID, nil)
	})
}

// SetDefaultTwoFactorMethod picks which active method clients offer first.
func (a *App) SetDefaultTwoFactorMethod(ctx context.Context, act *Actor, method string) (TwoFactorStatus, error) {
	if err := noImpersonation(act); err != nil {
		return TwoFactorStatus{}, err
	}
	var out TwoFactorStatus
	err := a.store.Tx(ctx, func(q *store.Q) error {
		t, on, err := a.twoFactorOf(ctx, q, act.User.ID)
		if err != nil {
			return err
		}
		if method != MethodTOTP && method != MethodSMS {
			return errs.Field("method", "'%s' is not one of: totp, sms", method)
		}
		active := false
		for _, m := range methods(t) {
			active = active || m == method
		}
		if !on || !active {
			return errs.Field("method", "'%s' is not an active two-factor method of yours (active: %s)", method, strings.Join(methods(t), ", "))
		}
		t.DefaultMethod, t.UpdatedAt = method, a.now()
		if err := q.SaveTwoFactor(ctx, t); err != nil {
			return err
		}
		out = TwoFactorStatus{Required: true, Methods: methods(t), DefaultMethod: method}
		return a.record(ctx, q, act, "", "user.2fa_default_method", "user", act.User.ID, map[string]any{"method": method})
	})
	return out, err
}

// RegenerateRecoveryCodes replaces the caller's recovery codes (409 while
// two-factor authentication is off).
func (a *App) RegenerateRecoveryCodes(ctx context.Context, act *Actor) ([]string, time.Time, error) {
	if err := noImpersonation(act); err != nil {
		return nil, time.Time{}, err
	}
	var codes []string
	now := a.now()
	err := a.store.Tx(ctx, func(q *store.Q) error {
		t, on, err := a.twoFactorOf(ctx, q, act.User.ID)
		if err != nil {
			return err
		}
		if !on {
			return errs.New(errs.Conflict, "Two-factor authentication is not on")
		}
		if codes, err = a.replaceRecoveryCodes(ctx, q, &t, now); err != nil {
			return err
		}
		t.UpdatedAt = now
		if err := q.SaveTwoFactor(ctx, t); err != nil {
			return err
		}
		return a.record(ctx, q, act, "", "user.recovery_codes_generate", "user", act.User.ID, nil)
	})
	return codes, now, err
}

// RecoveryCodeStatus counts the caller's recovery codes.
type RecoveryCodeStatus struct {
	Total, Remaining int
	GeneratedAt      *time.Time
	Methods          []string // the active methods, so a client can show them
	DefaultMethod    string
}

// RecoveryCodes reports the caller's recovery codes (never the codes).
func (a *App) RecoveryCodes(ctx context.Context, act *Actor) (RecoveryCodeStatus, error) {
	t, _, err := a.twoFactorOf(ctx, a.store.R(), act.User.ID)
	if err != nil {
		return RecoveryCodeStatus{}, err
	}
	total, remaining, err := a.store.R().CountRecoveryCodes(ctx, act.User.ID)
	return RecoveryCodeStatus{Total: total, Remaining: remaining, GeneratedAt: t.RecoveryGeneratedAt,
		Methods: methods(t), DefaultMethod: defaultMethod(t)}, err
}
