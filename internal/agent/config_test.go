package agent_test

import (
	"strings"
	"testing"

	"github.com/perimeterhq/perimeter/internal/agent"
)

// TestCheckServerURL: HTTPS anywhere, plain HTTP only to this machine.
func TestCheckServerURL(t *testing.T) {
	for _, ok := range []string{"https://perimeter.example.com", "https://10.0.0.5:8443/", "http://127.0.0.1:8080",
		"http://127.9.9.9", "http://[::1]:8080", "http://localhost:8080", "http://LOCALHOST"} {
		if _, err := agent.CheckServerURL(ok); err != nil {
			t.Errorf("%s: %v", ok, err)
		}
	}
	for raw, want := range map[string]string{
		"http://perimeter.example.com":    "HTTPS is required",
		"http://10.0.0.5:8080":            "HTTPS is required",
		"http://[::ffff:10.0.0.1]":        "HTTPS is required",
		"http://localhost.example.com":    "HTTPS is required",
		"ftp://perimeter.example.com":     "scheme must be https",
		"perimeter.example.com":           "want a URL",
		"https://u:p@perimeter.example":   "credentials",
		"https://perimeter.example/?a=1":  "without query",
		"http://127.0.0.1.nip.io:8080/v2": "HTTPS is required",
	} {
		if _, err := agent.CheckServerURL(raw); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want an error saying %q", raw, err, want)
		}
	}
	if _, err := agent.New(agent.Config{Server: "http://192.0.2.1", Token: "t"}); err == nil {
		t.Error("New accepted cleartext HTTP to another machine")
	}
	if _, err := agent.New(agent.Config{Server: "https://192.0.2.1"}); err == nil || !strings.Contains(err.Error(), "PERIMETER_AGENT_TOKEN") {
		t.Errorf("New without a token: %v", err)
	}
}
