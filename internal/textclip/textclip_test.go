package textclip

import "testing"

func TestBytes(t *testing.T) {
	for _, tt := range []struct {
		s    string
		max  int
		want string
	}{
		{"short", 10, "short"},
		{"exactly10!", 10, "exactly10!"},
		{"abcdefghijk", 10, "abcdefghij…"},
		{"abcdefghié", 10, "abcdefghi…"}, // é starts at byte 9 and ends at 11
	} {
		if got := Bytes(tt.s, tt.max); got != tt.want {
			t.Errorf("Bytes(%q, %d) = %q, want %q", tt.s, tt.max, got, tt.want)
		}
	}
}
