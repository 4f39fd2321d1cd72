package agent_test

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/perimeterhq/perimeter/internal/agent"
	"github.com/perimeterhq/perimeter/internal/apitest"
	"github.com/perimeterhq/perimeter/internal/store/storetest"
)

// TestAgentUnknownToken: a 401 ends the agent with a message that says what
// to check, instead of polling forever.
func TestAgentUnknownToken(t *testing.T) {
	l := newLab(t, "sqlite")
	cfg := l.config(&logBuffer{})
	cfg.Token = "pma_not-a-token"
	a, err := agent.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	err = a.Run(t.Context())
	if !errors.Is(err, agent.ErrUnauthorized) || !strings.Contains(err.Error(), "PERIMETER_AGENT_TOKEN") {
		t.Fatalf("Run: %v", err)
	}
}

// TestAgentRefusedResults: a batch the server refuses (422: here a host
// outside the target, as a corrupted request) is not sent again; the run
// fails with the server's reason.
func TestAgentRefusedResults(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine string) {
		l := newLab(t, engine)
		f := newFaults()
		f.mutate = func(kind string, body []byte) []byte {
			if kind != "results" {
				return body
			}
			return bytes.ReplaceAll(body, []byte(`"127.0.0.1"`), []byte(`"10.9.9.9"`))
		}
		log := &logBuffer{}
		cfg := l.config(log)
		cfg.Transport = f
		run(t, cfg)
		scanID := l.startScan(t, "127.0.0.1", fmt.Sprintf("T:%d", weakHTTP(t)), false)
		done := l.wait(t, scanID)
		if done.Str("scan.status") != "failed" || !strings.Contains(done.String(), "10.9.9.9") {
			t.Fatalf("run: %s\nagent log:\n%s", done, log)
		}
		if n := len(f.calls("results")); n != 1 {
			t.Errorf("a refused batch must not be retried: %d results calls", n)
		}
	})
}

// TestAgentShutdown: on shutdown mid-scan the agent stops its scan, sends
// what it collected, hands the run back (queued again at once as attempt 2,
// not finished), and returns; the next agent claims it without waiting for
// the reaper and completes it with the hosts stored once.
func TestAgentShutdown(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine string) {
		l := newLab(t, engine)
		slow := apitest.SilentListener(t, "127.0.0.2")
		fast := weakHTTP(t)
		log := &logBuffer{}
		stop := run(t, l.config(log))
		scanID := l.startScan(t, "127.0.0.1,127.0.0.2", fmt.Sprintf("T:%d,%d", fast, slow), false)
		apitest.Eventually(t, 30*time.Second, "the fast host's batch", func() bool {
			return strings.Contains(log.String(), "results sent")
		})
		began := time.Now()
		if err := stop(); err != nil {
			t.Fatal(err)
		}
		if d := time.Since(began); d > 10*time.Second {
			t.Errorf("shutdown took %s", d)
		}
		if st := l.u.Do("GET", "/v2/scans/"+scanID, nil).Str("scan.status"); st != "queued" {
			t.Errorf("the agent must hand the run back on shutdown (queued again), not end it: %s", st)
		}
		if !strings.Contains(log.String(), "run handed back") {
			t.Errorf("log:\n%s", log)
		}
		restarted := time.Now()
		run(t, l.config(log))
		done := l.wait(t, scanID)
		h := done.Get("scan.last_history").(map[string]any)
		if done.Str("scan.status") != "completed" || h["attempt"].(float64) != 2 || h["hosts_up"].(float64) != 2 {
			t.Fatalf("run: %s\nagent log:\n%s", done, log)
		}
		if d := time.Since(restarted); d > 30*time.Second {
			t.Errorf("the handed-back run took %s to complete: it must not wait for the reaper", d)
		}
		if hs := l.u.Do("GET", "/v2/scans/"+scanID+"/hosts", nil); hs.Get("pagination.total_count").(float64) != 2 {
			t.Errorf("hosts: %s", hs)
		}
	})
}

// TestAgentStop: a stop requested through the API reaches the agent with
// its next heartbeat; it ends the scan, keeps what it found and finishes
// the run stopped.
func TestAgentStop(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine string) {
		l := newLab(t, engine)
		slow := apitest.SilentListener(t, "127.0.0.2")
		fast := weakHTTP(t)
		log := &logBuffer{}
		run(t, l.config(log))
		scanID := l.startScan(t, "127.0.0.1,127.0.0.2", fmt.Sprintf("T:%d,%d", fast, slow), false)
		apitest.Eventually(t, 30*time.Second, "the fast host's batch", func() bool {
			return strings.Contains(log.String(), "results sent")
		})
		if r := l.u.Do("POST", "/v2/scans/"+scanID+"/stop", nil); r.Status/100 != 2 {
			t.Fatalf("stop: %s", r)
		}
		began := time.Now()
		done := l.wait(t, scanID)
		if done.Str("scan.status") != "stopped" || !strings.Contains(log.String(), "status=stopped") {
			t.Fatalf("run: %s\nagent log:\n%s", done, log)
		}
		if d := time.Since(began); d > 8*time.Second {
			t.Errorf("the stop took %s: the scan must end at the next heartbeat, not run out", d)
		}
		if hs := l.u.Do("GET", "/v2/scans/"+scanID+"/hosts", nil); hs.Get("pagination.total_count").(float64) < 1 {
			t.Errorf("a stopped run keeps what it found: %s", hs)
		}
	})
}
