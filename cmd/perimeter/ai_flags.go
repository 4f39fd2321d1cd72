package main

import (
	"fmt"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/perimeterhq/perimeter/internal/ai"
	"github.com/perimeterhq/perimeter/internal/app"
	"github.com/perimeterhq/perimeter/internal/webhook"
)

// aiFlags are serve's flags for the vulnerability assistant. The provider's
// API key comes only from the environment (PERIMETER_AI_KEY): a flag would
// show in the process list.
type aiFlags struct {
	url, model, allow        string
	timeout                  time.Duration
	historyTokens, perMinute int
	maxPrompt                int
}

func addAIFlags(fs *pflag.FlagSet, f *aiFlags) {
	fs.StringVar(&f.url, "ai-url", envString("PERIMETER_AI_URL", ""),
		"OpenAI-compatible API base URL for the vulnerability assistant, e.g. https://api.openai.com/v1 or http://127.0.0.1:11434/v1 (Ollama); empty: assistant off (env PERIMETER_AI_URL; key in PERIMETER_AI_KEY)")
	fs.StringVar(&f.model, "ai-model", envString("PERIMETER_AI_MODEL", ""), "model the assistant asks (env PERIMETER_AI_MODEL)")
	fs.StringVar(&f.allow, "ai-allow", envString("PERIMETER_AI_ALLOW", ""),
		"CIDRs the assistant may reach although internal, e.g. 127.0.0.1/32 for a local LLM (loopback, private, link-local, CGNAT, metadata are refused otherwise) (env PERIMETER_AI_ALLOW)")
	fs.DurationVar(&f.timeout, "ai-timeout", envDuration("PERIMETER_AI_TIMEOUT", ai.DefaultTimeout),
		"longest exchange with the AI provider, streamed answers included; past it the client gets 504 (env PERIMETER_AI_TIMEOUT)")
	fs.IntVar(&f.historyTokens, "ai-history-tokens", envInt("PERIMETER_AI_HISTORY_TOKENS", app.DefaultAIHistoryTokens),
		"budget of a conversation about a finding, in estimated tokens (characters / 4); older turns are dropped past it")
	fs.IntVar(&f.perMinute, "ai-rate", envInt("PERIMETER_AI_RATE", app.DefaultAIPromptsPerMinute), "prompts a user may send a minute (per node)")
	fs.IntVar(&f.maxPrompt, "ai-max-prompt", envInt("PERIMETER_AI_MAX_PROMPT", app.DefaultAIMaxPromptChars), "longest prompt, in characters")
}

// config builds the assistant's configuration; without --ai-url the
// assistant is off and its endpoints answer 503.
func (f aiFlags) config(log *slog.Logger) (app.AIConfig, error) {
	c := app.AIConfig{HistoryTokens: f.historyTokens, MaxPromptChars: f.maxPrompt, PromptsPerMinute: f.perMinute}
	if strings.TrimSpace(f.url) == "" {
		return c, nil
	}
	allow, err := webhook.ParseAllowList(f.allow)
	if err != nil {
		return c, fmt.Errorf("--ai-allow: %w", err)
	}
	if f.timeout <= 0 {
		return c, fmt.Errorf("--ai-timeout: must be positive")
	}
	c.Client, err = ai.New(ai.Config{URL: f.url, Model: f.model, Key: os.Getenv("PERIMETER_AI_KEY"), Allow: allow,
		Timeout: f.timeout, Version: version})
	if err != nil {
		return c, err
	}
	// The endpoint and model only: the key is never logged.
	log.Info("AI assistant on", "endpoint", c.Client.Endpoint(), "model", c.Client.Model(), "key", os.Getenv("PERIMETER_AI_KEY") != "")
	return c, nil
}
