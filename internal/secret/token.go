// Package secret generates and verifies the platform's secrets: opaque tokens
// (API keys, sessions, access tokens, one-time tokens), their at-rest hashes, and
// argon2id password hashes. Nothing here logs or stores a secret in clear.
package secret

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
)

// Token prefixes make leaked secrets recognisable by secret scanners and tell
// humans which kind of credential they hold.
const (
	PrefixAPIKey      = "pmk_"
	PrefixSession     = "pms_"
	PrefixAccessToken = "pmt_"
	PrefixOneTime     = "pmo_"
	PrefixScanner     = "pma_"
)

// NewToken returns a prefixed random token with 256 bits of entropy.
func NewToken(prefix string) string {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("secret: crypto/rand failed: " + err.Error()) // never returns an error on Linux
	}
	return prefix + base64.RawURLEncoding.EncodeToString(b[:])
}

// Hash returns the at-rest form of a high-entropy token: hex SHA-256. Slow
// hashing is unnecessary for 256-bit random tokens, and a fast hash lets the
// store look tokens up by hash.
func Hash(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// Equal compares two secrets in constant time.
func Equal(a, b string) bool {
	return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

// NewPassword returns a strong random password (for first-run admin accounts).
func NewPassword() string {
	var b [18]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("secret: crypto/rand failed: " + err.Error())
	}
	return base64.RawURLEncoding.EncodeToString(b[:])
}
