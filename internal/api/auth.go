package api

import (
	"time"

	"github.com/perimeterhq/perimeter/internal/app"
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

	ImpersonatorID string `json:"impersonator_id,omitempty" doc:"set when the session impersonates user on behalf of this user"`
}

func (a *API) signIn(c *Ctx, in *signInRequest) (*signInResponse, error) {
	res, err := a.app.SignInWith(c.Context(), c.Key, app.Credentials{Username: in.Username, Password: in.Password, OTPCode: in.OTPCode})
	if err != nil {
		return nil, err
	}
	return sessionOut(res), nil
}

func (a *API) signOut(c *Ctx, _ *NoBody) (*Empty, error) {
	return nil, a.app.SignOut(c.Context(), c.Actor)
}

// signInThrottleDoc is the throttling rule as the OpenAPI document states it
// (app.Config's Lockout* settings; the numbers are the defaults).
const signInThrottleDoc = "Failed sign-ins are counted per username and client address (IPv4 address or IPv6 /64), for unknown usernames " +
	"exactly as for known ones. After 5 failures of a username from one address, each further try from that address must wait: " +
	"30 s after the 5th failure, doubling with each further failure, at most 15 min. Until then tries from that address are " +
	"answered 429 with Retry-After, without checking the password. Other addresses are not affected: the right password from an " +
	"address without recent failures signs in, so failing on purpose cannot lock an account out. A successful sign-in clears " +
	"its address's count; failures are forgotten 15 min after the last one or the end of a wait."
