package secret

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// KeySize is the length of a Box key: AES-256.
const KeySize = 32

// boxVersion prefixes sealed values so a later key rotation can tell formats
// (and keys) apart.
const boxVersion = "v1:"

// ErrOpen is returned when a sealed value cannot be decrypted: it was sealed
// with another key, or it was altered.
var ErrOpen = errors.New("secret: cannot decrypt (wrong key or corrupted value)")

// Box encrypts recoverable secrets at rest (webhook signing secrets, SMTP
// credentials) with AES-256-GCM. Unlike tokens, these must be read back in
// clear to be used, so hashing is not an option.
type Box struct {
	aead   cipher.AEAD
	macKey []byte // derived from the key; see MAC
}

// NewBox returns a Box for a 32-byte key; it returns an error for any other
// length.
func NewBox(key []byte) (*Box, error) {
	if len(key) != KeySize {
		return nil, fmt.Errorf("secret: key must be %d bytes, got %d", KeySize, len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &Box{aead: aead, macKey: deriveMACKey(key)}, nil
}

// NewKey returns a random Box key.
func NewKey() []byte {
	k := make([]byte, KeySize)
	if _, err := rand.Read(k); err != nil {
		panic("secret: crypto/rand failed: " + err.Error())
	}
	return k
}

// Seal encrypts plaintext with a fresh random nonce; the result is printable
// text fit for a TEXT column.
func (b *Box) Seal(plaintext string) string {
	nonce := make([]byte, b.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		panic("secret: crypto/rand failed: " + err.Error())
	}
	out := b.aead.Seal(nonce, nonce, []byte(plaintext), nil)
	return boxVersion + base64.RawStdEncoding.EncodeToString(out)
}

// Open decrypts a value made by Seal; it returns ErrOpen when the value was
// sealed with another key or altered.
func (b *Box) Open(sealed string) (string, error) {
	raw, ok := strings.CutPrefix(sealed, boxVersion)
	if !ok {
		return "", ErrOpen
	}
	data, err := base64.RawStdEncoding.DecodeString(raw)
	n := b.aead.NonceSize()
	if err != nil || len(data) < n {
		return "", ErrOpen
	}
	plain, err := b.aead.Open(nil, data[:n], data[n:], nil)
	if err != nil {
		return "", ErrOpen
	}
	return string(plain), nil
}

// ParseKey decodes a key given as base64 (standard or URL alphabet, padded or
// not) or 64 hex digits.
func ParseKey(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if k, err := enc.DecodeString(s); err == nil && len(k) == KeySize {
			return k, nil
		}
	}
	if k, err := hex.DecodeString(s); err == nil && len(k) == KeySize {
		return k, nil
	}
	return nil, fmt.Errorf("secret: a key is %d bytes in base64 or hex", KeySize)
}

// LoadOrCreateKeyFile reads a key file, creating it (mode 0600, with a random
// key) when it does not exist. created reports whether it was made now.
func LoadOrCreateKeyFile(path string) (key []byte, created bool, err error) {
	b, err := os.ReadFile(path)
	if err == nil {
		key, err = ParseKey(string(b))
		if err != nil {
			return nil, false, fmt.Errorf("%s: %w", path, err)
		}
		return key, false, nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return nil, false, err
	}
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, false, err
		}
	}
	key = NewKey()
	// O_EXCL: two processes starting at once must not write different keys.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) {
		return LoadOrCreateKeyFile(path)
	} else if err != nil {
		return nil, false, err
	}
	if _, err := f.WriteString(base64.StdEncoding.EncodeToString(key) + "\n"); err != nil {
		f.Close()
		return nil, false, err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return nil, false, err
	}
	return key, true, f.Close()
}
