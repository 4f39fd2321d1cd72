package main

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/perimeterhq/perimeter/internal/apitest"
	"github.com/perimeterhq/perimeter/internal/store/storetest"
)

// TestMultiNode runs the documented topology on one database: two API nodes
// without workers and a worker node without HTTP (serve --no-http). A scan
// started through one API node runs on the worker; the worker is killed with
// SIGKILL mid-scan and a new one finishes the run — once, not duplicated;
// then one API node is killed and the other keeps serving.
func TestMultiNode(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine string) {
		dbURL := storetest.URL(t, engine)
		addrA, addrB := freeAddr(t), freeAddr(t)
		a := startChild(t, dbURL, addrA, "--workers", "0")
		key := regexp.MustCompile(`API key:\s+(\S+)`).FindStringSubmatch(a.out.String())
		if key == nil {
			t.Fatalf("no API key in first-run output:\n%s", a.out)
		}
		k := key[1]
		b := startChild(t, dbURL, addrB, "--workers", "0")
		worker := func() *child {
			w := spawnChild(t, dbURL, freeAddr(t), "--no-http")
			for i := 0; !strings.Contains(w.out.String(), "worker node"); i++ {
				if i > 600 {
					t.Fatalf("worker did not start:\n%s", w.out)
				}
				time.Sleep(50 * time.Millisecond)
			}
			return w
		}
		w1 := worker()
		baseA, baseB := "http://"+addrA, "http://"+addrB
		authA := signIn(t, baseA, k, "crash@example.test", "crash-test-password")
		authB := signIn(t, baseB, k, "crash@example.test", "crash-test-password")

		slow := apitest.SilentListener(t, "127.0.0.2")
		fast := apitest.BannerListener(t) // a fast host: answers with a banner and closes
		_, pl := call(t, "POST", baseA+"/v2/port_lists", k, authA, map[string]any{"name": "mn", "ports": fmt.Sprintf("T:%d,%d", fast, slow)})
		_, tg := call(t, "POST", baseA+"/v2/targets", k, authA, map[string]any{"name": "mn", "hosts": "127.0.0.1,127.0.0.2", "product": "vrms",
			"port_list_id": pl["port_list"].(map[string]any)["id"]})
		st, sc := call(t, "POST", baseA+"/v2/scans", k, authA, map[string]any{"name": "mn", "target_id": tg["target"].(map[string]any)["id"]})
		if st != 201 {
			t.Fatalf("scan: %d %v", st, sc)
		}
		scanID := sc["scan"].(map[string]any)["id"].(string)
		if st, r := call(t, "POST", baseB+"/v2/scans/"+scanID+"/start", k, authB, nil); st != 202 {
			t.Fatalf("start through B: %d %v", st, r)
		}
		status := func(base, auth string) (string, map[string]any) {
			_, s := call(t, "GET", base+"/v2/scans/"+scanID, k, auth, nil)
			sc, _ := s["scan"].(map[string]any)
			st, _ := sc["status"].(string)
			return st, sc
		}
		deadline := time.Now().Add(30 * time.Second)
		for st, _ := status(baseA, authA); st != "running"; st, _ = status(baseA, authA) {
			if time.Now().After(deadline) {
				t.Fatalf("the worker never ran the scan:\n%s", w1.out)
			}
			time.Sleep(50 * time.Millisecond)
		}
		time.Sleep(700 * time.Millisecond) // a heartbeat and a batch land
		if err := w1.cmd.Process.Kill(); err != nil {
			t.Fatal(err)
		}
		_ = w1.cmd.Wait()
		w2 := worker()

		deadline = time.Now().Add(90 * time.Second)
		var last map[string]any
		for {
			st, sc := status(baseB, authB)
			last = sc
			if st == "completed" || st == "failed" {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("the killed worker's run was never finished (status %s):\n%s", st, w2.out)
			}
			time.Sleep(100 * time.Millisecond)
		}
		h := last["last_history"].(map[string]any)
		if last["status"] != "completed" || h["attempt"].(float64) < 2 || h["hosts_up"].(float64) < 1 {
			t.Fatalf("the run must be retried by the new worker and complete: %v", last)
		}
		_, hs := call(t, "GET", baseB+"/v2/scans/"+scanID+"/histories", k, authB, nil)
		if n := hs["pagination"].(map[string]any)["total_count"].(float64); n != 1 {
			t.Fatalf("the run must not be duplicated: %v runs", n)
		}

		if err := a.cmd.Process.Kill(); err != nil {
			t.Fatal(err)
		}
		_ = a.cmd.Wait()
		if st, r := call(t, "GET", baseB+"/v2/scans/"+scanID, k, authB, nil); st != 200 {
			t.Fatalf("node B after node A died: %d %v", st, r)
		}
		if !strings.Contains(b.out.String(), "listening") || strings.Contains(w2.out.String(), "listening") {
			t.Errorf("API node must listen, the worker must not:\nB: %s\nworker: %s", b.out, w2.out)
		}
	})
}
