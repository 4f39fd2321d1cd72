package api

import (
	"time"

	"github.com/perimeterhq/perimeter/internal/user"
)

type userEnvelope struct {
	User UserView `json:"user"`
}

func (a *API) getMe(c *Ctx, _ *NoBody) (*userEnvelope, error) {
	u, err := a.app.Me(c.Context(), c.Actor)
	if err != nil {
		return nil, err
	}
	return &userEnvelope{userView(u)}, nil
}

type updateMeRequest struct {
	FirstName *string `json:"first_name,omitempty"`
	LastName  *string `json:"last_name,omitempty"`
	Phone     *string `json:"phone,omitempty"`
	Timezone  *string `json:"timezone,omitempty" doc:"IANA time zone, e.g. Europe/Berlin"`
	Locale    *string `json:"locale,omitempty"`
}

func (a *API) updateMe(c *Ctx, in *updateMeRequest) (*userEnvelope, error) {
	u, err := a.app.UpdateSelf(c.Context(), c.Actor, user.Update{FirstName: in.FirstName, LastName: in.LastName,
		Phone: in.Phone, Timezone: in.Timezone, Locale: in.Locale})
	if err != nil {
		return nil, err
	}
	return &userEnvelope{userView(u)}, nil
}

type changePasswordRequest struct {
	CurrentPassword      string  `json:"current_password"`
	Password             string  `json:"password"`
	PasswordConfirmation *string `json:"password_confirmation,omitempty"`
}

type messageBody struct {
	Message string `json:"message"`
}

func (a *API) changePassword(c *Ctx, in *changePasswordRequest) (*messageBody, error) {
	if err := a.app.ChangePassword(c.Context(), c.Actor, in.CurrentPassword, in.Password, in.PasswordConfirmation); err != nil {
		return nil, err
	}
	return &messageBody{Message: "Password changed; other sessions were signed out"}, nil
}

type accessTokenResponse struct {
	AccessToken string    `json:"access_token" doc:"send as Authorization: Basic <access_token>; shown only now"`
	CreatedAt   time.Time `json:"created_at"`
}

func (a *API) generateAccessToken(c *Ctx, _ *NoBody) (*accessTokenResponse, error) {
	tok, at, err := a.app.GenerateAccessToken(c.Context(), c.Actor)
	if err != nil {
		return nil, err
	}
	return &accessTokenResponse{AccessToken: tok, CreatedAt: at}, nil
}

func (a *API) revokeAccessToken(c *Ctx, _ *NoBody) (*Empty, error) {
	return nil, a.app.RevokeAccessToken(c.Context(), c.Actor)
}

type validateTokenResponse struct {
	Valid     bool       `json:"valid"`
	Type      string     `json:"type" enum:"session,access_token"`
	ExpiresAt *time.Time `json:"expires_at" doc:"null for access tokens, which do not expire"`
}

func (a *API) validateToken(c *Ctx, _ *NoBody) (*validateTokenResponse, error) {
	return &validateTokenResponse{Valid: true, Type: c.Actor.Via, ExpiresAt: c.Actor.ExpiresAt}, nil
}

type permissionsResponse struct {
	Role        string   `json:"role"`
	Permissions []string `json:"permissions" doc:"resource:action"`
	Operations  []string `json:"operations" doc:"the operations (METHOD /path) the role may call, from the permission matrix"`
}

func (a *API) permissions(c *Ctx, _ *NoBody) (*permissionsResponse, error) {
	return &permissionsResponse{Role: c.Actor.User.Role, Permissions: user.Permissions(c.Actor.User.Role),
		Operations: user.CallableOperations(c.Actor.User.Role)}, nil
}
