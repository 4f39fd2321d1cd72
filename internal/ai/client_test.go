package ai_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/perimeterhq/perimeter/internal/ai"
)

var loopback = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}

func completionJSON(w http.ResponseWriter, content string) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"model": "m", "choices": []any{
		map[string]any{"message": map[string]any{"role": "assistant", "content": content}, "finish_reason": "stop"}}})
}

func TestNewChecksItsSettings(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name string
		cfg  ai.Config
		want string
	}{
		{"no scheme", ai.Config{URL: "api.openai.com/v1", Model: "m"}, "--ai-url"},
		{"ftp", ai.Config{URL: "ftp://example.com/v1", Model: "m"}, "--ai-url"},
		{"credentials in the URL", ai.Config{URL: "https://user:sk-secret@example.com/v1", Model: "m"}, "PERIMETER_AI_KEY"},
		{"no model", ai.Config{URL: "https://example.com/v1"}, "--ai-model"},
		{"loopback literal without --ai-allow", ai.Config{URL: "http://127.0.0.1:11434/v1", Model: "m"}, "loopback address (allow it with --ai-allow)"},
		{"metadata address", ai.Config{URL: "http://169.254.169.254/v1", Model: "m"}, "cloud metadata address"},
	} {
		_, err := ai.New(c.cfg)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err %v, want it to mention %q", c.name, err, c.want)
		}
		if err != nil && strings.Contains(err.Error(), "sk-secret") {
			t.Errorf("%s: the error shows the key: %v", c.name, err)
		}
	}
	c, err := ai.New(ai.Config{URL: "http://127.0.0.1:8080/v1/chat/completions?x=1", Model: "m", Allow: loopback})
	if err != nil || c.Endpoint() != "http://127.0.0.1:8080/v1/chat/completions" {
		t.Fatalf("endpoint %v %v", c, err)
	}
	c, err = ai.New(ai.Config{URL: "http://127.0.0.1:8080/v1/", Model: "m", Allow: loopback})
	if err != nil || c.Endpoint() != "http://127.0.0.1:8080/v1/chat/completions" {
		t.Fatalf("endpoint %v %v", c, err)
	}
}

// A name that resolves to a refused address is refused when dialing, and
// nothing connects.
func TestChatRefusesInternalAddressesByName(t *testing.T) {
	t.Parallel()
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { hits.Add(1); completionJSON(w, "x") }))
	defer srv.Close()
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(srv.URL, "http://"))
	c, err := ai.New(ai.Config{URL: "http://localhost:" + port + "/v1", Model: "m"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Chat(context.Background(), []ai.Message{{Role: "user", Content: "hi"}}, nil)
	var ae *ai.Error
	if !errors.As(err, &ae) || ae.Timeout || !strings.Contains(ae.Reason, "refused: localhost resolves to") ||
		!strings.Contains(ae.Reason, "--ai-allow") {
		t.Fatalf("err %v", err)
	}
	if hits.Load() != 0 {
		t.Fatal("the refused server was reached")
	}
	// Allowed, the same name works.
	c, _ = ai.New(ai.Config{URL: "http://localhost:" + port + "/v1", Model: "m", Allow: loopback})
	if a, err := c.Chat(context.Background(), []ai.Message{{Role: "user", Content: "hi"}}, nil); err != nil || a.Content != "x" {
		t.Fatalf("allowed: %v %v", a, err)
	}
}

func TestChatDoesNotFollowRedirects(t *testing.T) {
	t.Parallel()
	var followed atomic.Bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/elsewhere" {
			followed.Store(true)
			completionJSON(w, "x")
			return
		}
		http.Redirect(w, r, "/elsewhere", http.StatusTemporaryRedirect)
	}))
	defer srv.Close()
	c, _ := ai.New(ai.Config{URL: srv.URL + "/v1", Model: "m", Allow: loopback})
	_, err := c.Chat(context.Background(), []ai.Message{{Role: "user", Content: "hi"}}, nil)
	var ae *ai.Error
	if !errors.As(err, &ae) || ae.Status != 307 || followed.Load() {
		t.Fatalf("err %v followed %v", err, followed.Load())
	}
}

func TestChatWithoutKeySendsNoAuthorization(t *testing.T) {
	t.Parallel()
	var auth atomic.Value
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		auth.Store(r.Header.Get("Authorization") + "|")
		completionJSON(w, "local answer")
	}))
	defer srv.Close()
	c, _ := ai.New(ai.Config{URL: srv.URL + "/v1", Model: "llama3", Allow: loopback})
	a, err := c.Chat(context.Background(), []ai.Message{{Role: "user", Content: "hi"}}, nil)
	if err != nil || a.Content != "local answer" || auth.Load() != "|" {
		t.Fatalf("%v %v auth %q", a, err, auth.Load())
	}
}

// A server that ignores stream:true answers in one piece: the answer is
// relayed as one delta.
func TestChatStreamFromAServerThatDoesNotStream(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { completionJSON(w, "whole") }))
	defer srv.Close()
	c, _ := ai.New(ai.Config{URL: srv.URL, Model: "m", Allow: loopback})
	var deltas []string
	a, err := c.Chat(context.Background(), []ai.Message{{Role: "user", Content: "hi"}}, func(s string) error { deltas = append(deltas, s); return nil })
	if err != nil || a.Content != "whole" || fmt.Sprint(deltas) != "[whole]" {
		t.Fatalf("%v %v %v", a, err, deltas)
	}
}

// The client's own failure to take a delta ends the exchange with that error.
func TestChatStopsWhenTheReceiverFails(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		for range 3 {
			fmt.Fprint(w, `data: {"choices":[{"delta":{"content":"x"}}]}`+"\n\n")
		}
		fmt.Fprint(w, "data: [DONE]\n\n")
	}))
	defer srv.Close()
	c, _ := ai.New(ai.Config{URL: srv.URL, Model: "m", Allow: loopback})
	gone := errors.New("client gone")
	n := 0
	_, err := c.Chat(context.Background(), []ai.Message{{Role: "user", Content: "hi"}}, func(string) error { n++; return gone })
	if !errors.Is(err, gone) || n != 1 {
		t.Fatalf("err %v after %d deltas", err, n)
	}
}

func TestEstimateTokens(t *testing.T) {
	t.Parallel()
	for s, want := range map[string]int{"": 0, "a": 1, "abcd": 1, "abcde": 2, strings.Repeat("é", 8): 2} {
		if got := ai.EstimateTokens(s); got != want {
			t.Errorf("EstimateTokens(%q) = %d, want %d", s, got, want)
		}
	}
}
