package httpcheck

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"

	"github.com/perimeterhq/perimeter/internal/scanner/checks"
)

// traceHeader carries a random token the server must echo for TRACE to count.
const traceHeader = "X-Perimeter-Trace"

func evalTrace(ctx context.Context, t checks.Target) (string, bool, error) {
	tok := make([]byte, 12)
	_, _ = rand.Read(tok)
	token := hex.EncodeToString(tok)
	c := client(t)
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	p, err := get(ctx, t, c, http.MethodTrace, "/", http.Header{traceHeader: {token}})
	if err != nil {
		return "", false, err
	}
	if p.code != http.StatusOK || !bytes.Contains(p.body, []byte(token)) {
		return "", false, nil
	}
	echo := p.body[:min(len(p.body), 1024)]
	return fmt.Sprintf("TRACE %s -> %s, request echoed with the probe header:\n%s", p.url, p.status, echo), true, nil
}
