package httpcheck

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	"github.com/perimeterhq/perimeter/internal/scanner/checks"
)

// check is an HTTP check: eval inspects the target and returns the evidence
// of a finding, or found == false.
type check struct {
	meta      checks.Meta
	httpsOnly bool
	eval      func(ctx context.Context, t checks.Target) (evidence string, found bool, err error)
}

// versioned matches "Product/1.2" style tokens, and bare versions in headers
// that only ever carry one (X-AspNet-Version: 4.0.30319).
var (
	productVersion = regexp.MustCompile(`[A-Za-z][\w.+-]*/v?\d+(\.\d+)*[\w.~+-]*`)
	bareVersion    = regexp.MustCompile(`^\s*v?\d+(\.\d+)+`)
)

// disclosureHeaders are the headers that announce software and versions.
var disclosureHeaders = []string{"Server", "X-Powered-By", "X-AspNet-Version", "X-AspNetMvc-Version", "X-Generator", "X-Runtime-Version", "Via"}

func evalVersionDisclosure(ctx context.Context, t checks.Target) (string, bool, error) {
	p, err := root(ctx, t)
	if err != nil {
		return "", false, err
	}
	var hits []string
	for _, h := range disclosureHeaders {
		for _, v := range p.header.Values(h) {
			if productVersion.MatchString(v) || bareVersion.MatchString(v) {
				hits = append(hits, fmt.Sprintf("%s: %s", h, v))
			}
		}
	}
	if len(hits) == 0 {
		return "", false, nil
	}
	return fmt.Sprintf("GET %s -> %s\n%s", p.url, p.status, strings.Join(hits, "\n")), true, nil
}

func evalHSTS(ctx context.Context, t checks.Target) (string, bool, error) {
	p, err := root(ctx, t)
	if err != nil {
		return "", false, err
	}
	v := p.header.Get("Strict-Transport-Security")
	if v != "" && !hstsDisabled(v) {
		return "", false, nil
	}
	return p.headerBlock(), true, nil
}

// hstsDisabled reports a policy that switches HSTS off (max-age=0) or has no
// max-age at all, which browsers ignore (RFC 6797 §6.1.1).
func hstsDisabled(v string) bool {
	for _, d := range strings.Split(v, ";") {
		name, val, _ := strings.Cut(strings.TrimSpace(d), "=")
		if strings.EqualFold(name, "max-age") {
			return strings.Trim(strings.TrimSpace(val), `"`) == "0"
		}
	}
	return true
}

func evalXCTO(ctx context.Context, t checks.Target) (string, bool, error) {
	p, err := root(ctx, t)
	if err != nil {
		return "", false, err
	}
	if strings.EqualFold(strings.TrimSpace(p.header.Get("X-Content-Type-Options")), "nosniff") {
		return "", false, nil
	}
	return p.headerBlock(), true, nil
}

func evalFraming(ctx context.Context, t checks.Target) (string, bool, error) {
	p, err := root(ctx, t)
	if err != nil {
		return "", false, err
	}
	if !p.isHTML() || p.code >= 300 && p.code < 400 {
		return "", false, nil // only pages a browser renders can be framed
	}
	xfo := strings.ToUpper(strings.TrimSpace(p.header.Get("X-Frame-Options")))
	if xfo == "DENY" || xfo == "SAMEORIGIN" {
		return "", false, nil
	}
	for _, csp := range p.header.Values("Content-Security-Policy") {
		for _, d := range strings.Split(csp, ";") {
			if f := strings.Fields(d); len(f) > 0 && strings.EqualFold(f[0], "frame-ancestors") {
				return "", false, nil
			}
		}
	}
	return p.headerBlock(), true, nil
}
