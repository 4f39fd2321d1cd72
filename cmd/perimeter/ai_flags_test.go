package main

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/spf13/pflag"
)

func TestAIFlags(t *testing.T) {
	t.Setenv("PERIMETER_AI_KEY", "sk-never-logged-123")
	parse := func(args ...string) aiFlags {
		t.Helper()
		var f aiFlags
		fs := pflag.NewFlagSet("serve", pflag.ContinueOnError)
		addAIFlags(fs, &f)
		if err := fs.Parse(args); err != nil {
			t.Fatal(err)
		}
		return f
	}
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))

	c, err := parse().config(log)
	if err != nil || c.Client != nil || c.PromptsPerMinute != 10 || c.HistoryTokens != 4000 || c.MaxPromptChars != 4000 {
		t.Fatalf("defaults: %+v %v", c, err)
	}
	if _, err := parse("--ai-url", "http://127.0.0.1:11434/v1", "--ai-model", "llama3").config(log); err == nil ||
		!strings.Contains(err.Error(), "--ai-allow") {
		t.Fatalf("loopback without --ai-allow: %v", err)
	}
	if _, err := parse("--ai-url", "http://127.0.0.1:11434/v1").config(log); err == nil || !strings.Contains(err.Error(), "--ai-model") {
		t.Fatalf("no model: %v", err)
	}
	if _, err := parse("--ai-url", "http://127.0.0.1:11434/v1", "--ai-model", "m", "--ai-allow", "127.0.0.1/33").config(log); err == nil ||
		!strings.Contains(err.Error(), "--ai-allow") {
		t.Fatalf("bad allow list: %v", err)
	}
	c, err = parse("--ai-url", "http://127.0.0.1:11434/v1", "--ai-model", "llama3", "--ai-allow", "127.0.0.1/32",
		"--ai-timeout", "5s", "--ai-rate", "3", "--ai-history-tokens", "900").config(log)
	if err != nil || c.Client == nil || c.Client.Model() != "llama3" || c.PromptsPerMinute != 3 || c.HistoryTokens != 900 {
		t.Fatalf("configured: %+v %v", c, err)
	}
	if f := parse(); f.timeout != 60*time.Second {
		t.Fatalf("default timeout %s", f.timeout)
	}
	if !strings.Contains(logs.String(), "http://127.0.0.1:11434/v1/chat/completions") || strings.Contains(logs.String(), "sk-never-logged") {
		t.Fatalf("log: %s", logs.String())
	}
}
