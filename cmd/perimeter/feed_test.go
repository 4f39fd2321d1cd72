package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/perimeterhq/perimeter/internal/feed/feedtest"
)

// runFeed executes `perimeter feed ARGS` through the constructor.
func runFeed(t *testing.T, args ...string) (string, string, error) {
	t.Helper()
	cmd := newFeedCommand()
	var out, errOut bytes.Buffer
	cmd.SetArgs(args)
	cmd.SetOut(&out)
	cmd.SetErr(&errOut)
	err := cmd.Execute()
	return out.String(), errOut.String(), err
}

func syncArgs(srv *feedtest.Server, dir string, extra ...string) []string {
	return append([]string{"sync", "--feed-dir", dir, "--nvd-url", srv.NVDURL(), "--kev-url", srv.KEVURL(), "--epss-url", srv.EPSSURL()}, extra...)
}

func TestFeedSyncAndStatus(t *testing.T) {
	t.Setenv("NVD_API_KEY", "")
	srv := feedtest.NewServer(t)
	dir := t.TempDir()
	out, logs, err := runFeed(t, syncArgs(srv, dir)...)
	if err != nil {
		t.Fatalf("feed sync: %v\n%s", err, logs)
	}
	for _, want := range []string{"nvd: full download, 1 pages, 7 CVEs; mirrored through", "kev: kev.json, 1 records", "epss: epss.csv.gz, 7 records"} {
		if !strings.Contains(out, want) {
			t.Errorf("sync output lacks %q:\n%s", want, out)
		}
	}
	if !strings.Contains(logs, "nvd: window 1/1, startIndex 0") {
		t.Errorf("progress log lacks the NVD page:\n%s", logs)
	}

	out, _, err = runFeed(t, syncArgs(srv, dir)...)
	if err != nil || !strings.Contains(out, "nvd: incremental update, 1 pages, 0 CVEs") || !strings.Contains(out, "kev: not modified") {
		t.Errorf("second sync: %v\n%s", err, out)
	}

	out, _, err = runFeed(t, "status", "--feed-dir", dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"nvd:  7 CVEs (7 matchable, 0 rejected) in 1 files", "kev:  1 entries, catalog 2099.03.01", "epss: 7 scores, scored 2099-03-01T12:55:00Z"} {
		if !strings.Contains(out, want) {
			t.Errorf("status lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "never") {
		t.Errorf("status after a sync says never:\n%s", out)
	}

	out, _, err = runFeed(t, "status", "--feed-dir", dir, "--json")
	if err != nil {
		t.Fatal(err)
	}
	var s feedStatus
	if err := json.Unmarshal([]byte(out), &s); err != nil {
		t.Fatalf("status --json: %v\n%s", err, out)
	}
	if s.NVD.CVEs != 7 || s.KEV.Entries != 1 || s.EPSS.Scores != 7 || s.NVD.LastSync.IsZero() || s.NVD.Pending != nil {
		t.Errorf("status --json = %+v", s)
	}
}

func TestFeedSyncAPIKeyFromEnvironment(t *testing.T) {
	t.Setenv("NVD_API_KEY", "from-env")
	srv := feedtest.NewServer(t)
	if _, logs, err := runFeed(t, syncArgs(srv, t.TempDir(), "--sources", "nvd")...); err != nil {
		t.Fatalf("%v\n%s", err, logs)
	}
	if keys := srv.APIKeys(); len(keys) != 1 || keys[0] != "from-env" {
		t.Errorf("apiKey headers %v, want the key from NVD_API_KEY", keys)
	}
	if srv.KEVRequests() != 0 {
		t.Error("--sources nvd also fetched KEV")
	}
}

func TestFeedSyncRejectsBadFlags(t *testing.T) {
	srv := feedtest.NewServer(t)
	tests := []struct {
		name    string
		args    []string
		wantErr string
	}{
		{"plain http to the internet", []string{"--kev-url", "http://192.0.2.1/kev.json"}, "refusing plain http"},
		{"unknown source", []string{"--sources", "nvd,osv"}, `unknown source "osv"`},
		{"positional argument", []string{"extra"}, "unknown command"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := runFeed(t, syncArgs(srv, t.TempDir(), tt.args...)...)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("err = %v, want %q", err, tt.wantErr)
			}
		})
	}
	if len(srv.NVDQueries())+srv.KEVRequests() != 0 {
		t.Error("requests were made despite invalid flags")
	}
}

func TestFeedStatusOfAnEmptyDirectory(t *testing.T) {
	out, _, err := runFeed(t, "status", "--feed-dir", t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "nvd:  0 CVEs") || !strings.Contains(out, "last sync: never") {
		t.Errorf("status of an empty directory:\n%s", out)
	}
}

func TestFeedCommandIsRegistered(t *testing.T) {
	cmd, _, err := newRootCommand().Find([]string{"feed", "sync"})
	if err != nil || cmd.Name() != "sync" {
		t.Errorf("perimeter feed sync not found: %v", err)
	}
}
