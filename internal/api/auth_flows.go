package api

import (
	"time"

	"github.com/perimeterhq/perimeter/internal/app"
)

// Authentication flows besides sign-in (§2.1): confirmation, invitations,
// password reset, SSO links and impersonation.

// signIn2FADoc is the two-factor step of sign-in as the OpenAPI document states it.
const signIn2FADoc = "With two-factor authentication on, the right password without a valid otp_code (a TOTP code, or an SMS code from " +
	"POST /auth/send_sms_otp) is answered 401 with the error body plus {\"two_factor_required\": true, \"methods\": [\"totp\"|\"sms\"], " +
	"\"default_method\": ...} [CG]. A code works once. After 5 wrong codes in a row the user's codes are refused (429 with Retry-After) " +
	"for 15 min after the last. POST /auth/sign_in_with_recovery_code takes a recovery code instead."

func sessionOut(res app.SignInResult) *signInResponse {
	return &signInResponse{Token: res.Token, ExpiresAt: res.ExpiresAt, User: userView(res.User), ImpersonatorID: res.ImpersonatorID}
}

type recoverySignInRequest struct {
	Username     string `json:"username" doc:"e-mail address"`
	Password     string `json:"password"`
	RecoveryCode string `json:"recovery_code" doc:"one of the recovery codes shown when two-factor authentication was verified; each works once"`
}

func (a *API) signInWithRecoveryCode(c *Ctx, in *recoverySignInRequest) (*signInResponse, error) {
	res, err := a.app.SignInWith(c.Context(), c.Key, app.Credentials{Username: in.Username, Password: in.Password,
		RecoveryCode: in.RecoveryCode, UseRecovery: true})
	if err != nil {
		return nil, err
	}
	return sessionOut(res), nil
}

type credentialsRequest struct {
	Username string `json:"username" doc:"e-mail address"`
	Password string `json:"password"`
}

type check2FAResponse struct {
	TwoFactorRequired bool     `json:"two_factor_required"`
	Methods           []string `json:"methods" doc:"active methods: totp, sms"`
	DefaultMethod     string   `json:"default_method" doc:"\"\" when two-factor authentication is off"`
}

func (a *API) check2FA(c *Ctx, in *credentialsRequest) (*check2FAResponse, error) {
	st, err := a.app.CheckTwoFactor(c.Context(), c.Key, in.Username, in.Password)
	if err != nil {
		return nil, err
	}
	return &check2FAResponse{TwoFactorRequired: st.Required, Methods: st.Methods, DefaultMethod: st.DefaultMethod}, nil
}

type smsSentResponse struct {
	Sent      bool      `json:"sent"`
	Phone     string    `json:"phone" doc:"masked number the code went to"`
	ExpiresAt time.Time `json:"expires_at"`
}

func (a *API) sendSMSOTP(c *Ctx, in *credentialsRequest) (*smsSentResponse, error) {
	s, err := a.app.SendSignInSMS(c.Context(), c.Key, in.Username, in.Password)
	if err != nil {
		return nil, err
	}
	return &smsSentResponse{Sent: true, Phone: s.Phone, ExpiresAt: s.ExpiresAt}, nil
}

type confirmationInfoResponse struct {
	Email         string `json:"email"`
	FirstName     string `json:"first_name"`
	NeedsPassword bool   `json:"needs_password" doc:"the user has no password yet: POST /auth/confirmation must set one"`
}

var confirmationTokenQuery = []Param{{Name: "confirmation_token", Doc: "the token from the confirmation e-mail", Required: true}}

func (a *API) confirmationInfo(c *Ctx, _ *NoBody) (*confirmationInfoResponse, error) {
	info, err := a.app.ConfirmationInfo(c.Context(), c.Key, c.Query("confirmation_token"))
	if err != nil {
		return nil, err
	}
	return &confirmationInfoResponse{Email: info.Email, FirstName: info.FirstName, NeedsPassword: info.NeedsPassword}, nil
}

type confirmRequest struct {
	ConfirmationToken    string  `json:"confirmation_token"`
	Password             string  `json:"password,omitempty" doc:"required when the user has no password yet"`
	PasswordConfirmation *string `json:"password_confirmation,omitempty"`
}

type confirmedResponse struct {
	Confirmed bool     `json:"confirmed"`
	User      UserView `json:"user"`
}

func (a *API) confirm(c *Ctx, in *confirmRequest) (*confirmedResponse, error) {
	u, err := a.app.Confirm(c.Context(), c.Key, in.ConfirmationToken, in.Password, in.PasswordConfirmation)
	if err != nil {
		return nil, err
	}
	return &confirmedResponse{Confirmed: true, User: userView(u)}, nil
}

type invitationOrg struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

type invitationInfoResponse struct {
	Valid        bool           `json:"valid" doc:"false for unknown, expired or used tokens (then nothing else is set)"`
	Email        string         `json:"email,omitempty"`
	Organization *invitationOrg `json:"organization,omitempty"`
	ExpiresAt    *time.Time     `json:"expires_at,omitempty"`
}

