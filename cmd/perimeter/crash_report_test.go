package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/perimeterhq/perimeter/internal/store"
	"github.com/perimeterhq/perimeter/internal/store/storetest"
)

// TestKillDuringReportGeneration kills the server with SIGKILL while it
// renders a large report, starts it again, and expects the file to be
// generated once by a new attempt: never a partial file downloadable, never
// two complete files kept.
func TestKillDuringReportGeneration(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine string) {
		dbURL := storetest.URL(t, engine)
		dataDir := t.TempDir()
		addr := freeAddr(t)
		base := "http://" + addr
		first := startChild(t, dbURL, addr, "--data-dir", dataDir)
		key := regexp.MustCompile(`API key:\s+(\S+)`).FindStringSubmatch(first.out.String())
		if key == nil {
			t.Fatalf("no API key in first-run output:\n%s", first.out)
		}
		k := key[1]
		auth := signIn(t, base, k, "crash@example.test", "crash-test-password")
		_, me := call(t, "GET", base+"/v2/user", k, auth, nil)
		orgID := me["user"].(map[string]any)["organization_id"].(string)
		st, tg := call(t, "POST", base+"/v2/targets", k, auth, map[string]any{"name": "big", "hosts": "10.0.0.0/16", "product": "vrms"})
		if st != 201 {
			t.Fatalf("target: %d %v", st, tg)
		}
		targetID := tg["target"].(map[string]any)["id"].(string)
		st, sc := call(t, "POST", base+"/v2/scans", k, auth, map[string]any{"name": "big", "target_id": targetID})
		if st != 201 {
			t.Fatalf("scan: %d %v", st, sc)
		}
		s, err := store.Open(context.Background(), dbURL)
		if err != nil {
			t.Fatal(err)
		}
		_, reportID := storetest.SeedRun(t, s, storetest.Seed{OrganizationID: orgID, ScanID: sc["scan"].(map[string]any)["id"].(string),
			TargetID: targetID, Product: "vrms", Hosts: 300, FindingsPerHost: 40, At: time.Now().UTC().Add(-time.Hour)})
		s.Close()

		rb := base + "/v2/reports/" + reportID
		if st, r := call(t, "POST", rb+"/generate", k, auth, map[string]any{"type": "detailed", "format": "pdf"}); st != 202 {
			t.Fatalf("generate: %d %v", st, r)
		}
		status := func() map[string]any {
			_, r := call(t, "GET", rb+"/exists?type=detailed&format=pdf", k, auth, nil)
			return r
		}
		deadline := time.Now().Add(30 * time.Second)
		for status()["status"] != "processing" {
			if time.Now().After(deadline) {
				t.Fatalf("generation never started: %v\n%s", status(), first.out)
			}
			time.Sleep(20 * time.Millisecond)
		}
		time.Sleep(300 * time.Millisecond) // let rendering get under way
		if err := first.cmd.Process.Kill(); err != nil {
			t.Fatal(err)
		}
		_ = first.cmd.Wait()

		second := startChild(t, dbURL, addr, "--data-dir", dataDir)
		auth = signIn(t, base, k, "crash@example.test", "crash-test-password")
		if r := status(); r["exists"] == true {
			t.Fatalf("a file exists before the generation completed: %v", r)
		}
		deadline = time.Now().Add(90 * time.Second)
		var last map[string]any
		for last = status(); last["status"] != "done"; last = status() {
			if last["status"] == "failed" || time.Now().After(deadline) {
				t.Fatalf("the killed generation was never completed: %v\n%s", last, second.out)
			}
			time.Sleep(100 * time.Millisecond)
		}
		if !strings.Contains(second.out.String(), "generating again") {
			t.Fatalf("the file was complete before the kill, so nothing was recovered: seed a larger report\n%s", second.out)
		}
		req, _ := http.NewRequest("GET", rb+"/download?type=detailed&format=pdf", nil)
		req.Header.Set("X-API-KEY", k)
		req.Header.Set("Authorization", auth)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		sum := sha256.Sum256(body)
		if resp.StatusCode != 200 || hex.EncodeToString(sum[:]) != last["sha256"] || !strings.HasPrefix(string(body), "%PDF-") ||
			!strings.Contains(string(body[max(0, len(body)-1024):]), "%%EOF") {
			t.Fatalf("download: %d, %d bytes, hash %x vs %v", resp.StatusCode, len(body), sum, last["sha256"])
		}
		// Exactly one complete file of this report remains (stale partial files
		// of the killed process are not downloadable and are swept later).
		var complete []string
		_ = filepath.Walk(filepath.Join(dataDir, "blobs"), func(p string, fi os.FileInfo, err error) error {
			if err == nil && !fi.IsDir() && strings.HasSuffix(p, ".pdf") {
				complete = append(complete, p)
			}
			return nil
		})
		if len(complete) != 1 {
			t.Fatalf("complete files: %v", complete)
		}
	})
}
