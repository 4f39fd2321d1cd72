package apitest

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
)

// Hook is one request a Receiver got.
type Hook struct {
	Delivery, Event, Signature, UserAgent string
	Body                                  []byte
	Valid                                 bool // the signature checked out
	EventID                               string
	Payload                               map[string]any
	Status                                int // what the receiver answered
}

// Receiver is a webhook endpoint on loopback that checks every request the
// way a CG client would: HMAC-SHA256 of the raw body with the shared secret,
// compared in constant time. Answer decides the status of each request (n
// counts the requests of the same delivery id, from 1); nil answers 200.
type Receiver struct {
	URL    string
	Answer func(h Hook, n int) int

	srv    *httptest.Server
	secret atomic.Value
	mu     sync.Mutex
	hooks  []Hook
	per    map[string]int
}

// NewReceiver starts a receiver on 127.0.0.1, closed at cleanup.
func NewReceiver(t testing.TB) *Receiver {
	r := &Receiver{per: map[string]int{}}
	r.secret.Store("")
	r.srv = httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(r.srv.Close)
	r.URL = r.srv.URL
	return r
}

// SetSecret sets the secret signatures are checked with.
func (r *Receiver) SetSecret(s string) { r.secret.Store(s) }

func (r *Receiver) serve(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	h := Hook{Delivery: req.Header.Get("X-CG-Hook-Delivery"), Event: req.Header.Get("X-CG-Hook-Event"),
		Signature: req.Header.Get("X-CG-Hook-Signature"), UserAgent: req.Header.Get("User-Agent"), Body: body}
	mac := hmac.New(sha256.New, []byte(r.secret.Load().(string)))
	mac.Write(body)
	h.Valid = hmac.Equal([]byte("sha256="+hex.EncodeToString(mac.Sum(nil))), []byte(h.Signature))
	_ = json.Unmarshal(body, &h.Payload)
	h.EventID, _ = h.Payload["event_id"].(string)
	r.mu.Lock()
	r.per[h.Delivery]++
	n := r.per[h.Delivery]
	answer := r.Answer
	r.mu.Unlock()
	h.Status = http.StatusOK
	if answer != nil {
		h.Status = answer(h, n)
	}
	r.mu.Lock()
	r.hooks = append(r.hooks, h)
	r.mu.Unlock()
	w.WriteHeader(h.Status)
	_, _ = io.WriteString(w, `{"ok":true}`)
}

// Hooks returns every request so far.
func (r *Receiver) Hooks() []Hook {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Hook(nil), r.hooks...)
}

// Accepted returns the requests answered 2xx, by delivery id.
func (r *Receiver) Accepted() map[string]Hook {
	out := map[string]Hook{}
	for _, h := range r.Hooks() {
		if h.Status >= 200 && h.Status < 300 {
			out[h.Delivery] = h
		}
	}
	return out
}

// Sentinel listens on a loopback address and counts connections: tests point
// refused URLs at it and assert it never saw one.
type Sentinel struct {
	Addr  string // host:port
	conns atomic.Int32
}

// NewSentinel listens on ip (a loopback address), closed at cleanup.
func NewSentinel(t testing.TB, ip string) *Sentinel {
	ln, err := net.Listen("tcp", net.JoinHostPort(ip, "0"))
	if err != nil {
		t.Skipf("cannot listen on %s: %v", ip, err)
	}
	s := &Sentinel{Addr: ln.Addr().String()}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s.conns.Add(1)
			c.Close()
		}
	}()
	t.Cleanup(func() { ln.Close() })
	return s
}

// Port is the sentinel's port.
func (s *Sentinel) Port() string { _, p, _ := net.SplitHostPort(s.Addr); return p }

// Connections counts the connections that reached the sentinel.
func (s *Sentinel) Connections() int { return int(s.conns.Load()) }
