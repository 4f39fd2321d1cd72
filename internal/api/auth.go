package api

import (
	"time"
)

type signInRequest struct {
	Username string `json:"username" doc:"e-mail address"`
	Password string `json:"password"`
	OTPCode  string `json:"otp_code,omitempty" doc:"one-time code when two-factor authentication is on"`
}

type signInResponse struct {
	Token     string    `json:"token" doc:"session token: send as Authorization: Bearer <token>"`
	ExpiresAt time.Time `json:"expires_at"`
	User      UserView  `json:"user"`
}

func (a *API) signIn(c *Ctx, in *signInRequest) (*signInResponse, error) {
	res, err := a.app.SignIn(c.Context(), c.Key, in.Username, in.Password)
	if err != nil {
		return nil, err
	}
	return &signInResponse{Token: res.Token, ExpiresAt: res.ExpiresAt, User: userView(res.User)}, nil
}

func (a *API) signOut(c *Ctx, _ *NoBody) (*Empty, error) {
	return nil, a.app.SignOut(c.Context(), c.Actor)
}
