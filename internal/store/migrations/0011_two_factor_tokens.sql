-- Identity: two-factor authentication (TOTP, SMS), recovery codes, SMS codes
-- and the development SMS outbox; account e-mails (confirmation, invitation,
-- password reset) through the e-mail queue of 0009.

-- One row per user who started setting up 2FA. Secrets are sealed with the
-- server's secret key (AES-GCM); nothing here is a usable secret in clear.
CREATE TABLE two_factor (
    user_id              TEXT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    totp_secret          TEXT NOT NULL DEFAULT '',  -- sealed; active once totp_enabled
    totp_enabled         BOOLEAN NOT NULL DEFAULT FALSE,
    totp_last_step       BIGINT NOT NULL DEFAULT 0, -- last accepted 30 s step: a code works once
    sms_phone            TEXT NOT NULL DEFAULT '',  -- E.164; active once sms_enabled
    sms_enabled          BOOLEAN NOT NULL DEFAULT FALSE,
    pending_method       TEXT NOT NULL DEFAULT '',  -- totp|sms being set up, until /verify
    pending_secret       TEXT NOT NULL DEFAULT '',  -- sealed TOTP secret being set up
    pending_phone        TEXT NOT NULL DEFAULT '',
    default_method       TEXT NOT NULL DEFAULT '',
    otp_failures         INTEGER NOT NULL DEFAULT 0, -- wrong codes in a row (throttled)
    otp_failed_at        BIGINT NOT NULL DEFAULT 0,
    recovery_generated_at BIGINT,
    updated_at           BIGINT NOT NULL
);

-- Recovery codes: SHA-256 of a 100-bit random code, each usable once.
CREATE TABLE recovery_codes (
    id         TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code_hash  TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    used_at    BIGINT
);
CREATE INDEX recovery_codes_user ON recovery_codes (user_id);

-- SMS one-time codes: keyed hash (HMAC with the server key), 5 minutes, once.
-- Rows also serve the per-user send rate limit.
CREATE TABLE sms_codes (
    id         TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    purpose    TEXT NOT NULL,   -- sign_in | enable
    phone      TEXT NOT NULL,
    code_hash  TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at    BIGINT
);
CREATE INDEX sms_codes_user ON sms_codes (user_id, created_at);

-- What the development SMS provider "sends": kept here for the operator and
-- tests to read. The Twilio-compatible provider never writes here.
CREATE TABLE sms_outbox (
    id         TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL DEFAULT '',
    to_phone   TEXT NOT NULL,
    body       TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX sms_outbox_to ON sms_outbox (to_phone, created_at);

-- Account e-mails share the queue of notification e-mails: kind says which,
-- and sealed_link carries the one-time link (sealed with the server key)
-- until the e-mail is sent, when it is wiped.
ALTER TABLE email_messages ADD COLUMN kind TEXT NOT NULL DEFAULT 'event';
ALTER TABLE email_messages ADD COLUMN sealed_link TEXT NOT NULL DEFAULT '';
