package api

import (
	"bytes"
	"encoding/json"
	"math"
	"testing"
	"time"

	"github.com/perimeterhq/perimeter/internal/testfill"
)

// encoded is what writeJSON's encoder writes for v, without its newline.
func encoded(t testing.TB, v any) []byte {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}

// TestAppendJSONMatchesEncoder: the list's own JSON is byte for byte what
// encoding/json writes, for views with every field set (a field added to the
// view but not to appendJSON shows up here), with the zero and nil forms,
// and with strings, numbers and times that need care.
func TestAppendJSONMatchesEncoder(t *testing.T) {
	at := time.Date(2026, 12, 7, 15, 4, 5, 123456000, time.UTC)
	var full VulnerabilityView
	testfill.Fields(t, &full, at)
	tricky := full
	tricky.Title = "a \"quoted\" \\ <b>&amp;</b>\n\t\r\b\f\x00\x1f\x7f é 日本 \u2028\u2029 \xff\xfe end"
	tricky.CVEs = []string{}
	tricky.FixedAt = nil
	tricky.CVSSScore, tricky.EPSS = 10, 0.0000004
	tricky.FirstSeen = time.Date(2026, 1, 2, 3, 4, 5, 0, time.FixedZone("EST", -5*3600))
	lists := []vulnerabilityList{
		{Vulnerabilities: []VulnerabilityView{full, tricky, {}}, Pagination: Pagination{TotalCount: 1234567, TotalPages: 49383, CurrentPage: 2, PerPage: 25}},
		{Vulnerabilities: []VulnerabilityView{}},
		{},
	}
	for i, l := range lists {
		got, want := l.appendJSON(nil), encoded(t, &l)
		if !bytes.Equal(got, want) {
			t.Errorf("list %d:\n got %s\nwant %s", i, got, want)
		}
	}
	for _, f := range []float64{0, -0.0, 1, 7.5, 9.8, 0.1 + 0.2, 1e-6, 9.99e-7, 1e-7, 1.5e-10, 1e20, 1e21, 1.234e25, -3.25, math.MaxFloat64, math.SmallestNonzeroFloat64} {
		if got, want := appendJSONFloat(nil, f), encoded(t, f); !bytes.Equal(got, want) {
			t.Errorf("float %v: got %s, want %s", f, got, want)
		}
	}
}

func FuzzAppendJSONString(f *testing.F) {
	for _, s := range []string{"", "plain", "\"\\/", "\x00\x01\x1f\x7f", "<>&", "\u2028\u2029", "\xff", "é\xc3", "日本語\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := appendJSONString(nil, s), encoded(t, s); !bytes.Equal(got, want) {
			t.Fatalf("%q: got %s, want %s", s, got, want)
		}
	})
}

// BenchmarkVulnerabilityListJSON: one page of 25 findings, as writeJSON wrote
// it before (encoding/json) and as it writes it now (appendJSON).
//
//	go test -run '^$' -bench VulnerabilityListJSON ./internal/api
func BenchmarkVulnerabilityListJSON(b *testing.B) {
	at := time.Date(2026, 12, 7, 15, 4, 5, 123456000, time.UTC)
	var v VulnerabilityView
	testfill.Fields(b, &v, at)
	l := vulnerabilityList{Pagination: Pagination{TotalCount: 4000, TotalPages: 160, CurrentPage: 1, PerPage: 25}}
	for range 25 {
		l.Vulnerabilities = append(l.Vulnerabilities, v)
	}
	b.Run("encoding-json", func(b *testing.B) {
		for b.Loop() {
			encoded(b, &l)
		}
	})
	b.Run("append", func(b *testing.B) {
		var buf []byte
		for b.Loop() {
			buf = l.appendJSON(buf[:0])
		}
	})
}
