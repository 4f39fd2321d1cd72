package api

// authRoutes registers sign-in and sign-out, confirmation, invitation, password reset and
// impersonation (§2.1).
func (a *API) authRoutes() {
	Handle(a, Op{Method: "POST", Path: "/auth/sign_in", Tag: "Authentication", Auth: AuthKey,
		Summary: "Sign in with username and password (failures throttled per username and client address)",
		MaxBody: 16 << 10, Description: signInThrottleDoc + " " + signIn2FADoc}, a.signIn)
	Handle(a, Op{Method: "DELETE", Path: "/auth/sign_out", Tag: "Authentication",
		Summary: "Revoke the bearer session"}, a.signOut)
	Handle(a, Op{Method: "POST", Path: "/auth/sign_in_with_recovery_code", Tag: "Authentication",
		Summary: "Sign in with password and a recovery code (each code works once)",
		Auth:    AuthKey}, a.signInWithRecoveryCode)
	Handle(a, Op{Method: "POST", Path: "/auth/check_2fa", Tag: "Authentication", Auth: AuthKey,
		Summary: "Check credentials and whether a second factor is needed"}, a.check2FA)
	Handle(a, Op{Method: "POST", Path: "/auth/send_sms_otp", Tag: "Authentication", Auth: AuthKey,
		Summary: "Send a sign-in code by SMS (at most 1 per 30 s and 5 per hour; " +
			"codes expire in 5 min)"}, a.sendSMSOTP)
	Handle(a, Op{Method: "GET", Path: "/auth/confirmation", Tag: "Authentication", Auth: AuthKey,
		Summary: "Check a confirmation token (404 if unknown, expired or used)",
		Query:   confirmationTokenQuery}, a.confirmationInfo)
	Handle(a, Op{Method: "POST", Path: "/auth/confirmation", Tag: "Authentication", Auth: AuthKey,
		Summary: "Confirm an account (and set its password)"}, a.confirm)
	Handle(a, Op{Method: "GET", Path: "/auth/invitation", Tag: "Authentication", Auth: AuthKey,
		Summary: "Check an invitation token before accepting it",
		Query: []Param{
			{Name: "invitation_token", Doc: "the token from the invitation e-mail", Required: true},
		}}, a.invitationInfo)
	Handle(a, Op{Method: "POST", Path: "/auth/invitation/accept", Tag: "Authentication", Auth: AuthKey,
		Summary: "Accept an invitation: set password and name, sign in"}, a.acceptInvitation)
	Handle(a, Op{Method: "POST", Path: "/auth/password/forgot", Tag: "Authentication", Auth: AuthKey,
		Summary: "E-mail a password reset link (always 202: reveals no account)",
		Status:  202}, a.forgotPassword)
	Handle(a, Op{Method: "PUT", Path: "/auth/password/reset", Tag: "Authentication", Auth: AuthKey,
		Summary: "Set a new password with a reset token " +
			"(single-use, 1 h); every session is signed out"}, a.resetPassword)
	Handle(a, Op{Method: "POST", Path: "/auth/impersonate/{user_id}", Tag: "Authentication",
		Summary: "Act as a user you manage (admins of an ancestor organization, " +
			"superadmins); audited with the impersonator"}, a.impersonate)
	Handle(a, Op{Method: "DELETE", Path: "/auth/impersonate", Tag: "Authentication",
		Summary: "End impersonation; returns a session of the impersonator"}, a.stopImpersonating)
	Handle(a, Op{Method: "POST", Path: "/auth/sso_link", Tag: "Authentication", Auth: AuthKey,
		Summary: "Sign in with a one-time SSO token (5 min) from POST /v2/users/{id}/sso_link"}, a.ssoSignIn)
}

// currentUserRoutes registers the caller's own account, access token and two-factor set-up (§2.15).
func (a *API) currentUserRoutes() {
	Handle(a, Op{Method: "GET", Path: "/v2/user", Tag: "Current user",
		Summary: "Current user"}, a.getMe)
	Handle(a, Op{Method: "PUT", Path: "/v2/user", Tag: "Current user",
		Summary: "Update name, phone, timezone, locale"}, a.updateMe)
	Handle(a, Op{Method: "PUT", Path: "/v2/user/password", Tag: "Current user",
		Summary: "Change password (other sessions are revoked)"}, a.changePassword)
	Handle(a, Op{Method: "PUT", Path: "/v2/user/generate_access_token", Tag: "Current user",
		Summary: "New long-lived access token (shown once; replaces the old)"}, a.generateAccessToken)
	Handle(a, Op{Method: "DELETE", Path: "/v2/user/access_token", Tag: "Current user",
		Summary: "Revoke the access token"}, a.revokeAccessToken)
	Handle(a, Op{Method: "GET", Path: "/v2/user/validate_token", Tag: "Current user",
		Summary: "Check the Authorization is valid"}, a.validateToken)
	Handle(a, Op{Method: "GET", Path: "/v2/user/permissions", Tag: "Current user",
		Summary: "The caller's permissions (resource:action)"}, a.permissions)
	Handle(a, Op{Method: "POST", Path: "/v2/user/2fa/enable", Tag: "Current user",
		Summary: "Start setting up two-factor authentication (TOTP: " +
			"secret and QR code; SMS: a code is sent)"}, a.enable2FA)
	Handle(a, Op{Method: "POST", Path: "/v2/user/2fa/verify", Tag: "Current user",
		Summary: "Activate the method being set up with a valid code; " +
			"returns 10 recovery codes (shown once)"}, a.verify2FA)
	Handle(a, Op{Method: "DELETE", Path: "/v2/user/2fa", Tag: "Current user",
		Summary: "Turn two-factor authentication off (password and a valid code)"}, a.disable2FA)
	Handle(a, Op{Method: "POST", Path: "/v2/user/2fa/lookup_phone", Tag: "Current user",
		Summary: "Check a phone number (E.164, calling code)"}, a.lookupPhone)
	Handle(a, Op{Method: "PUT", Path: "/v2/user/2fa/default_method", Tag: "Current user",
		Summary: "Choose the default two-factor method"}, a.setDefault2FAMethod)
	Handle(a, Op{Method: "POST", Path: "/v2/user/2fa/recovery_codes", Tag: "Current user",
		Summary: "New recovery codes (the old set is void; shown once)"}, a.regenerateRecoveryCodes)
	Handle(a, Op{Method: "GET", Path: "/v2/user/2fa/recovery_codes", Tag: "Current user",
		Summary: "How many recovery codes remain"}, a.recoveryCodesStatus)
}
