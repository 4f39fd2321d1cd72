package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/perimeterhq/perimeter/internal/ai"
	"github.com/perimeterhq/perimeter/internal/errs"
)

// aiPromptDoc describes POST /v2/vulnerabilities/{id}/ai/prompt.
const aiPromptDoc = "Asks the configured OpenAI-compatible provider about this finding. The server sends a system prompt that keeps the " +
	"assistant on the remediation of this finding, the finding itself as context (check, severity, CVSS, CVEs with KEV and EPSS, " +
	"host, port, service, product and version, description, remediation, evidence, references) — nothing of any other finding or " +
	"organization — then the caller's conversation about the finding so far, then the prompt. The prompt and its answer are stored " +
	"as one turn of that conversation (see chat_history) once the answer is complete; a failed or interrupted answer stores nothing. " +
	"Conversations are bounded: tokens are estimated as characters / 4, and the oldest turns are dropped once a conversation " +
	"exceeds the server's budget (--ai-history-tokens, default 4000; the latest turn is always kept). " +
	"With Accept: text/event-stream the answer is streamed as server-sent events as the provider produces it: " +
	"`event: delta` with data {\"content\"} per piece, then `event: done` with the same object as the JSON answer, or " +
	"`event: error` with an error body ({status, status_text, message, request_id}) when the provider fails mid-answer. " +
	"Errors before the first piece are ordinary JSON errors. Closing the connection cancels the provider request."

const aiStreamDoc = "server-sent events: `event: delta` data {\"content\"}; `event: done` data: the JSON answer; `event: error` data ErrorBody"

var aiPromptErrors = map[int]string{
	429: "Too many prompts from this user (--ai-rate a minute, default 10); see Retry-After",
	502: "The AI provider failed: unreachable, refused by the address guard (--ai-allow), an error status, or an unreadable answer; the message says which",
	503: "The AI assistant is not configured (--ai-url, --ai-model)",
	504: "The AI provider did not answer in time (--ai-timeout, default 60 s)",
}

// AIPromptRequest is a question to the assistant.
type AIPromptRequest struct {
	Prompt string `json:"prompt" doc:"the question; at most 4000 characters unless the server says otherwise"`
}

// AIAnswerView is the assistant's answer.
type AIAnswerView struct {
	Answer          string `json:"answer"`
	Model           string `json:"model" doc:"the model that answered, as the provider names it"`
	FinishReason    string `json:"finish_reason" doc:"as the provider gives it: stop, length, …"`
	DroppedMessages int    `json:"dropped_messages" doc:"older messages dropped from the conversation to keep it within the token budget"`
}

// AIPromptAnswer is the JSON answer; it writes nothing when the answer was
// already streamed as events.
type AIPromptAnswer struct {
	AIAnswerView
	streamed bool
}

func (p *AIPromptAnswer) ServeHTTP(w http.ResponseWriter, _ *http.Request) {
	if !p.streamed {
		writeJSON(w, http.StatusOK, p.AIAnswerView)
	}
}

// AIMessageView is one message of a conversation with the assistant.
type AIMessageView struct {
	ID        string    `json:"id"`
	Role      string    `json:"role" enum:"user,assistant"`
	Content   string    `json:"content"`
	Model     string    `json:"model" doc:"the model that answered (assistant messages)"`
	Tokens    int       `json:"tokens" doc:"estimated: characters / 4, rounded up"`
	CreatedAt time.Time `json:"created_at"`
}

type aiHistoryList struct {
	ChatHistory []AIMessageView `json:"chat_history"`
	Pagination  Pagination      `json:"pagination"`
}

func (a *API) aiPrompt(c *Ctx, in *AIPromptRequest) (*AIPromptAnswer, error) {
	if !strings.Contains(strings.ToLower(c.R.Header.Get("Accept")), "text/event-stream") {
		ans, err := a.app.AskAI(c.Context(), c.Actor, c.Path("id"), in.Prompt, nil)
		if err != nil {
			if c.Context().Err() != nil && errors.Is(err, context.Canceled) {
				return &AIPromptAnswer{streamed: true}, nil // the caller left: nobody to answer
			}
			return nil, err
		}
		return &AIPromptAnswer{AIAnswerView: aiAnswerView(ans.Answer, ans.Model, ans.FinishReason, ans.Dropped)}, nil
	}
	sse := &sseWriter{w: c.W, rc: http.NewResponseController(c.W)}
	ans, err := a.app.AskAI(c.Context(), c.Actor, c.Path("id"), in.Prompt, func(s string) error {
		return sse.event("delta", map[string]string{"content": s})
	})
	switch {
	case err != nil && !sse.started:
		if c.Context().Err() != nil && errors.Is(err, context.Canceled) {
			return &AIPromptAnswer{streamed: true}, nil
		}
		return nil, err // nothing sent yet: an ordinary error body
	case err != nil:
		if c.Context().Err() == nil {
			_ = sse.event("error", a.errorEvent(c.R, err))
		}
	default:
		_ = sse.event("done", aiAnswerView(ans.Answer, ans.Model, ans.FinishReason, ans.Dropped))
	}
	return &AIPromptAnswer{streamed: true}, nil
}

func aiAnswerView(answer, model, finish string, dropped int) AIAnswerView {
	return AIAnswerView{Answer: answer, Model: model, FinishReason: finish, DroppedMessages: dropped}
}

// errorEvent is an error body for an error that happens mid-stream.
func (a *API) errorEvent(r *http.Request, err error) map[string]any {
	e, ok := errs.As(err)
	if !ok {
		a.log.Error("internal error", "request_id", requestID(r), "method", r.Method, "path", r.URL.Path, "err", err)
		e = errs.New(errs.Internal, "Internal server error")
	}
	status, ok := statusFor[e.Code]
	if !ok {
		status = http.StatusInternalServerError
	}
	return map[string]any{"status": status, "status_text": http.StatusText(status), "message": e.Message, "request_id": requestID(r)}
}

// sseWriter writes server-sent events, sending the headers with the first.
type sseWriter struct {
	w       http.ResponseWriter
	rc      *http.ResponseController
	started bool
}

func (s *sseWriter) event(name string, v any) error {
	if !s.started {
		s.started = true
		h := s.w.Header()
		h.Set("Content-Type", "text/event-stream; charset=utf-8")
		h.Set("X-Accel-Buffering", "no") // reverse proxies: do not buffer the stream
		s.w.WriteHeader(http.StatusOK)
	}
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	if _, err := fmt.Fprintf(s.w, "event: %s\ndata: %s\n\n", name, b); err != nil {
		return err
	}
	return s.rc.Flush()
}

func (a *API) aiChatHistory(c *Ctx, _ *NoBody) (*aiHistoryList, error) {
	ms, total, err := a.app.AIChatHistory(c.Context(), c.Actor, c.Path("id"), c.List)
	if err != nil {
		return nil, err
	}
	return &aiHistoryList{Pagination: pagination(c.List, total), ChatHistory: views(ms, func(m ai.ChatMessage) AIMessageView {
		return AIMessageView{ID: m.ID, Role: m.Role, Content: m.Content, Model: m.Model, Tokens: m.Tokens, CreatedAt: m.CreatedAt}
	})}, nil
}
