// Package ai is an OpenAI-compatible chat-completions client for the
// vulnerability assistant. It works with hosted providers and with local
// servers that speak the same protocol (llama.cpp, Ollama, vLLM): POST
// {base}/chat/completions with {model, messages, stream}. Connections go
// through the webhooks' SSRF guard with the assistant's own allow-list, every
// exchange has a deadline, and the API key is sent only in the Authorization
// header: it is never logged and never part of an error message.
package ai

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"time"

	"github.com/perimeterhq/perimeter/internal/webhook"
)

// DefaultTimeout bounds one exchange with the provider (connection, answer,
// and for a streamed answer its last chunk).
const DefaultTimeout = 60 * time.Second

// MaxAnswerBytes bounds what is read of an answer (streamed or not).
const MaxAnswerBytes = 1 << 20

// Config configures a Client.
type Config struct {
	// URL is the provider's base URL (https://api.openai.com/v1,
	// http://127.0.0.1:11434/v1); a URL ending in /chat/completions is used
	// as it is.
	URL   string
	Model string
	// Key is sent as "Authorization: Bearer <Key>"; empty for local servers
	// that need none.
	Key string
	// Allow lists internal ranges (loopback, private) the client may reach
	// although the guard refuses them by default (--ai-allow).
	Allow   []netip.Prefix
	Timeout time.Duration // per exchange; DefaultTimeout when zero
	TLS     *tls.Config   // tests trust their own CA; nil = system roots
	Version string        // User-Agent: Perimeter/<Version>
}

// Client talks to one provider and model.
type Client struct {
	endpoint string
	model    string
	key      string
	timeout  time.Duration
	version  string
	guard    *webhook.Guard
	http     *http.Client
}

