package agent_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
)

// faults is an http.RoundTripper in front of the real transport that
// injects network failures: it is the only fake in these tests.
type faults struct {
	next http.RoundTripper

	cut atomic.Bool // every request fails before reaching the server

	mu sync.Mutex
	// loseAnswer lists call kinds ("results", "finish", ...) whose next
	// request reaches the server but whose answer is lost.
	loseAnswer map[string]int
	// refuse lists call kinds whose next request fails before reaching
	// the server.
	refuse map[string]int
	sent   []sentCall // every request that reached the server
	// mutate, when set, rewrites a request body of a kind before it is sent
	// (a corrupted request).
	mutate func(kind string, body []byte) []byte
}

type sentCall struct {
	kind string
	body []byte
}

func newFaults() *faults {
	return &faults{next: http.DefaultTransport, loseAnswer: map[string]int{}, refuse: map[string]int{}}
}

var errInjected = errors.New("injected network failure")

// kind is the last path segment: claim, progress, results or finish.
func kind(r *http.Request) string { return r.URL.Path[strings.LastIndex(r.URL.Path, "/")+1:] }

func (f *faults) RoundTrip(r *http.Request) (*http.Response, error) {
	if f.cut.Load() {
		return nil, errInjected
	}
	k := kind(r)
	var body []byte
	if r.Body != nil {
		body, _ = io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
	}
	f.mu.Lock()
	if f.mutate != nil && body != nil {
		body = f.mutate(k, body)
		r.Body, r.ContentLength = io.NopCloser(bytes.NewReader(body)), int64(len(body))
	}
	if f.refuse[k] > 0 {
		f.refuse[k]--
		f.mu.Unlock()
		return nil, errInjected
	}
	f.sent = append(f.sent, sentCall{k, body})
	lose := f.loseAnswer[k] > 0
	if lose {
		f.loseAnswer[k]--
	}
	f.mu.Unlock()
	resp, err := f.next.RoundTrip(r)
	if err == nil && lose {
		resp.Body.Close()
		return nil, errInjected
	}
	return resp, err
}

// calls returns the requests of one kind that reached the server.
func (f *faults) calls(k string) []sentCall {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []sentCall
	for _, c := range f.sent {
		if c.kind == k {
			out = append(out, c)
		}
	}
	return out
}

// sentBatch is what the tests read back from a results body.
type sentBatch struct {
	Attempt int `json:"attempt"`
	Seq     int `json:"seq"`
	Hosts   []struct {
		IP       string `json:"ip"`
		Findings []struct {
			CheckID string `json:"check_id"`
			Port    int    `json:"port"`
		} `json:"findings"`
	} `json:"hosts"`
	Down []string `json:"down"`
}

func decodeBatch(b []byte) sentBatch {
	var s sentBatch
	_ = json.Unmarshal(b, &s)
	return s
}
