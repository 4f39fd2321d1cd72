package api_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/perimeterhq/perimeter/internal/ai"
	"github.com/perimeterhq/perimeter/internal/apitest"
	"github.com/perimeterhq/perimeter/internal/app"
	"github.com/perimeterhq/perimeter/internal/scan"
	"github.com/perimeterhq/perimeter/internal/store/storetest"
)

const fakeAIKey = "sk-test-0123456789abcdef"

// fakeLLM is an OpenAI-compatible chat-completions server on loopback. Each
// request is recorded and answered by the handler in effect.
type fakeLLM struct {
	srv *httptest.Server

	mu       sync.Mutex
	requests []fakeRequest
	handle   func(w http.ResponseWriter, r *http.Request, req fakeRequest)
}

type fakeRequest struct {
	Path          string
	Authorization string
	Accept        string
	Model         string       `json:"model"`
	Stream        bool         `json:"stream"`
	Messages      []ai.Message `json:"messages"`
}

func newFakeLLM(t *testing.T) *fakeLLM {
	f := &fakeLLM{}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req fakeRequest
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			http.Error(w, "bad json", 400)
			return
		}
		req.Path, req.Authorization, req.Accept = r.URL.Path, r.Header.Get("Authorization"), r.Header.Get("Accept")
		f.mu.Lock()
		f.requests = append(f.requests, req)
		h := f.handle
		f.mu.Unlock()
		h(w, r, req)
	}))
	t.Cleanup(f.srv.Close)
	f.answer("default answer")
	return f
}

func (f *fakeLLM) set(h func(w http.ResponseWriter, r *http.Request, req fakeRequest)) {
	f.mu.Lock()
	f.handle = h
	f.mu.Unlock()
}

// answer makes the server answer every request with text, as JSON.
func (f *fakeLLM) answer(text string) {
	f.set(func(w http.ResponseWriter, _ *http.Request, req fakeRequest) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"id": "chatcmpl-1", "object": "chat.completion", "model": req.Model + "-0613",
			"choices": []any{map[string]any{"index": 0, "message": map[string]any{"role": "assistant", "content": text}, "finish_reason": "stop"}}})
	})
}

func (f *fakeLLM) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.requests)
}

func (f *fakeLLM) last(t *testing.T) fakeRequest {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.requests) == 0 {
		t.Fatal("the AI provider got no request")
	}
	return f.requests[len(f.requests)-1]
}

// sseChunk writes one chat-completion chunk event.
func sseChunk(w http.ResponseWriter, content string, finish string) {
	choice := map[string]any{"index": 0, "delta": map[string]any{"content": content}}
	if finish != "" {
		choice["finish_reason"] = finish
	}
	b, _ := json.Marshal(map[string]any{"object": "chat.completion.chunk", "model": "stream-model", "choices": []any{choice}})
	fmt.Fprintf(w, "data: %s\n\n", b)
	w.(http.Flusher).Flush()
}

type aiWorld struct {
	e                    *apitest.Env
	llm                  *fakeLLM
	c1, c2               string
	me, other, bounded   *apitest.Client
	limited, streamer    *apitest.Client
	apache, ssh, theirs  string
	timeout              time.Duration
	historyTokens, rateN int
}

func newAIWorld(t *testing.T, engine string) *aiWorld {
	t.Helper()
	w := &aiWorld{llm: newFakeLLM(t), timeout: 1500 * time.Millisecond, historyTokens: 250, rateN: 5}
	client, err := ai.New(ai.Config{URL: w.llm.srv.URL + "/v1", Model: "test-model", Key: fakeAIKey,
		Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}, Timeout: w.timeout})
	if err != nil {
		t.Fatal(err)
	}
	w.e = apitest.NewWithConfig(t, engine, app.Config{AI: app.AIConfig{Client: client, HistoryTokens: w.historyTokens, PromptsPerMinute: w.rateN}})
	e := w.e
	w.c1 = e.NewOrg(e.Admin, map[string]any{"name": "Customer C1"})
	w.c2 = e.NewOrg(e.Admin, map[string]any{"name": "Customer C2"})
	c1Admin := e.NewUser(e.Admin, w.c1, "admin")
	w.me = e.NewUser(c1Admin, w.c1, "user")
	w.bounded = e.NewUser(c1Admin, w.c1, "user")
	w.limited = e.NewUser(c1Admin, w.c1, "user")
	w.streamer = e.NewUser(c1Admin, w.c1, "user")
	w.other = e.NewUser(e.Admin, w.c2, "admin")
	now := time.Now().UTC().Truncate(time.Second)
	web := newScan(t, w.me, w.c1, "Web", "10.0.0.0/23")
	theirs := newScan(t, w.other, w.c2, "Theirs", "10.0.0.0/24")
	storeRun(t, e.Store, web, now.Add(-time.Hour), scan.StatusCompleted, []hostSeed{with(web1, sshKex), with(web2, apacheCVE)})
	storeRun(t, e.Store, theirs, now.Add(-time.Hour), scan.StatusCompleted, []hostSeed{
		with(web1, findingSeed{port: 8443, check: "their-secret", severity: "critical", cvss: 10})})
	w.apache = scan.FindingID(w.c1, scan.HostID(w.c1, "10.0.0.2"), 80, "tcp", "cve:CVE-2021-41773")
	w.ssh = scan.FindingID(w.c1, scan.HostID(w.c1, "10.0.0.1"), 22, "tcp", "ssh-weak-kex")
	w.theirs = scan.FindingID(w.c2, scan.HostID(w.c2, "10.0.0.1"), 8443, "tcp", "their-secret")
	return w
}

