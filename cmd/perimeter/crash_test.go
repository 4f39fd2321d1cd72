package main

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/perimeterhq/perimeter/internal/apitest"
	"github.com/perimeterhq/perimeter/internal/store/storetest"
)

// TestHelperServe is not a test: it is the server process the crash test
// starts (and kills) — the test binary re-executed with PERIMETER_CHILD_ARGS.
func TestHelperServe(t *testing.T) {
	args := os.Getenv("PERIMETER_CHILD_ARGS")
	if args == "" {
		t.Skip("helper process for TestKillDuringScan")
	}
	cmd := newRootCommand()
	cmd.SetArgs(strings.Fields(args))
	if err := cmd.Execute(); err != nil {
		os.Exit(1)
	}
	os.Exit(0)
}

type child struct {
	cmd *exec.Cmd
	out *syncBuffer
}

// startChild starts a serve process and waits until it accepts connections.
func startChild(t *testing.T, dbURL, addr string, extra ...string) *child {
	t.Helper()
	ch := spawnChild(t, dbURL, addr, extra...)
	for i := 0; ; i++ {
		if conn, err := net.Dial("tcp", addr); err == nil {
			conn.Close()
			return ch
		}
		if i > 600 {
			t.Fatalf("child did not come up:\n%s", ch.out)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// spawnChild starts a serve process (killed when the test ends).
func spawnChild(t *testing.T, dbURL, addr string, extra ...string) *child {
	t.Helper()
	if !slices.Contains(extra, "--data-dir") {
		extra = append(extra, "--data-dir", t.TempDir())
	}
	c := exec.Command(os.Args[0], "-test.run=^TestHelperServe$")
	out := &syncBuffer{}
	c.Stdout, c.Stderr = out, out
	c.Env = append(os.Environ(),
		"PERIMETER_CHILD_ARGS=serve --addr "+addr+" --database "+dbURL+" --scan-heartbeat 200ms --scan-stale-after 2s --workers 2 "+strings.Join(extra, " "),
		"PERIMETER_ADMIN_EMAIL=crash@example.test", "PERIMETER_ADMIN_PASSWORD=crash-test-password")
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	ch := &child{cmd: c, out: out}
	t.Cleanup(func() { _ = c.Process.Kill(); _ = c.Wait() })
	return ch
}

// TestKillDuringScan kills the server with SIGKILL while a scan runs, starts
// it again on the same database, and expects the run to be retried and to
// finish — never left running, never duplicated.
func TestKillDuringScan(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine string) {
		dbURL := storetest.URL(t, engine)
		addr := freeAddr(t)
		base := "http://" + addr
		first := startChild(t, dbURL, addr)
		key := regexp.MustCompile(`API key:\s+(\S+)`).FindStringSubmatch(first.out.String())
		if key == nil {
			t.Fatalf("no API key in first-run output:\n%s", first.out)
		}
		k := key[1]
		auth := signIn(t, base, k, "crash@example.test", "crash-test-password")
		slow := apitest.SilentListener(t, "127.0.0.2")
		fast := apitest.BannerListener(t) // a fast host: answers with a banner and closes
		st, pl := call(t, "POST", base+"/v2/port_lists", k, auth, map[string]any{"name": "crash", "ports": fmt.Sprintf("T:%d,%d", fast, slow)})
		if st != 201 {
			t.Fatalf("port list: %d %v", st, pl)
		}
		plID := pl["port_list"].(map[string]any)["id"]
		st, tg := call(t, "POST", base+"/v2/targets", k, auth, map[string]any{"name": "crash", "hosts": "127.0.0.1,127.0.0.2", "product": "vrms", "port_list_id": plID})
		if st != 201 {
			t.Fatalf("target: %d %v", st, tg)
		}
		st, sc := call(t, "POST", base+"/v2/scans", k, auth, map[string]any{"name": "crash", "target_id": tg["target"].(map[string]any)["id"]})
		if st != 201 {
			t.Fatalf("scan: %d %v", st, sc)
		}
		scanID := sc["scan"].(map[string]any)["id"].(string)
		if st, r := call(t, "POST", base+"/v2/scans/"+scanID+"/start", k, auth, nil); st != 202 {
			t.Fatalf("start: %d %v", st, r)
		}
		status := func() (string, map[string]any) {
			_, s := call(t, "GET", base+"/v2/scans/"+scanID, k, auth, nil)
			sc, _ := s["scan"].(map[string]any)
			st, _ := sc["status"].(string)
			return st, sc
		}
		deadline := time.Now().Add(30 * time.Second)
		for st, _ := status(); st != "running"; st, _ = status() {
			if time.Now().After(deadline) {
				t.Fatalf("scan never ran:\n%s", first.out)
			}
			time.Sleep(50 * time.Millisecond)
		}
		time.Sleep(700 * time.Millisecond) // let a heartbeat and a batch land
		if err := first.cmd.Process.Kill(); err != nil {
			t.Fatal(err)
		}
		_ = first.cmd.Wait()

		second := startChild(t, dbURL, addr)
		auth = signIn(t, base, k, "crash@example.test", "crash-test-password")
		deadline = time.Now().Add(90 * time.Second)
		var last map[string]any
		for {
			st, sc := status()
			last = sc
			if st == "completed" || st == "failed" {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("the killed run was never recovered (status %s):\n%s", st, second.out)
			}
			time.Sleep(100 * time.Millisecond)
		}
		h := last["last_history"].(map[string]any)
		if last["status"] != "completed" || h["attempt"].(float64) < 2 {
			t.Fatalf("the run must be retried and complete: %v", last)
		}
		_, hs := call(t, "GET", base+"/v2/scans/"+scanID+"/histories", k, auth, nil)
		if n := hs["pagination"].(map[string]any)["total_count"].(float64); n != 1 {
			t.Fatalf("the run must not be duplicated: %v runs", n)
		}
		_, detail := call(t, "GET", base+"/v2/scans/"+scanID+"/histories/"+h["id"].(string), k, auth, nil)
		if !bytes.Contains([]byte(fmt.Sprint(detail)), []byte("stopped responding")) {
			t.Fatalf("the log must say why the run was retried: %v", detail)
		}
	})
}
