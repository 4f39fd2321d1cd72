package api

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

// The route table stays readable as it grows: no line of routes*.go is wider
// than 110 columns (a tab counts as 4).
func TestRouteFilesLineWidth(t *testing.T) {
	files, err := filepath.Glob("routes*.go")
	if err != nil || len(files) == 0 {
		t.Fatalf("no route files: %v", err)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for i, line := range strings.Split(string(b), "\n") {
			if w := utf8.RuneCountInString(strings.ReplaceAll(line, "\t", "    ")); w > 110 {
				t.Errorf("%s:%d is %d columns wide (at most 110)", f, i+1, w)
			}
		}
	}
}
