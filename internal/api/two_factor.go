package api

import (
	"time"
)

// Two-factor authentication of the current user (§2.15).

type enable2FARequest struct {
	Method string `json:"method" enum:"totp,sms"`
	Phone  string `json:"phone,omitempty" doc:"sms: E.164 number (default: the profile's phone)"`
	Code   string `json:"code,omitempty" doc:"a current code, required while two-factor authentication is on (to change or add a method)"`
}

type enable2FAResponse struct {
	Method      string     `json:"method"`
	Secret      string     `json:"secret,omitempty" doc:"totp: base32 secret, shown only now"`
	OTPAuthURL  string     `json:"otpauth_url,omitempty" doc:"totp: otpauth:// URI for authenticator apps"`
	QRPNGBase64 string     `json:"qr_png_base64,omitempty" doc:"totp: the URI as a QR code (PNG, base64)"`
	Phone       string     `json:"phone,omitempty" doc:"sms: masked number the code went to"`
	ExpiresAt   *time.Time `json:"expires_at,omitempty" doc:"sms: when the code expires"`
}

func (a *API) enable2FA(c *Ctx, in *enable2FARequest) (*enable2FAResponse, error) {
	s, err := a.app.EnableTwoFactor(c.Context(), c.Actor, in.Method, in.Phone, in.Code)
	if err != nil {
		return nil, err
	}
	out := &enable2FAResponse{Method: s.Method, Secret: s.Secret, OTPAuthURL: s.URL, QRPNGBase64: s.QRPNG, Phone: s.Phone}
	if !s.CodeExpiry.IsZero() {
		out.ExpiresAt = &s.CodeExpiry
	}
	return out, nil
}

type codeRequest struct {
	Code string `json:"code" doc:"6-digit code from the authenticator app or the SMS"`
}

type recoveryCodesResponse struct {
	RecoveryCodes []string   `json:"recovery_codes" doc:"each works once; shown only now"`
	GeneratedAt   *time.Time `json:"generated_at,omitempty"`
}

func (a *API) verify2FA(c *Ctx, in *codeRequest) (*recoveryCodesResponse, error) {
	codes, err := a.app.VerifyTwoFactor(c.Context(), c.Actor, in.Code)
	if err != nil {
		return nil, err
	}
	return &recoveryCodesResponse{RecoveryCodes: codes}, nil
}

type disable2FARequest struct {
	Password string `json:"password"`
	Code     string `json:"code" doc:"a current TOTP or SMS code, or a recovery code"`
}

func (a *API) disable2FA(c *Ctx, in *disable2FARequest) (*Empty, error) {
	return nil, a.app.DisableTwoFactor(c.Context(), c.Actor, in.Password, in.Code)
}

type lookupPhoneRequest struct {
	Phone string `json:"phone"`
}

type lookupPhoneResponse struct {
	Valid   bool   `json:"valid"`
	E164    string `json:"e164" doc:"the number in E.164 form (\"\" when invalid)"`
	Country string `json:"country" doc:"ISO 3166-1 alpha-2 of the calling code's country"`
}

func (a *API) lookupPhone(c *Ctx, in *lookupPhoneRequest) (*lookupPhoneResponse, error) {
	p, err := a.app.LookupPhone(in.Phone)
	if err != nil {
		return nil, err
	}
	return &lookupPhoneResponse{Valid: p.Valid, E164: p.E164, Country: p.Country}, nil
}

type defaultMethodRequest struct {
	Method string `json:"method" enum:"totp,sms"`
}

func (a *API) setDefault2FAMethod(c *Ctx, in *defaultMethodRequest) (*check2FAResponse, error) {
	st, err := a.app.SetDefaultTwoFactorMethod(c.Context(), c.Actor, in.Method)
	if err != nil {
		return nil, err
	}
	return &check2FAResponse{TwoFactorRequired: st.Required, Methods: st.Methods, DefaultMethod: st.DefaultMethod}, nil
}

func (a *API) regenerateRecoveryCodes(c *Ctx, _ *NoBody) (*recoveryCodesResponse, error) {
	codes, at, err := a.app.RegenerateRecoveryCodes(c.Context(), c.Actor)
	if err != nil {
		return nil, err
	}
	return &recoveryCodesResponse{RecoveryCodes: codes, GeneratedAt: &at}, nil
}

type recoveryStatusResponse struct {
	Total         int        `json:"total"`
	Remaining     int        `json:"remaining"`
	GeneratedAt   *time.Time `json:"generated_at"`
	Methods       []string   `json:"methods" doc:"ours: the caller's active two-factor methods (totp, sms)"`
	DefaultMethod string     `json:"default_method" doc:"ours: \"\" when two-factor authentication is off"`
}

func (a *API) recoveryCodesStatus(c *Ctx, _ *NoBody) (*recoveryStatusResponse, error) {
	s, err := a.app.RecoveryCodes(c.Context(), c.Actor)
	if err != nil {
		return nil, err
	}
	ms := s.Methods
	if ms == nil {
		ms = []string{}
	}
	return &recoveryStatusResponse{Total: s.Total, Remaining: s.Remaining, GeneratedAt: s.GeneratedAt, Methods: ms,
		DefaultMethod: s.DefaultMethod}, nil
}
