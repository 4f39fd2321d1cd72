package scanconfig

import (
	"strings"
	"testing"

	"github.com/perimeterhq/perimeter/internal/errs"
)

func TestValidateOpenVASLogin(t *testing.T) {
	t.Parallel()
	const notCert = "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"
	const badCert = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"
	for _, tc := range []struct {
		name string
		s    Scanner
		want string // "" : valid
	}{
		{"host and user", Scanner{Username: " admin "}, ""},
		{"password without user", Scanner{PasswordSealed: "v1:x"}, `username: is required with a password`},
		{"control character in user", Scanner{Username: "ad\nmin"}, "username: must not contain control characters"},
		{"user too long", Scanner{Username: strings.Repeat("u", 257)}, "username: is too long"},
		{"not PEM", Scanner{CACert: "hello"}, "ca_cert: is not a PEM certificate"},
		{"a key, not a certificate", Scanner{CACert: notCert}, "ca_cert: holds a PRIVATE KEY block"},
		{"a broken certificate", Scanner{CACert: badCert}, "ca_cert: certificate 1:"},
		{"CA too long", Scanner{CACert: strings.Repeat("x", 64<<10+1)}, "ca_cert: is too long"},
		{"blank CA", Scanner{CACert: "  \n", InsecureSkipVerify: true}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := tc.s
			s.Name, s.AppType, s.Status, s.Host = "g", AppOpenVAS, ScannerActive, "gvm.example"
			err := s.Validate()
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("unexpected error %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(fieldText(err), tc.want)):
				t.Fatalf("error %v, want %q", err, tc.want)
			}
			if tc.want == "" && (s.Username != strings.TrimSpace(tc.s.Username) || s.Port != 9390) {
				t.Errorf("normalized: %+v", s)
			}
		})
	}
	if err := ValidateGMPPassword(strings.Repeat("p", 1025)); err == nil {
		t.Error("a 1025-byte password passes")
	}
	if err := ValidateGMPPassword("a\x00b"); err == nil {
		t.Error("a password with NUL passes")
	}
}

// fieldText is a validation error's fields as "field: message" lines.
func fieldText(err error) string {
	e, ok := errs.As(err)
	if !ok {
		return err.Error()
	}
	var b strings.Builder
	for k, msgs := range e.Fields {
		for _, m := range msgs {
			b.WriteString(k + ": " + m + "\n")
		}
	}
	return b.String()
}