func promptPath(id string) string  { return "/v2/vulnerabilities/" + id + "/ai/prompt" }
func historyPath(id string) string { return "/v2/vulnerabilities/" + id + "/ai/chat_history" }

func TestAIAssistant(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, engine string) {
		w := newAIWorld(t, engine)
		llm := w.llm
		var systemPrompt string
		llm.answer("Upgrade Apache httpd to 2.4.51 or later.")
		apitest.Run(t, []apitest.Scenario{
			{Name: "a JSON answer", As: w.me, Method: "POST", Path: promptPath(w.apache), Body: map[string]string{"prompt": "How do I fix this?"},
				Status: 200, Want: []string{`"answer":"Upgrade Apache httpd to 2.4.51 or later."`, `"model":"test-model-0613"`, `"finish_reason":"stop"`},
				Check: func(t *testing.T, r *apitest.Resp) {
					req := llm.last(t)
					if req.Path != "/v1/chat/completions" || req.Model != "test-model" || req.Stream {
						t.Errorf("request path %q model %q stream %v", req.Path, req.Model, req.Stream)
					}
					if req.Authorization != "Bearer "+fakeAIKey {
						t.Errorf("Authorization %q", req.Authorization)
					}
					if len(req.Messages) != 2 || req.Messages[0].Role != "system" || req.Messages[1].Role != "user" ||
						req.Messages[1].Content != "How do I fix this?" {
						t.Fatalf("messages %+v", req.Messages)
					}
					systemPrompt = req.Messages[0].Content
					for _, want := range []string{"remediation", "cve:CVE-2021-41773", "CVE-2021-41773", "critical (CVSS 9.8)", "CVSS:3.1/AV:N",
						"In CISA KEV (known exploited): yes", "0.9700", "10.0.0.2", "80/tcp", "Apache httpd 2.4.49",
						"Description of cve:CVE-2021-41773", "Solution of cve:CVE-2021-41773", "Evidence of cve:CVE-2021-41773", "PCI: fail"} {
						if !strings.Contains(systemPrompt, want) {
							t.Errorf("system prompt lacks %q:\n%s", want, systemPrompt)
						}
					}
					for _, never := range []string{"their-secret", "ssh-weak-kex", "OpenSSH", w.c2} {
						if strings.Contains(systemPrompt, never) {
							t.Errorf("system prompt holds %q, which is not this finding's", never)
						}
					}
				}},
			{Name: "the next prompt carries the conversation", As: w.me, Method: "POST", Path: promptPath(w.apache),
				Body: map[string]string{"prompt": "And a workaround?"}, Status: 200,
				Check: func(t *testing.T, r *apitest.Resp) {
					got := llm.last(t).Messages
					roles := []string{}
					for _, m := range got {
						roles = append(roles, m.Role)
					}
					if strings.Join(roles, ",") != "system,user,assistant,user" || got[1].Content != "How do I fix this?" ||
						got[2].Content != "Upgrade Apache httpd to 2.4.51 or later." || got[3].Content != "And a workaround?" {
						t.Errorf("messages %+v", got)
					}
				}},
			{Name: "history, oldest first, in the list envelope", As: w.me, Method: "GET", Path: historyPath(w.apache), Status: 200,
				Want: []string{`"total_count":4`, `"model":"test-model-0613"`},
				Check: func(t *testing.T, r *apitest.Resp) {
					wantField(t, r, "chat_history", "role", "user", "assistant", "user", "assistant")
					wantField(t, r, "chat_history", "content", "How do I fix this?", "Upgrade Apache httpd to 2.4.51 or later.",
						"And a workaround?", "Upgrade Apache httpd to 2.4.51 or later.")
				}},
			{Name: "history is per finding", As: w.me, Method: "GET", Path: historyPath(w.ssh), Status: 200, Want: []string{`"total_count":0`}},
			{Name: "history is per user", As: w.bounded, Method: "GET", Path: historyPath(w.apache), Status: 200, Want: []string{`"total_count":0`}},
			{Name: "history pages", As: w.me, Method: "GET", Path: historyPath(w.apache) + "?per_page=1&page=4", Status: 200,
				Want: []string{`"total_pages":4`}, Check: func(t *testing.T, r *apitest.Resp) {
					wantField(t, r, "chat_history", "role", "assistant")
				}},
			{Name: "another organization's finding: prompt", As: w.other, Method: "POST", Path: promptPath(w.apache),
				Body: map[string]string{"prompt": "Show me their data"}, Status: 404},
			{Name: "another organization's finding: history", As: w.other, Method: "GET", Path: historyPath(w.apache), Status: 404,
				NotIn: []string{"Upgrade"}},
			{Name: "their finding, from my organization", As: w.me, Method: "POST", Path: promptPath(w.theirs),
				Body: map[string]string{"prompt": "What is this?"}, Status: 404},
			{Name: "their finding's history, from my organization", As: w.me, Method: "GET", Path: historyPath(w.theirs), Status: 404},
			{Name: "an id that is no id", As: w.me, Method: "POST", Path: promptPath("not-an-id"), Body: map[string]string{"prompt": "x"}, Status: 404},
			{Name: "empty prompt", As: w.me, Method: "POST", Path: promptPath(w.apache), Body: map[string]string{"prompt": "  "}, Status: 422,
				Want: []string{`"prompt":["is required"]`}},
			{Name: "prompt too long", As: w.me, Method: "POST", Path: promptPath(w.apache), Body: map[string]string{"prompt": strings.Repeat("é", 4001)},
				Status: 422, Want: []string{`"prompt":["is 4001 characters long; the limit is 4000"]`}},
			{Name: "prompt of the wrong type", As: w.me, Method: "POST", Path: promptPath(w.apache), Body: `{"prompt": 5}`, Status: 422,
				Want: []string{`"prompt"`}},
			{Name: "no credentials", As: w.e.Anon, Method: "POST", Path: promptPath(w.apache), Body: map[string]string{"prompt": "x"}, Status: 401},
		})
		if n := llm.count(); n != 2 {
			t.Fatalf("the provider got %d requests; refused ones must not reach it", n)
		}

		t.Run("upstream 500 is a 502 with the reason, key redacted, nothing stored", func(t *testing.T) {
			llm.set(func(w http.ResponseWriter, _ *http.Request, _ fakeRequest) {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(500)
				fmt.Fprintf(w, `{"error":{"message":"model overloaded (key %s)","type":"server_error"}}`, fakeAIKey)
			})
			r := w.me.Do("POST", promptPath(w.ssh), map[string]string{"prompt": "Fix?"})
			if r.Status != 502 || !strings.Contains(string(r.Body), "500 Internal Server Error: model overloaded") ||
				strings.Contains(string(r.Body), fakeAIKey) {
				t.Fatalf("%s", r)
			}
			if h := w.me.Do("GET", historyPath(w.ssh), nil); num(h, "pagination.total_count") != 0 {
				t.Fatalf("a failed prompt was stored: %s", h)
			}
		})

		t.Run("an answer that is no chat completion is a 502", func(t *testing.T) {
			llm.set(func(w http.ResponseWriter, _ *http.Request, _ fakeRequest) { fmt.Fprint(w, `<html>gateway</html>`) })
			if r := w.me.Do("POST", promptPath(w.ssh), map[string]string{"prompt": "Fix?"}); r.Status != 502 ||
				!strings.Contains(string(r.Body), "not chat-completion JSON") {
				t.Fatalf("%s", r)
			}
		})

		t.Run("an upstream that does not answer in time is a 504", func(t *testing.T) {
			llm.set(func(w http.ResponseWriter, r *http.Request, _ fakeRequest) {
				select {
				case <-r.Context().Done():
				case <-time.After(10 * time.Second):
				}
			})
			start := time.Now()
			r := w.bounded.Do("POST", promptPath(w.ssh), map[string]string{"prompt": "Fix?"})
			if r.Status != 504 || !strings.Contains(string(r.Body), "did not answer within 1.5s") {
				t.Fatalf("%s", r)
			}
			if d := time.Since(start); d > 8*time.Second {
				t.Fatalf("504 after %s", d)
			}
		})

		t.Run("streamed chunk by chunk as server-sent events", func(t *testing.T) {
			got1 := make(chan struct{})
			llm.set(func(w http.ResponseWriter, _ *http.Request, req fakeRequest) {
				if !req.Stream || !strings.Contains(req.Accept, "text/event-stream") {
					http.Error(w, "expected a stream request", 400)
					return
				}
				w.Header().Set("Content-Type", "text/event-stream")
				sseChunk(w, "Disable ", "")
				select { // the client must see the first piece before the second exists
				case <-got1:
					sseChunk(w, "mod_cgi.", "")
				case <-time.After(5 * time.Second):
					sseChunk(w, " NOT STREAMED", "")
				}
				sseChunk(w, "", "stop")
				fmt.Fprint(w, "data: [DONE]\n\n")
			})
			res, events := streamPrompt(t, w.e, w.streamer, w.apache, "Workaround?")
			defer res.Body.Close()
			if ct := res.Header.Get("Content-Type"); res.StatusCode != 200 || !strings.HasPrefix(ct, "text/event-stream") {
				t.Fatalf("status %d content type %q", res.StatusCode, ct)
			}
			ev := <-events
			if ev.name != "delta" || ev.data["content"] != "Disable " {
				t.Fatalf("first event %+v", ev)
			}
			close(got1)
			var all []sseEvent
			for ev := range events {
				all = append(all, ev)
			}
			if len(all) != 2 || all[0].name != "delta" || all[0].data["content"] != "mod_cgi." || all[1].name != "done" ||
				all[1].data["answer"] != "Disable mod_cgi." || all[1].data["model"] != "stream-model" {
				t.Fatalf("events %+v", all)
			}
			h := w.streamer.Do("GET", historyPath(w.apache), nil)
			wantField(t, h, "chat_history", "content", "Workaround?", "Disable mod_cgi.")
		})

		t.Run("a stream whose upstream fails before the first piece is a JSON 502", func(t *testing.T) {
			llm.set(func(w http.ResponseWriter, _ *http.Request, _ fakeRequest) {
				http.Error(w, "boom", http.StatusBadGateway)
			})
			res, _ := streamPrompt(t, w.e, w.streamer, w.apache, "Again?")
			defer res.Body.Close()
			var body map[string]any
			_ = json.NewDecoder(res.Body).Decode(&body)
			if res.StatusCode != 502 || !strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") ||
				!strings.Contains(fmt.Sprint(body["message"]), "502 Bad Gateway: boom") {
				t.Fatalf("status %d %v", res.StatusCode, body)
			}
		})

		t.Run("a stream that fails midway ends with an error event and stores nothing", func(t *testing.T) {
			llm.set(func(w http.ResponseWriter, _ *http.Request, _ fakeRequest) {
				w.Header().Set("Content-Type", "text/event-stream")
				sseChunk(w, "Partial", "")
				// the connection ends without finish_reason or [DONE]
			})
			res, events := streamPrompt(t, w.e, w.streamer, w.apache, "Midway?")
			defer res.Body.Close()
			var all []sseEvent
			for ev := range events {
				all = append(all, ev)
			}
			if len(all) != 2 || all[0].name != "delta" || all[1].name != "error" || all[1].data["status"] != float64(502) ||
				!strings.Contains(fmt.Sprint(all[1].data["message"]), "ended before the answer was complete") {
				t.Fatalf("events %+v", all)
			}
			if h := w.streamer.Do("GET", historyPath(w.apache), nil); num(h, "pagination.total_count") != 2 {
				t.Fatalf("history %s", h)
			}
		})

		t.Run("closing the connection cancels the upstream request", func(t *testing.T) {
			cancelled := make(chan struct{})
			llm.set(func(w http.ResponseWriter, r *http.Request, _ fakeRequest) {
				w.Header().Set("Content-Type", "text/event-stream")
				sseChunk(w, "Thinking", "")
				select {
				case <-r.Context().Done():
					close(cancelled)
				case <-time.After(10 * time.Second):
				}
			})
			res, events := streamPrompt(t, w.e, w.streamer, w.apache, "Slow?")
			if ev := <-events; ev.name != "delta" {
				t.Fatalf("first event %+v", ev)
			}
			res.Body.Close()
			select {
			case <-cancelled:
			case <-time.After(5 * time.Second):
				t.Fatal("the provider's request was not cancelled when the client left")
			}
			if h := w.streamer.Do("GET", historyPath(w.apache), nil); num(h, "pagination.total_count") != 2 {
				t.Fatalf("history %s", h)
			}
		})

		t.Run("history bounded by the token budget, oldest turns dropped", func(t *testing.T) {
			// Each turn: a 400-character prompt and a 400-character answer,
			// 200 estimated tokens; the budget (250) holds one turn.
			answer := strings.Repeat("a", 400)
			llm.answer(answer)
			prompts := []string{strings.Repeat("1", 400), strings.Repeat("2", 400), strings.Repeat("3", 400)}
			wantDropped := []int{0, 2, 2}
			for i, p := range prompts {
				r := w.bounded.Do("POST", promptPath(w.apache), map[string]string{"prompt": p})
				if r.Status != 200 || num(r, "dropped_messages") != wantDropped[i] {
					t.Fatalf("prompt %d: %s", i+1, r)
				}
				msgs := llm.last(t).Messages
				if i == 2 { // sent: system, turn 2, prompt 3 — turn 1 is gone
					if len(msgs) != 4 || msgs[1].Content != prompts[1] || msgs[3].Content != prompts[2] {
						t.Fatalf("prompt 3 sent %d messages", len(msgs))
					}
				}
			}
			h := w.bounded.Do("GET", historyPath(w.apache), nil)
			wantField(t, h, "chat_history", "content", prompts[2], answer)
			wantField(t, h, "chat_history", "tokens", "100", "100")
		})

		t.Run("rate limited per user with Retry-After", func(t *testing.T) {
			llm.answer("ok")
			for i := range w.rateN {
				if r := w.limited.Do("POST", promptPath(w.ssh), map[string]string{"prompt": "Fix?"}); r.Status != 200 {
					t.Fatalf("prompt %d: %s", i+1, r)
				}
			}
			r := w.limited.Do("POST", promptPath(w.ssh), map[string]string{"prompt": "Fix?"})
			if r.Status != 429 || r.Header.Get("Retry-After") == "" || !strings.Contains(string(r.Body), "at most 5 a minute") {
				t.Fatalf("%s (Retry-After %q)", r, r.Header.Get("Retry-After"))
			}
			// Another user is not affected.
			if r := w.me.Do("POST", promptPath(w.ssh), map[string]string{"prompt": "Fix?"}); r.Status != 200 {
				t.Fatalf("another user: %s", r)
			}
		})

		t.Run("prompting is audited without its text", func(t *testing.T) {
			r := w.e.Admin.Do("GET", "/v2/audit/events?q[action]=vulnerability.ai_prompt&per_page=100&q[organization_id]="+w.c1, nil)
			if r.Status != 200 || num(r, "pagination.total_count") < 5 || strings.Contains(string(r.Body), "How do I fix this?") {
				t.Fatalf("%s", r)
			}
		})
	})
}

