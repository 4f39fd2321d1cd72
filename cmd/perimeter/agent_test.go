package main

import (
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/perimeterhq/perimeter/internal/apitest"
	"github.com/perimeterhq/perimeter/internal/store/storetest"
)

// spawnAgent starts `perimeter agent` against base (the test binary
// re-executed, like spawnChild's servers), killed when the test ends. The
// token goes in the environment, as the README says.
func spawnAgent(t *testing.T, base, token string, extra ...string) *child {
	t.Helper()
	c := exec.Command(os.Args[0], "-test.run=^TestHelperServe$")
	out := &syncBuffer{}
	c.Stdout, c.Stderr = out, out
	args := append([]string{"agent", "--server", base, "--networks", "127.0.0.0/8", "--heartbeat", "300ms",
		"--feed-dir", t.TempDir()}, extra...)
	c.Env = append(os.Environ(), "PERIMETER_CHILD_ARGS="+strings.Join(args, " "), envAgentToken+"="+token)
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Process.Kill(); _ = c.Wait() })
	return &child{cmd: c, out: out}
}

// TestAgentKilledMidScan runs an API node (with workers, for the reaper)
// and a `perimeter agent` process on one database. The agent is killed with
// SIGKILL once the run's first results are stored, then started again: the
// run is queued again by the server, claimed by the new agent as attempt 2,
// and completes once, its hosts and findings not duplicated.
func TestAgentKilledMidScan(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine string) {
		dbURL := storetest.URL(t, engine)
		addr := freeAddr(t)
		base := "http://" + addr
		api := startChild(t, dbURL, addr)
		key := regexp.MustCompile(`API key:\s+(\S+)`).FindStringSubmatch(api.out.String())
		if key == nil {
			t.Fatalf("no API key in first-run output:\n%s", api.out)
		}
		k := key[1]
		auth := signIn(t, base, k, "crash@example.test", "crash-test-password")
		st, sc := call(t, "POST", base+"/v2/scanners", k, auth, map[string]any{"name": "branch", "app_type": "agent"})
		if st != 201 {
			t.Fatalf("scanner: %d %v", st, sc)
		}
		scanner := sc["scanner"].(map[string]any)
		token := scanner["token"].(string)

		slow := apitest.SilentListener(t, "127.0.0.2")
		// A fast host with something for the checks to find.
		_, fast := apitest.WeakHTTP(t, 0)
		_, pl := call(t, "POST", base+"/v2/port_lists", k, auth, map[string]any{"name": "agent", "ports": fmt.Sprintf("T:%d,%d", fast, slow)})
		_, tg := call(t, "POST", base+"/v2/targets", k, auth, map[string]any{"name": "agent", "hosts": "127.0.0.1,127.0.0.2",
			"product": "vrms", "port_list_id": pl["port_list"].(map[string]any)["id"]})
		st, s := call(t, "POST", base+"/v2/scans", k, auth, map[string]any{"name": "agent", "target_id": tg["target"].(map[string]any)["id"],
			"scanner_id": scanner["id"]})
		if st != 201 {
			t.Fatalf("scan: %d %v", st, s)
		}
		scanID := s["scan"].(map[string]any)["id"].(string)
		if st, r := call(t, "POST", base+"/v2/scans/"+scanID+"/start", k, auth, nil); st != 202 {
			t.Fatalf("start: %d %v", st, r)
		}
		count := func(path string) float64 {
			_, r := call(t, "GET", base+path, k, auth, nil)
			p, _ := r["pagination"].(map[string]any)
			n, _ := p["total_count"].(float64)
			return n
		}

		first := spawnAgent(t, base, token)
		waitFor(t, 60*time.Second, "the agent's first results", first.out, func() bool {
			return count("/v2/scans/"+scanID+"/hosts") >= 1
		})
		if err := first.cmd.Process.Kill(); err != nil {
			t.Fatal(err)
		}
		_ = first.cmd.Wait()
		second := spawnAgent(t, base, token)

		var last map[string]any
		waitFor(t, 90*time.Second, "the killed agent's run to finish", second.out, func() bool {
			_, r := call(t, "GET", base+"/v2/scans/"+scanID, k, auth, nil)
			last, _ = r["scan"].(map[string]any)
			return last["status"] == "completed" || last["status"] == "failed"
		})
		h := last["last_history"].(map[string]any)
		if last["status"] != "completed" || h["attempt"].(float64) != 2 || h["hosts_up"].(float64) != 2 {
			t.Fatalf("the run must be claimed again by the new agent and complete: %v\nsecond agent:\n%s", last, second.out)
		}
		if n := count("/v2/scans/" + scanID + "/histories"); n != 1 {
			t.Fatalf("the run must not be duplicated: %v runs", n)
		}
		if n := count("/v2/scans/" + scanID + "/hosts"); n != 2 {
			t.Errorf("hosts of the run: %v, want 2", n)
		}
		runFindings, orgFindings := count("/v2/scans/"+scanID+"/vulnerabilities"), count("/v2/vulnerabilities")
		if runFindings < 1 || runFindings != orgFindings || runFindings != h["vulnerabilities"].(map[string]any)["total"].(float64) {
			t.Errorf("findings: run %v, organization %v, history %v: resent results must not duplicate them",
				runFindings, orgFindings, h["vulnerabilities"])
		}
		for name, out := range map[string]string{"first": first.out.String(), "second": second.out.String(), "api": api.out.String()} {
			if strings.Contains(out, token) {
				t.Errorf("the %s process logged the scanner token", name)
			}
		}
		if !strings.Contains(second.out.String(), "attempt=2") {
			t.Errorf("the second agent must have run attempt 2:\n%s", second.out)
		}
		// SIGTERM while it waits for work: it stops claiming and exits 0.
		if err := second.cmd.Process.Signal(syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
		exited := make(chan error, 1)
		go func() { exited <- second.cmd.Wait() }()
		select {
		case err := <-exited:
			if err != nil || !strings.Contains(second.out.String(), "scanner agent stopped") {
				t.Errorf("SIGTERM: %v\n%s", err, second.out)
			}
		case <-time.After(15 * time.Second):
			t.Errorf("the agent did not exit on SIGTERM:\n%s", second.out)
		}
	})
}

// TestAgentCommandRefusesCleartext: the agent will not send its token over
// plain HTTP to another machine, nor start without a token.
func TestAgentCommandRefusesCleartext(t *testing.T) {
	t.Setenv(envAgentToken, "pma_test")
	_, err := runRoot(t, "agent", "--server", "http://perimeter.example.com")
	if err == nil || !strings.Contains(err.Error(), "HTTPS is required") {
		t.Errorf("cleartext to another machine: %v", err)
	}
	t.Setenv(envAgentToken, "")
	_, err = runRoot(t, "agent", "--server", "https://perimeter.example.com")
	if err == nil || !strings.Contains(err.Error(), envAgentToken) {
		t.Errorf("no token: %v", err)
	}
	_, err = runRoot(t, "agent", "--server", "https://perimeter.example.com", "--token-file", t.TempDir()+"/missing")
	if err == nil || !strings.Contains(err.Error(), "--token-file") {
		t.Errorf("missing token file: %v", err)
	}
	t.Setenv(envAgentToken, "pma_test")
	_, err = runRoot(t, "agent", "--server", "https://perimeter.example.com", "--networks", "10.0.0.0/8,nonsense")
	if err == nil || !strings.Contains(err.Error(), "nonsense") {
		t.Errorf("bad --networks: %v", err)
	}
}
