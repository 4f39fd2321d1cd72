package api_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/perimeterhq/perimeter/internal/apitest"
	"github.com/perimeterhq/perimeter/internal/store/storetest"
)

func TestAdvancedReports(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine string) {
		w := newResultsWorld(t, engine)
		w.tr.e.StartJobs(t)
		me, other := w.tr.c1User, w.tr.c2Admin
		r := me.Do("POST", "/v2/advanced_reports", map[string]any{"name": "High and critical, web and PCI ok, 90 days",
			"description": "For the quarterly risk review", "format": "json",
			"filters":  map[string]any{"target_ids": []string{w.web.target, w.pciOK.target}, "severities": []string{"high", "critical"}, "relative_date_range": "90d"},
			"sections": []string{"vulnerabilities", "summary", "trends", "hosts"}})
		if r.Status != 201 {
			t.Fatalf("create: %s", r)
		}
		id := r.Str("advanced_report.id")
		if secs, _ := r.Get("advanced_report.sections").([]any); len(secs) != 4 || secs[0] != "summary" || secs[3] != "vulnerabilities" {
			t.Errorf("sections are kept in report order: %v", secs)
		}
		base := "/v2/advanced_reports/" + id
		apitest.Run(t, []apitest.Scenario{
			{Name: "unknown severity", As: me, Method: "POST", Path: "/v2/advanced_reports", Status: 422,
				Body: map[string]any{"name": "x", "filters": map[string]any{"severities": []string{"severe"}}}, Want: []string{`"filters.severities"`}},
			{Name: "another organization's target", As: me, Method: "POST", Path: "/v2/advanced_reports", Status: 422,
				Body: map[string]any{"name": "x", "filters": map[string]any{"target_ids": []string{w.theirs.target}}}, Want: []string{`"filters.target_ids"`}},
			{Name: "unknown section", As: me, Method: "POST", Path: "/v2/advanced_reports", Status: 422,
				Body: map[string]any{"name": "x", "sections": []string{"appendix"}}, Want: []string{`"sections"`}},
			{Name: "bad relative range", As: me, Method: "POST", Path: "/v2/advanced_reports", Status: 422,
				Body: map[string]any{"name": "x", "filters": map[string]any{"relative_date_range": "ninety days"}}, Want: []string{`"filters.relative_date_range"`}},
			{Name: "name required", As: me, Method: "POST", Path: "/v2/advanced_reports", Status: 422, Body: map[string]any{}, Want: []string{`"name"`}},
			{Name: "listed", As: me, Method: "GET", Path: "/v2/advanced_reports?q[name]=quarterly", Status: 200, Want: []string{`"total_count":0`}},
			{Name: "listed by name", As: me, Method: "GET", Path: "/v2/advanced_reports?q[name]=web", Status: 200, Want: []string{`"total_count":1`}},
			{Name: "another organization", As: other, Method: "GET", Path: base, Status: 404},
			{Name: "another organization generates", As: other, Method: "POST", Path: base + "/generate", Status: 404},
			{Name: "another organization lists none", As: other, Method: "GET", Path: "/v2/advanced_reports", Status: 200, Want: []string{`"total_count":0`}},
			{Name: "not generated yet", As: me, Method: "GET", Path: base + "/download", Status: 404},
			{Name: "xlsx is possible", As: me, Method: "PUT", Path: base, Body: map[string]any{"format": "xlsx"}, Status: 200, Want: []string{`"format":"xlsx"`}},
			{Name: "back to json", As: me, Method: "PUT", Path: base, Body: map[string]any{"format": "json"}, Status: 200},
		})
		for _, format := range []string{"json", "pdf", "html", "csv", "xlsx"} {
			if r := me.Do("POST", base+"/generate", map[string]any{"format": format}); r.Status != 202 {
				t.Fatalf("generate %s: %s", format, r)
			}
		}
		var got *apitest.Resp
		apitest.Eventually(t, 60*time.Second, "the advanced report files", func() bool {
			got = me.Do("GET", base, nil)
			files, _ := got.Get("advanced_report.files").([]any)
			done := 0
			for _, f := range files {
				if s := f.(map[string]any)["status"]; s == "done" {
					done++
				} else if s == "failed" {
					t.Fatalf("failed: %s", got)
				}
			}
			return done == 5
		})
		if got.Get("advanced_report.last_file") == nil {
			t.Errorf("last_file: %s", got)
		}
		dl := me.Do("GET", base+"/download", nil) // the definition's format: json
		if dl.Status != 200 || !strings.HasPrefix(dl.Header.Get("Content-Type"), "application/json") {
			t.Fatalf("download: %s", dl)
		}
		var doc struct {
			Report struct {
				Findings []struct {
					CheckID string `json:"check_id"`
					IP      string `json:"ip"`
				} `json:"findings"`
			} `json:"report"`
		}
		if err := json.Unmarshal(dl.Body, &doc); err != nil {
			t.Fatal(err)
		}
		var keys []string
		for _, f := range doc.Report.Findings {
			keys = append(keys, f.CheckID+" "+f.IP)
		}
		slices.Sort(keys)
		want := []string{"cve:CVE-2021-41773 10.0.0.2", "http-dos 10.0.0.1", "http-dos 10.3.0.1", "tls-old 10.0.0.1"}
		if !slices.Equal(keys, want) {
			t.Errorf("findings = %v, want %v", keys, want)
		}
		pdf := me.Do("GET", base+"/download?format=pdf", nil)
		text := pdfText(t, pdf.Body)
		for _, s := range []string{"High and critical", "Severities: high, critical", "Title of tls-old"} {
			if !strings.Contains(text, s) {
				t.Errorf("advanced pdf lacks %q", s)
			}
		}
		if r := me.Do("DELETE", base, nil); r.Status != 204 {
			t.Fatalf("delete: %s", r)
		}
		if r := me.Do("GET", base, nil); r.Status != 404 {
			t.Errorf("after delete: %s", r)
		}
	})
}