func (a *API) invitationInfo(c *Ctx, _ *NoBody) (*invitationInfoResponse, error) {
	info, err := a.app.InvitationInfo(c.Context(), c.Key, c.Query("invitation_token"))
	if err != nil {
		return nil, err
	}
	if !info.Valid {
		return &invitationInfoResponse{}, nil
	}
	exp := info.ExpiresAt
	return &invitationInfoResponse{Valid: true, Email: info.Email, ExpiresAt: &exp,
		Organization: &invitationOrg{ID: info.Organization.ID, Name: info.Organization.Name}}, nil
}

type acceptInvitationRequest struct {
	InvitationToken      string  `json:"invitation_token"`
	Password             string  `json:"password"`
	PasswordConfirmation *string `json:"password_confirmation,omitempty"`
	FirstName            string  `json:"first_name,omitempty" doc:"required unless the invitation named the user"`
	LastName             string  `json:"last_name,omitempty"`
}

func (a *API) acceptInvitation(c *Ctx, in *acceptInvitationRequest) (*signInResponse, error) {
	res, err := a.app.AcceptInvitation(c.Context(), c.Key, in.InvitationToken, in.Password, in.PasswordConfirmation, in.FirstName, in.LastName)
	if err != nil {
		return nil, err
	}
	return sessionOut(res), nil
}

type forgotPasswordRequest struct {
	Email string `json:"email"`
}

func (a *API) forgotPassword(c *Ctx, in *forgotPasswordRequest) (*messageBody, error) {
	if err := a.app.ForgotPassword(c.Context(), c.Key, in.Email); err != nil {
		return nil, err
	}
	return &messageBody{Message: "If the address belongs to an account, a reset link is on its way"}, nil
}

type resetPasswordRequest struct {
	ResetPasswordToken   string  `json:"reset_password_token"`
	Password             string  `json:"password"`
	PasswordConfirmation *string `json:"password_confirmation,omitempty"`
}

func (a *API) resetPassword(c *Ctx, in *resetPasswordRequest) (*messageBody, error) {
	if err := a.app.ResetPassword(c.Context(), c.Key, in.ResetPasswordToken, in.Password, in.PasswordConfirmation); err != nil {
		return nil, err
	}
	return &messageBody{Message: "Password changed; every session was signed out"}, nil
}

func (a *API) impersonate(c *Ctx, _ *NoBody) (*signInResponse, error) {
	res, err := a.app.Impersonate(c.Context(), c.Actor, c.Path("user_id"))
	if err != nil {
		return nil, err
	}
	return sessionOut(res), nil
}

func (a *API) stopImpersonating(c *Ctx, _ *NoBody) (*signInResponse, error) {
	res, err := a.app.StopImpersonating(c.Context(), c.Actor)
	if err != nil {
		return nil, err
	}
	return sessionOut(res), nil
}

type ssoSignInRequest struct {
	SSOToken string `json:"sso_token"`
}

func (a *API) ssoSignIn(c *Ctx, in *ssoSignInRequest) (*signInResponse, error) {
	res, err := a.app.SSOSignIn(c.Context(), c.Key, in.SSOToken)
	if err != nil {
		return nil, err
	}
	return sessionOut(res), nil
}

type inviteRequest struct {
	Email          string `json:"email"`
	OrganizationID string `json:"organization_id,omitempty" doc:"defaults to the caller's organization"`
	Role           string `json:"role,omitempty" enum:"superadmin,admin,user,read_only" doc:"defaults to user"`
	FirstName      string `json:"first_name,omitempty"`
	LastName       string `json:"last_name,omitempty"`
}

func (a *API) inviteUser(c *Ctx, in *inviteRequest) (*userEnvelope, error) {
	u, err := a.app.Invite(c.Context(), c.Actor, app.Invitation{Email: in.Email, OrganizationID: in.OrganizationID, Role: in.Role,
		FirstName: in.FirstName, LastName: in.LastName})
	if err != nil {
		return nil, err
	}
	return &userEnvelope{userView(u)}, nil
}

func (a *API) resendConfirmation(c *Ctx, _ *NoBody) (*messageBody, error) {
	if err := a.app.ResendConfirmation(c.Context(), c.Actor, c.Path("id")); err != nil {
		return nil, err
	}
	return &messageBody{Message: "Confirmation instructions sent"}, nil
}

type ssoLinkResponse struct {
	SSOToken  string    `json:"sso_token" doc:"one-time login token for POST /auth/sso_link; shown only now"`
	URL       string    `json:"url,omitempty" doc:"console link carrying the token, when the server knows its console URL"`
	ExpiresAt time.Time `json:"expires_at"`
}

func (a *API) issueSSOLink(c *Ctx, _ *NoBody) (*ssoLinkResponse, error) {
	l, err := a.app.IssueSSOLink(c.Context(), c.Actor, c.Path("id"))
	if err != nil {
		return nil, err
	}
	return &ssoLinkResponse{SSOToken: l.Token, URL: l.URL, ExpiresAt: l.ExpiresAt}, nil
}
