package main

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/perimeterhq/perimeter/internal/store/storetest"
)

// readmeBlocks are the README's shell examples a new user pastes: the fenced
// blocks whose info string is "sh readme-test".
var readmeBlock = regexp.MustCompile("(?s)```sh readme-test\n(.*?)```")

func readmeBlocks(t *testing.T) []string {
	t.Helper()
	src, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, m := range readmeBlock.FindAllSubmatch(src, -1) {
		out = append(out, string(m[1]))
	}
	return out
}

// hookReceiver records the webhook deliveries the README's webhook block makes.
type hookReceiver struct {
	mu     sync.Mutex
	bodies [][]byte
	sigs   []string
}

func (h *hookReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	h.mu.Lock()
	h.bodies = append(h.bodies, b)
	h.sigs = append(h.sigs, r.Header.Get("X-CG-Hook-Signature"))
	h.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

// TestReadmeExamples runs every "sh readme-test" block of README.md with bash
// against a fresh server, as a new user would after the first start, so the
// README cannot rot: a block fails on the first request that does not succeed
// (curl --fail-with-body, bash -eo pipefail, jq -e).
func TestReadmeExamples(t *testing.T) {
	for _, tool := range []string{"bash", "curl", "jq"} {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("PERIMETER_README_TOOLS") == "required" {
				t.Fatalf("%s is needed to run the README's examples: %v", tool, err)
			}
			t.Skipf("%s not installed: the README's examples cannot run", tool)
		}
	}
	blocks := readmeBlocks(t)
	if len(blocks) < 3 {
		t.Fatalf("found %d readme-test blocks in README.md, want the quickstart, the scan and the webhook blocks", len(blocks))
	}

	// Something for the scan to find: an HTTP server on loopback.
	web := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "hello") }))
	defer web.Close()
	webPort := strconv.Itoa(web.Listener.Addr().(*net.TCPAddr).Port)
	hooks := &hookReceiver{}
	hookSrv := httptest.NewServer(hooks)
	defer hookSrv.Close()

	dbURL := storetest.URL(t, "sqlite")
	addr := freeAddr(t)
	srv := startChild(t, dbURL, addr, "--webhook-allow 127.0.0.1/32", "--webhook-retry-delays 1s,1s,1s")
	var key []string
	for i := 0; key == nil && i < 100; i++ {
		key = regexp.MustCompile(`API key:\s+(\S+)`).FindStringSubmatch(srv.out.String())
		time.Sleep(20 * time.Millisecond)
	}
	if key == nil {
		t.Fatalf("no API key in the first-run banner:\n%s", srv.out)
	}
	env := append(os.Environ(),
		"B=http://"+addr, "E=crash@example.test", "P=crash-test-password", "K="+key[1],
		"HOST=127.0.0.1", "PORTS=T:"+webPort, "HOOK_URL="+hookSrv.URL+"/hook")

	for i, block := range blocks {
		script := t.TempDir() + "/block.sh"
		if err := os.WriteFile(script, []byte(block), 0o600); err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command("bash", "-eo", "pipefail", script)
		cmd.Env = env
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Run(); err != nil {
			t.Fatalf("README block %d failed: %v\n--- block ---\n%s\n--- output ---\n%s", i+1, err, block, out.String())
		}
		t.Logf("README block %d:\n%s", i+1, out.String())
		checkReadmeOutput(t, i+1, block, out.String(), webPort, hooks)
	}
}

// checkReadmeOutput holds each block to what it promises the reader, beyond
// exiting 0.
func checkReadmeOutput(t *testing.T, n int, block, out, webPort string, hooks *hookReceiver) {
	t.Helper()
	switch {
	case strings.Contains(block, "/v2/webhooks"):
		if !strings.Contains(out, `"status":"succeeded"`) {
			t.Errorf("block %d: the delivery did not succeed:\n%s", n, out)
		}
		m := regexp.MustCompile(`signing secret \(shown this once\): (\S+)`).FindStringSubmatch(out)
		if m == nil {
			t.Fatalf("block %d printed no signing secret:\n%s", n, out)
		}
		hooks.mu.Lock()
		defer hooks.mu.Unlock()
		if len(hooks.bodies) == 0 {
			t.Fatalf("block %d: the receiver got no delivery", n)
		}
		for i, body := range hooks.bodies {
			mac := hmac.New(sha256.New, []byte(m[1]))
			mac.Write(body)
			if want := "sha256=" + hex.EncodeToString(mac.Sum(nil)); hooks.sigs[i] != want {
				t.Errorf("delivery %d signed %q, want %q", i, hooks.sigs[i], want)
			}
		}
	case strings.Contains(block, "/v2/scans"):
		if !strings.Contains(out, "scan completed") {
			t.Errorf("block %d: the scan did not complete:\n%s", n, out)
		}
		if !strings.Contains(out, `"open":[`+webPort+`]`) {
			t.Errorf("block %d: the open port %s was not listed:\n%s", n, webPort, out)
		}
	default:
		if !strings.Contains(out, `"Acme Corp"`) || !strings.Contains(out, "true") {
			t.Errorf("block %d: Ann does not see Acme, or the access token is not valid:\n%s", n, out)
		}
	}
}
