package scanconfig

import (
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"strings"
	"unicode"

	"github.com/perimeterhq/perimeter/internal/errs"
)

// Limits of the GMP login fields.
const (
	maxGMPUsername = 256
	maxGMPPassword = 1024
	maxCACert      = 64 << 10
)

// validateGMPLogin checks an openvas scanner's login and trust settings: a
// password needs its user, a CA must be certificates in PEM, and verifying
// with a CA while skipping verification is a contradiction to refuse.
func validateGMPLogin(s *Scanner, f errs.Fields) {
	s.Username = strings.TrimSpace(s.Username)
	switch {
	case len(s.Username) > maxGMPUsername:
		f.Add("username", "is too long (at most %d bytes)", maxGMPUsername)
	case strings.ContainsFunc(s.Username, unicode.IsControl):
		f.Add("username", "must not contain control characters")
	case s.Username == "" && s.PasswordSealed != "":
		f.Add("username", "is required with a password (the GMP user)")
	}
	if strings.TrimSpace(s.CACert) == "" {
		s.CACert = ""
		return
	}
	if len(s.CACert) > maxCACert {
		f.Add("ca_cert", "is too long (at most %d bytes of PEM)", maxCACert)
		return
	}
	switch _, err := CACertPool(s.CACert); {
	case err != nil:
		f.Add("ca_cert", "%s", err.Error())
	case s.InsecureSkipVerify:
		f.Add("insecure_skip_verify", "contradicts ca_cert: give a CA to verify the manager with, or skip verification, not both")
	}
}

// CACertPool parses a scanner's CA certificates (PEM). It returns an error
// when the text holds no certificate or a block that is not one.
func CACertPool(pemText string) (*x509.CertPool, error) {
	pool := x509.NewCertPool()
	rest := []byte(pemText)
	n := 0
	for {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			break
		}
		if b.Type != "CERTIFICATE" {
			return nil, fmt.Errorf("holds a %s block; only CERTIFICATE blocks are accepted", b.Type)
		}
		c, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			return nil, fmt.Errorf("certificate %d: %v", n+1, err)
		}
		pool.AddCert(c)
		n++
	}
	if n == 0 {
		return nil, fmt.Errorf("is not a PEM certificate (-----BEGIN CERTIFICATE-----)")
	}
	return pool, nil
}

// ValidateGMPPassword checks a GMP password a client gives ("" clears it).
func ValidateGMPPassword(p string) error {
	switch {
	case len(p) > maxGMPPassword:
		return errs.Field("password", "is too long (at most %d bytes)", maxGMPPassword)
	case strings.ContainsRune(p, 0):
		return errs.Field("password", "must not contain NUL characters")
	}
	return nil
}
