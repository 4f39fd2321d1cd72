package secret

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
)

// deriveMACKey separates the MAC key from the encryption key, so one never
// serves as the other.
func deriveMACKey(key []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte("perimeter mac key v1"))
	return m.Sum(nil)
}

// MAC returns hex HMAC-SHA-256 of msg under a key derived from the Box's:
// the at-rest form of low-entropy secrets (6-digit SMS codes), which a plain
// hash would not protect from someone holding only the database.
func (b *Box) MAC(msg string) string {
	m := hmac.New(sha256.New, b.macKey)
	m.Write([]byte(msg))
	return hex.EncodeToString(m.Sum(nil))
}
