package main

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/perimeterhq/perimeter/internal/store"
	"github.com/perimeterhq/perimeter/internal/store/storetest"
)

// crashReceiver is a webhook endpoint whose behaviour the test switches:
// hang (never answer), fail (500) or accept (200). It checks signatures and
// remembers every request.
type crashReceiver struct {
	mode   atomic.Int32 // 0 hang, 1 fail, 2 accept
	secret atomic.Value
	mu     sync.Mutex
	reqs   []crashReq
}

type crashReq struct {
	delivery, event string
	valid, accepted bool
}

func (c *crashReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	mac := hmac.New(sha256.New, []byte(c.secret.Load().(string)))
	mac.Write(body)
	var p struct {
		EventID string `json:"event_id"`
	}
	_ = json.Unmarshal(body, &p)
	req := crashReq{delivery: r.Header.Get("X-CG-Hook-Delivery"), event: p.EventID,
		valid: hmac.Equal([]byte("sha256="+hex.EncodeToString(mac.Sum(nil))), []byte(r.Header.Get("X-CG-Hook-Signature")))}
	mode := c.mode.Load()
	req.accepted = mode == 2
	c.mu.Lock()
	c.reqs = append(c.reqs, req)
	c.mu.Unlock()
	switch mode {
	case 0:
		<-r.Context().Done() // until the server that sent it dies
	case 1:
		w.WriteHeader(http.StatusInternalServerError)
	default:
		w.WriteHeader(http.StatusOK)
	}
}

func (c *crashReceiver) requests() []crashReq {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]crashReq(nil), c.reqs...)
}

func waitFor(t *testing.T, timeout time.Duration, what string, out fmt.Stringer, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s:\n%s", what, out)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestKillDuringWebhookDelivery kills the server with SIGKILL while deliveries
// are in flight, and again while they wait for a retry. After the last
// restart every event must be delivered, each under one delivery id, none
// lost.
func TestKillDuringWebhookDelivery(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine string) {
		dbURL := storetest.URL(t, engine)
		addr := freeAddr(t)
		base := "http://" + addr
		hookArgs := []string{"--webhook-allow 127.0.0.1/32", "--webhook-retry-delays 1s,1s,1s,1s,1s", "--webhook-rescue-after 3s",
			"--secret-key-file " + filepath.Join(t.TempDir(), "secret.key")}
		rcv := &crashReceiver{}
		rcv.secret.Store("")
		srv := httptest.NewServer(rcv)
		defer srv.Close()

		first := startChild(t, dbURL, addr, hookArgs...)
		key := regexp.MustCompile(`API key:\s+(\S+)`).FindStringSubmatch(first.out.String())
		if key == nil {
			t.Fatalf("no API key in first-run output:\n%s", first.out)
		}
		k := key[1]
		auth := signIn(t, base, k, "crash@example.test", "crash-test-password")
		st, wh := call(t, "POST", base+"/v2/webhooks", k, auth, map[string]any{"name": "crash", "url": srv.URL + "/hook",
			"events": []string{"scan_started", "scan_completed"}})
		if st != 201 {
			t.Fatalf("webhook: %d %v", st, wh)
		}
		hook := wh["webhook"].(map[string]any)
		rcv.secret.Store(hook["secret"].(string))
		closed, err := net.Listen("tcp", "127.0.0.1:0") // a port that refuses once closed: the scans are quick
		if err != nil {
			t.Fatal(err)
		}
		port := closed.Addr().(*net.TCPAddr).Port
		closed.Close()
		_, pl := call(t, "POST", base+"/v2/port_lists", k, auth, map[string]any{"name": "closed", "ports": fmt.Sprintf("T:%d", port)})
		_, tg := call(t, "POST", base+"/v2/targets", k, auth, map[string]any{"name": "lo", "hosts": "127.0.0.1", "product": "vrms",
			"port_list_id": pl["port_list"].(map[string]any)["id"]})
		const scans = 3
		for i := range scans {
			_, sc := call(t, "POST", base+"/v2/scans", k, auth, map[string]any{"name": fmt.Sprint("crash ", i), "target_id": tg["target"].(map[string]any)["id"]})
			if st, r := call(t, "POST", base+"/v2/scans/"+sc["scan"].(map[string]any)["id"].(string)+"/start", k, auth, nil); st != 202 {
				t.Fatalf("start: %d %v", st, r)
			}
		}
		// Kill 1: deliveries enqueued, one of them sent and never answered.
		waitFor(t, 30*time.Second, "a delivery in flight", first.out, func() bool { return len(rcv.requests()) > 0 })
		time.Sleep(300 * time.Millisecond)
		_ = first.cmd.Process.Kill()
		_ = first.cmd.Wait()

		// Kill 2: the receiver fails; the server dies while retries wait.
		rcv.mode.Store(1)
		before := len(rcv.requests())
		second := startChild(t, dbURL, addr, hookArgs...)
		waitFor(t, 60*time.Second, "failed attempts after the restart", second.out, func() bool { return len(rcv.requests()) > before+1 })
		_ = second.cmd.Process.Kill()
		_ = second.cmd.Wait()

		// Recovery: the receiver accepts; every event gets through.
		rcv.mode.Store(2)
		third := startChild(t, dbURL, addr, hookArgs...)
		auth = signIn(t, base, k, "crash@example.test", "crash-test-password")
		hookID := hook["id"].(string)
		waitFor(t, 120*time.Second, "every delivery to succeed", third.out, func() bool {
			_, d := call(t, "GET", base+"/v2/webhooks/"+hookID+"/deliveries?q[status]=succeeded&per_page=100", k, auth, nil)
			return d["pagination"].(map[string]any)["total_count"].(float64) == 2*scans
		})

		s, err := store.Open(context.Background(), dbURL)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		if n, err := s.R().CountUndispatchedEvents(context.Background()); err != nil || n != 0 {
			t.Fatalf("undispatched events: %d %v", n, err)
		}
		_, me := call(t, "GET", base+"/v2/user", k, auth, nil)
		orgID := me["user"].(map[string]any)["organization_id"].(string)
		events, err := s.R().FindEvents(context.Background(), orgID, "", 1000)
		if err != nil {
			t.Fatal(err)
		}
		ids := map[string]map[string]bool{} // event id → delivery ids seen
		accepted := map[string]bool{}
		for _, r := range rcv.requests() {
			if !r.valid {
				t.Fatalf("a request with a bad signature: %+v", r)
			}
			if ids[r.event] == nil {
				ids[r.event] = map[string]bool{}
			}
			ids[r.event][r.delivery] = true
			if r.accepted {
				accepted[r.event] = true
			}
		}
		want := 0
		for _, ev := range events {
			if ev.Type != "scan_started" && ev.Type != "scan_completed" {
				continue
			}
			want++
			if len(ids[ev.ID]) != 1 {
				t.Errorf("event %s (%s) went out under %d delivery ids", ev.ID, ev.Type, len(ids[ev.ID]))
			}
			if !accepted[ev.ID] {
				t.Errorf("event %s (%s) was never delivered", ev.ID, ev.Type)
			}
		}
		if want != 2*scans || len(ids) != want {
			t.Fatalf("%d scan events in the outbox, %d received; want %d", want, len(ids), 2*scans)
		}
		t.Logf("%d requests for %d events across two kills", len(rcv.requests()), want)
	})
}
