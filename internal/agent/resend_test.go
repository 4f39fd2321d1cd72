package agent_test

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/perimeterhq/perimeter/internal/apitest"
	"github.com/perimeterhq/perimeter/internal/store/storetest"
)

// TestAgentResendsAfterNetworkFailure loses the answer to the first results
// batch (the server stored it), refuses a heartbeat and the first finish:
// the agent sends the same batch again with the same sequence number, and
// the run completes once with every host and finding stored once.
func TestAgentResendsAfterNetworkFailure(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine string) {
		l := newLab(t, engine)
		httpPort := weakHTTP(t)
		f := newFaults()
		f.loseAnswer["results"] = 1
		f.refuse["progress"] = 1
		f.refuse["finish"] = 1
		log := &logBuffer{}
		cfg := l.config(log, "127.0.0.0/8")
		cfg.Transport = f
		run(t, cfg)

		scanID := l.startScan(t, "127.0.0.1-127.0.0.3", fmt.Sprintf("T:%d", httpPort), false)
		done := l.wait(t, scanID)
		if done.Str("scan.status") != "completed" {
			t.Fatalf("run: %s\nagent log:\n%s", done, log)
		}
		res := f.calls("results")
		if len(res) < 2 || !bytes.Equal(res[0].body, res[1].body) || decodeBatch(res[0].body).Seq != 0 {
			t.Fatalf("the batch whose answer was lost must be sent again as it was (seq 0): %d results calls\nagent log:\n%s", len(res), log)
		}
		ips, findings := map[string]bool{}, map[string]bool{}
		for i, c := range res {
			b := decodeBatch(c.body)
			if i > 0 && b.Seq != decodeBatch(res[i-1].body).Seq+1 && !bytes.Equal(c.body, res[i-1].body) {
				t.Errorf("results call %d: seq %d after %d", i, b.Seq, decodeBatch(res[i-1].body).Seq)
			}
			for _, h := range b.Hosts {
				ips[h.IP] = true
				for _, fd := range h.Findings {
					findings[fmt.Sprint(h.IP, fd.Port, fd.CheckID)] = true
				}
			}
		}
		hosts := l.u.Do("GET", "/v2/scans/"+scanID+"/hosts", nil)
		if n := hosts.Get("pagination.total_count").(float64); int(n) != len(ips) || n < 1 {
			t.Errorf("hosts stored: %v, sent %d distinct: %s", n, len(ips), hosts)
		}
		v := l.u.Do("GET", "/v2/scans/"+scanID+"/vulnerabilities", nil)
		if n := v.Get("pagination.total_count").(float64); int(n) != len(findings) || n < 1 {
			t.Errorf("findings stored: %v, sent %d distinct", n, len(findings))
		}
		all := l.u.Do("GET", "/v2/vulnerabilities", nil)
		if n := all.Get("pagination.total_count").(float64); int(n) != len(findings) {
			t.Errorf("organization's findings: %v, want %d (a resent batch must not add any)", n, len(findings))
		}
		if h := done.Get("scan.last_history").(map[string]any); h["attempt"].(float64) != 1 {
			t.Errorf("the run must complete in its first attempt: %v", h)
		}
		if fin := f.calls("finish"); len(fin) != 1 || !strings.Contains(log.String(), "call=finish") {
			t.Errorf("the refused finish must be retried once: %d finish calls reached the server\n%s", len(fin), log)
		}
		if hs := l.u.Do("GET", "/v2/scans/"+scanID+"/histories", nil); hs.Get("pagination.total_count").(float64) != 1 {
			t.Errorf("one run, not %s", hs)
		}
	})
}

// TestAgentDropsSupersededRun cuts the agent off the network mid-scan for
// longer than the server waits for heartbeats: the server queues the run
// again as attempt 2. When the network is back the agent's calls about
// attempt 1 get 409; it drops that attempt (its scan stops), claims attempt
// 2 and completes it — one run, hosts stored once.
func TestAgentDropsSupersededRun(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine string) {
		l := newLab(t, engine)
		slow := apitest.SilentListener(t, "127.0.0.1") // detection waits out its timeout: the scan lasts seconds
		f := newFaults()
		log := &logBuffer{}
		cfg := l.config(log, "127.0.0.0/8")
		cfg.Transport = f
		run(t, cfg)

		scanID := l.startScan(t, "127.0.0.1", fmt.Sprintf("T:%d", slow), false)
		attempt := func() float64 {
			h, _ := l.u.Do("GET", "/v2/scans/"+scanID, nil).Get("scan.last_history").(map[string]any)
			a, _ := h["attempt"].(float64)
			return a
		}
		apitest.Eventually(t, 20*time.Second, "the agent to start the scan", func() bool {
			return strings.Contains(log.String(), "claimed a run")
		})
		f.cut.Store(true)
		apitest.Eventually(t, 30*time.Second, "the server to queue the run again", func() bool { return attempt() == 2 })
		f.cut.Store(false)
		done := l.wait(t, scanID)
		out := log.String()
		if done.Str("scan.status") != "completed" || attempt() != 2 {
			t.Fatalf("run: %s\nagent log:\n%s", done, out)
		}
		// runJob returns only once its engine ended, so attempt 2 claimed
		// after the drop means attempt 1's scan was stopped.
		drop := strings.Index(out, "dropped the run")
		second := regexp.MustCompile(`claimed a run" run_id=\S+ attempt=2`).FindStringIndex(out)
		if drop < 0 || second == nil || second[0] < drop {
			t.Fatalf("the agent must drop attempt 1 before it claims attempt 2:\n%s", out)
		}
		if hs := l.u.Do("GET", "/v2/scans/"+scanID+"/hosts", nil); hs.Get("pagination.total_count").(float64) != 1 {
			t.Errorf("hosts: %s", hs)
		}
		if hs := l.u.Do("GET", "/v2/scans/"+scanID+"/histories", nil); hs.Get("pagination.total_count").(float64) != 1 {
			t.Errorf("one run, not %s", hs)
		}
	})
}