func TestAIAssistantNotConfigured(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, engine string) {
		e := apitest.New(t, engine)
		id := "0190a4a1-0000-7000-8000-000000000001"
		apitest.Run(t, []apitest.Scenario{
			{Name: "prompt: 503", As: e.Admin, Method: "POST", Path: promptPath(id), Body: map[string]string{"prompt": "Fix?"}, Status: 503,
				Want: []string{"not configured", "--ai-url"}},
			{Name: "history still answers", As: e.Admin, Method: "GET", Path: historyPath(id), Status: 404},
		})
	})
}

type sseEvent struct {
	name string
	data map[string]any
}

// streamPrompt posts a prompt asking for server-sent events and returns the
// response with a channel of its events (closed at the end of the body).
func streamPrompt(t *testing.T, e *apitest.Env, c *apitest.Client, id, prompt string) (*http.Response, <-chan sseEvent) {
	t.Helper()
	b, _ := json.Marshal(map[string]string{"prompt": prompt})
	req, err := http.NewRequestWithContext(context.Background(), "POST", e.URL+promptPath(id), strings.NewReader(string(b)))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "text/event-stream")
	req.Header.Set("X-API-KEY", c.Key)
	req.Header.Set("Authorization", c.Auth)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	ch := make(chan sseEvent, 16)
	go func() {
		defer close(ch)
		sc := bufio.NewScanner(res.Body)
		var ev sseEvent
		for sc.Scan() {
			line := sc.Text()
			switch {
			case strings.HasPrefix(line, "event: "):
				ev.name = strings.TrimPrefix(line, "event: ")
			case strings.HasPrefix(line, "data: "):
				_ = json.Unmarshal([]byte(strings.TrimPrefix(line, "data: ")), &ev.data)
			case line == "" && ev.name != "":
				ch <- ev
				ev = sseEvent{}
			}
		}
	}()
	return res, ch
}