// New checks cfg and returns a Client. It returns an error naming the setting
// for a URL that is not http(s), a missing model, or a literal address the
// guard refuses.
func New(cfg Config) (*Client, error) {
	u, err := url.Parse(strings.TrimSpace(cfg.URL))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("--ai-url: %q is not an http(s) URL", cfg.URL)
	}
	if u.User != nil {
		return nil, errors.New("--ai-url: put the API key in PERIMETER_AI_KEY, not in the URL")
	}
	if strings.TrimSpace(cfg.Model) == "" {
		return nil, errors.New("--ai-model: required with --ai-url")
	}
	u.RawQuery, u.Fragment = "", ""
	if !strings.HasSuffix(u.Path, "/chat/completions") {
		u.Path = strings.TrimRight(u.Path, "/") + "/chat/completions"
	}
	g := &webhook.Guard{Allow: cfg.Allow, Timeout: 10 * time.Second}
	if err := g.CheckURLHost(u.Hostname()); err != nil {
		return nil, fmt.Errorf("--ai-url: %s", refusal(err))
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.Version == "" {
		cfg.Version = "dev"
	}
	tr := &http.Transport{
		Proxy:                 nil, // a proxy would connect on our behalf, past the guard
		DialContext:           g.DialContext,
		TLSClientConfig:       cfg.TLS,
		TLSHandshakeTimeout:   10 * time.Second,
		ResponseHeaderTimeout: cfg.Timeout,
		MaxIdleConnsPerHost:   4,
		IdleConnTimeout:       90 * time.Second,
		ForceAttemptHTTP2:     true,
	}
	return &Client{endpoint: u.String(), model: cfg.Model, key: cfg.Key, timeout: cfg.Timeout, version: cfg.Version, guard: g,
		http: &http.Client{Transport: tr,
			// A redirect could point anywhere: it is an error, not followed.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}, nil
}

// Model is the model the client asks.
func (c *Client) Model() string { return c.model }

// Endpoint is the chat-completions URL (no credentials in it).
func (c *Client) Endpoint() string { return c.endpoint }

// Message is one chat message.
type Message struct {
	Role    string `json:"role"` // system, user, assistant
	Content string `json:"content"`
}

// Answer is the provider's reply.
type Answer struct {
	Content      string
	Model        string // as the provider names it (may differ from the configured one)
	FinishReason string
}

// Error is a failed exchange: the provider could not be reached, answered
// with an error, answered something unreadable (Timeout false: 502), or did
// not answer in time (Timeout true: 504). Reason is safe to show: it never
// holds the API key.
type Error struct {
	Timeout bool
	Status  int // the provider's HTTP status, 0 when it gave none
	Reason  string
}

func (e *Error) Error() string { return "ai: " + e.Reason }

var errDeadline = errors.New("deadline of the AI exchange")

// Chat sends messages and returns the answer. With onDelta set it asks for a
// streamed answer and calls onDelta with each piece of content as it
// arrives; an error from onDelta (the client went away) ends the exchange
// and is returned as is. When ctx ends (the caller disconnected) the request
// is cancelled and ctx's error returned. Failures of the provider are *Error.
func (c *Client) Chat(ctx context.Context, msgs []Message, onDelta func(string) error) (Answer, error) {
	ctx, cancel := context.WithTimeoutCause(ctx, c.timeout, errDeadline)
	defer cancel()
	body, err := json.Marshal(map[string]any{"model": c.model, "messages": msgs, "stream": onDelta != nil})
	if err != nil {
		return Answer{}, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.endpoint, bytes.NewReader(body))
	if err != nil {
		return Answer{}, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Perimeter/"+c.version)
	if onDelta != nil {
		req.Header.Set("Accept", "text/event-stream")
	} else {
		req.Header.Set("Accept", "application/json")
	}
	if c.key != "" {
		req.Header.Set("Authorization", "Bearer "+c.key)
	}
	res, err := c.http.Do(req)
	if err != nil {
		return Answer{}, c.failure(ctx, err)
	}
	defer res.Body.Close()
	if res.StatusCode/100 != 2 {
		b, _ := io.ReadAll(io.LimitReader(res.Body, 8<<10))
		msg := upstreamMessage(b)
		reason := fmt.Sprintf("the AI provider answered %d %s", res.StatusCode, http.StatusText(res.StatusCode))
		if msg != "" {
			reason += ": " + msg
		}
		return Answer{}, &Error{Status: res.StatusCode, Reason: c.redact(reason)}
	}
	var a Answer
	if onDelta != nil && strings.HasPrefix(strings.ToLower(res.Header.Get("Content-Type")), "text/event-stream") {
		a, err = c.readStream(res.Body, onDelta)
	} else {
		// A server that ignores stream:true answers in one piece: relay it
		// as one delta.
		a, err = c.readWhole(res.Body)
		if err == nil && onDelta != nil && a.Content != "" {
			err = onDelta(a.Content)
		}
	}
	if err != nil {
		var ae *Error
		if errors.As(err, &ae) {
			return Answer{}, err
		}
		var de *deltaError
		if errors.As(err, &de) {
			return Answer{}, de.err
		}
		return Answer{}, c.failure(ctx, err)
	}
	if a.Model == "" {
		a.Model = c.model
	}
	return a, nil
}

// failure turns a transport error into ctx's error (the caller left) or an
// *Error saying what went wrong.
func (c *Client) failure(ctx context.Context, err error) error {
	if context.Cause(ctx) == errDeadline {
		return &Error{Timeout: true, Reason: fmt.Sprintf("the AI provider did not answer within %s", c.timeout)}
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	var ne interface{ Timeout() bool }
	if errors.As(err, &ne) && ne.Timeout() {
		return &Error{Timeout: true, Reason: fmt.Sprintf("the AI provider did not answer within %s", c.timeout)}
	}
	if webhook.IsRefused(err) {
		return &Error{Reason: refusal(err)}
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	return &Error{Reason: c.redact("cannot reach the AI provider: " + err.Error())}
}

// refusal words a guard refusal with the assistant's flag.
func refusal(err error) string {
	var r *webhook.RefusedError
	if !errors.As(err, &r) {
		return err.Error()
	}
	if r.Host != "" && r.Host != r.IP.String() {
		return fmt.Sprintf("refused: %s resolves to %s, a %s (allow it with --ai-allow)", r.Host, r.IP, r.Reason)
	}
	return fmt.Sprintf("refused: %s is a %s (allow it with --ai-allow)", r.IP, r.Reason)
}

// redact removes the API key from text that may echo it (some providers
// quote the key they refused).
func (c *Client) redact(s string) string {
	if len(c.key) >= 4 {
		s = strings.ReplaceAll(s, c.key, "[redacted]")
	}
	if len(s) > 500 {
		s = s[:500] + "…"
	}
	return strings.ToValidUTF8(s, "")
}

// upstreamMessage is the message of an OpenAI-style error body, or the start
// of a plain one.
func upstreamMessage(b []byte) string {
	var e struct {
		Error json.RawMessage `json:"error"`
	}
	if json.Unmarshal(b, &e) == nil && len(e.Error) > 0 {
		var obj struct {
			Message string `json:"message"`
		}
		if json.Unmarshal(e.Error, &obj) == nil && obj.Message != "" {
			return obj.Message
		}
		var s string
		if json.Unmarshal(e.Error, &s) == nil {
			return s
		}
	}
	s := strings.TrimSpace(string(b))
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return strings.Join(strings.Fields(s), " ")
}

type completion struct {
	Model   string `json:"model"`
	Choices []struct {
		Message      *Message `json:"message"`
		Delta        *Message `json:"delta"`
		FinishReason *string  `json:"finish_reason"`
	} `json:"choices"`
	Error json.RawMessage `json:"error"`
}

func (c *Client) readWhole(r io.Reader) (Answer, error) {
	b, err := io.ReadAll(io.LimitReader(r, MaxAnswerBytes+1))
	if err != nil {
		return Answer{}, err
	}
	if len(b) > MaxAnswerBytes {
		return Answer{}, &Error{Reason: fmt.Sprintf("the AI provider's answer is larger than %d bytes", MaxAnswerBytes)}
	}
	var cp completion
	if err := json.Unmarshal(b, &cp); err != nil {
		return Answer{}, &Error{Reason: "the AI provider's answer is not chat-completion JSON: " + err.Error()}
	}
	if len(cp.Error) > 0 && string(cp.Error) != "null" {
		return Answer{}, &Error{Reason: c.redact("the AI provider reported an error: " + upstreamMessage(b))}
	}
	if len(cp.Choices) == 0 || cp.Choices[0].Message == nil {
		return Answer{}, &Error{Reason: "the AI provider's answer has no choices[0].message"}
	}
	a := Answer{Content: cp.Choices[0].Message.Content, Model: cp.Model}
	if fr := cp.Choices[0].FinishReason; fr != nil {
		a.FinishReason = *fr
	}
	return a, nil
}

// deltaError carries an onDelta failure out of readStream.
type deltaError struct{ err error }

func (e *deltaError) Error() string { return e.err.Error() }
func (e *deltaError) Unwrap() error { return e.err }

// readStream reads server-sent events of chat-completion chunks until
// "data: [DONE]" (or the end of the body after a finish_reason).
func (c *Client) readStream(r io.Reader, onDelta func(string) error) (Answer, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), MaxAnswerBytes)
	var a Answer
	var content strings.Builder
	done := false
	for sc.Scan() {
		line := sc.Text()
		data, ok := strings.CutPrefix(line, "data:")
		if !ok {
			continue // comments (": keep-alive"), event:, id:, blank separators
		}
		data = strings.TrimSpace(data)
		if data == "[DONE]" {
			done = true
			break
		}
		var cp completion
		if err := json.Unmarshal([]byte(data), &cp); err != nil {
			return Answer{}, &Error{Reason: "the AI provider streamed a chunk that is not JSON: " + err.Error()}
		}
		if len(cp.Error) > 0 && string(cp.Error) != "null" {
			return Answer{}, &Error{Reason: c.redact("the AI provider reported an error: " + upstreamMessage([]byte(data)))}
		}
		if cp.Model != "" {
			a.Model = cp.Model
		}
		for _, ch := range cp.Choices {
			if ch.FinishReason != nil && *ch.FinishReason != "" {
				a.FinishReason = *ch.FinishReason
			}
			if ch.Delta == nil || ch.Delta.Content == "" {
				continue
			}
			if content.Len()+len(ch.Delta.Content) > MaxAnswerBytes {
				return Answer{}, &Error{Reason: fmt.Sprintf("the AI provider's answer is larger than %d bytes", MaxAnswerBytes)}
			}
			content.WriteString(ch.Delta.Content)
			if err := onDelta(ch.Delta.Content); err != nil {
				return Answer{}, &deltaError{err}
			}
		}
	}
	if err := sc.Err(); err != nil {
		return Answer{}, err
	}
	if !done && a.FinishReason == "" {
		return Answer{}, &Error{Reason: "the AI provider's stream ended before the answer was complete"}
	}
	a.Content = content.String()
	return a, nil
}
