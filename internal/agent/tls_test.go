package agent_test

import (
	"encoding/pem"
	"fmt"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/perimeterhq/perimeter/internal/apitest"
)

// TestAgentOverTLS puts the API behind HTTPS with a certificate of a
// private CA: the agent trusts it only with --ca-file, and then scans as
// over loopback HTTP.
func TestAgentOverTLS(t *testing.T) {
	l := newLab(t, "sqlite")
	api, err := url.Parse(l.e.URL)
	if err != nil {
		t.Fatal(err)
	}
	front := httptest.NewTLSServer(httputil.NewSingleHostReverseProxy(api))
	defer front.Close()
	ca := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: front.Certificate().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}

	untrusting := &logBuffer{}
	cfg := l.config(untrusting)
	cfg.Server = front.URL
	stop := run(t, cfg)
	apitest.Eventually(t, 10*time.Second, "a refused certificate", func() bool {
		return strings.Contains(untrusting.String(), "certificate")
	})
	if err := stop(); err != nil {
		t.Fatal(err)
	}

	log := &logBuffer{}
	cfg = l.config(log)
	cfg.Server, cfg.CAFile = front.URL, ca
	run(t, cfg)
	scanID := l.startScan(t, "127.0.0.1", fmt.Sprintf("T:%d", weakHTTP(t)), false)
	if done := l.wait(t, scanID); done.Str("scan.status") != "completed" || done.Get("scan.last_history.hosts_up").(float64) != 1 {
		t.Fatalf("run over TLS: %s\nagent log:\n%s", done, log)
	}
	if strings.Contains(untrusting.String(), "claimed a run") {
		t.Error("the agent without --ca-file must not have talked to the server")
	}
}
