package gvmscan

import (
	"bufio"
	"bytes"
	"testing"
)

// FuzzReadResponse feeds the response reader anything a manager (or
// something posing as one) could send: it must not panic, must stop at the
// size limit, and what it returns must be one whole element.
func FuzzReadResponse(f *testing.F) {
	for _, s := range []string{
		`<get_version_response status="200" status_text="OK"><version>22.7</version></get_version_response>`,
		`<authenticate_response status="400" status_text="Authentication failed"/>`,
		`<get_tasks_response status="200"><task id="a"><status>Running</status><progress>5</progress></task></get_tasks_response><next/>`,
		`<a><b></a>`, `</a>`, `text<a/>`, `<a>` + string(bytes.Repeat([]byte("x"), 300)) + `</a>`, `<?xml version="1.0"?><a/>`,
	} {
		f.Add([]byte(s))
	}
	const limit = 256
	f.Fuzz(func(t *testing.T, data []byte) {
		br := bufio.NewReader(bytes.NewReader(data))
		raw, root, err := readResponse(br, limit)
		if err != nil {
			return
		}
		if len(raw) > limit {
			t.Fatalf("read %d bytes past the limit %d", len(raw), limit)
		}
		if root.Name.Local == "" {
			t.Fatalf("no root element in %q", raw)
		}
		if !bytes.HasPrefix(data, raw) {
			t.Fatalf("returned bytes are not the start of the input")
		}
	})
}
