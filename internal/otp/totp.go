// Package otp implements time-based one-time passwords (RFC 6238 over the
// HOTP of RFC 4226): HMAC-SHA-1, 30-second steps, 6 digits, the step before
// and after accepted for clock drift. Callers remember the last step they
// accepted so that a code works only once.
package otp

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1"
	"crypto/subtle"
	"encoding/base32"
	"encoding/binary"
	"fmt"
	"net/url"
	"strings"
	"time"
)

// Parameters of the codes Perimeter issues (what authenticator apps assume).
const (
	Period = 30 // seconds per step
	Digits = 6
	Skew   = 1 // steps accepted either side of now
)

var b32 = base32.StdEncoding.WithPadding(base32.NoPadding)

// NewSecret returns a random 160-bit secret in base32 without padding, the
// form authenticator apps take.
func NewSecret() string {
	var b [20]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("otp: crypto/rand failed: " + err.Error())
	}
	return b32.EncodeToString(b[:])
}

// DecodeSecret parses a base32 secret (case, spaces and padding ignored).
func DecodeSecret(s string) ([]byte, error) {
	s = strings.ToUpper(strings.ReplaceAll(strings.TrimRight(s, "="), " ", ""))
	k, err := b32.DecodeString(s)
	if err != nil || len(k) == 0 {
		return nil, fmt.Errorf("otp: secret is not base32")
	}
	return k, nil
}

// Step is the RFC 6238 counter of t.
func Step(t time.Time) int64 { return t.Unix() / Period }

// HOTP is the RFC 4226 value of key at counter, in digits digits.
func HOTP(key []byte, counter int64, digits int) string {
	var msg [8]byte
	binary.BigEndian.PutUint64(msg[:], uint64(counter))
	m := hmac.New(sha1.New, key)
	m.Write(msg[:])
	sum := m.Sum(nil)
	off := sum[len(sum)-1] & 0x0f
	v := binary.BigEndian.Uint32(sum[off:off+4]) & 0x7fffffff
	mod := uint32(1)
	for range digits {
		mod *= 10
	}
	return fmt.Sprintf("%0*d", digits, v%mod)
}

// Code is the 6-digit code of key at time t.
func Code(key []byte, t time.Time) string { return HOTP(key, Step(t), Digits) }

// Verify checks code against key at now, accepting Skew steps either side,
// but only steps after lastStep (0: none yet): a code, once accepted, is
// refused for the rest of its window. It returns the matching step. Every
// candidate is compared in constant time.
func Verify(key []byte, code string, now time.Time, lastStep int64) (int64, bool) {
	code = strings.TrimSpace(code)
	if len(code) != Digits {
		return 0, false
	}
	cur := Step(now)
	var found int64
	for s := cur - Skew; s <= cur+Skew; s++ {
		if subtle.ConstantTimeCompare([]byte(HOTP(key, s, Digits)), []byte(code)) == 1 && s > lastStep && found == 0 {
			found = s
		}
	}
	return found, found != 0
}

// URL is the otpauth:// URI authenticator apps import (usually from a QR code).
func URL(issuer, account, secret string) string {
	label := url.PathEscape(issuer + ":" + account)
	v := url.Values{}
	v.Set("secret", secret)
	v.Set("issuer", issuer)
	v.Set("algorithm", "SHA1")
	v.Set("digits", fmt.Sprint(Digits))
	v.Set("period", fmt.Sprint(Period))
	return "otpauth://totp/" + label + "?" + v.Encode()
}
