package otp

import (
	"strings"
	"testing"
	"time"
)

// RFC 6238 appendix B, SHA-1 rows (8 digits, key "12345678901234567890").
func TestRFC6238Vectors(t *testing.T) {
	t.Parallel()
	key := []byte("12345678901234567890")
	for _, v := range []struct {
		unix int64
		want string
	}{
		{59, "94287082"}, {1111111109, "07081804"}, {1111111111, "14050471"},
		{1234567890, "89005924"}, {2000000000, "69279037"}, {20000000000, "65353130"},
	} {
		if got := HOTP(key, Step(time.Unix(v.unix, 0)), 8); got != v.want {
			t.Errorf("T=%d: %s, want %s", v.unix, got, v.want)
		}
	}
	// 6 digits are the last six of the same value.
	if got := Code(key, time.Unix(59, 0)); got != "287082" {
		t.Errorf("6-digit code %s", got)
	}
}

// RFC 4226 appendix D.
func TestRFC4226Vectors(t *testing.T) {
	t.Parallel()
	key := []byte("12345678901234567890")
	want := []string{"755224", "287082", "359152", "969429", "338314", "254676", "287922", "162583", "399871", "520489"}
	for i, w := range want {
		if got := HOTP(key, int64(i), 6); got != w {
			t.Errorf("counter %d: %s, want %s", i, got, w)
		}
	}
}

func TestVerifyWindowAndReuse(t *testing.T) {
	t.Parallel()
	sec := NewSecret()
	key, err := DecodeSecret(strings.ToLower(sec))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Unix(1_800_000_000, 0)
	for _, d := range []time.Duration{-30 * time.Second, 0, 30 * time.Second} {
		if _, ok := Verify(key, Code(key, now.Add(d)), now, 0); !ok {
			t.Errorf("code at %v refused", d)
		}
	}
	for _, d := range []time.Duration{-90 * time.Second, 90 * time.Second} {
		if _, ok := Verify(key, Code(key, now.Add(d)), now, 0); ok {
			t.Errorf("code at %v accepted", d)
		}
	}
	step, ok := Verify(key, Code(key, now), now, 0)
	if !ok || step != Step(now) {
		t.Fatalf("step %d", step)
	}
	if _, ok := Verify(key, Code(key, now), now, step); ok {
		t.Error("a code was accepted twice")
	}
	if _, ok := Verify(key, Code(key, now.Add(-30*time.Second)), now, step); ok {
		t.Error("an older code was accepted after a newer one")
	}
	if _, ok := Verify(key, Code(key, now.Add(30*time.Second)), now, step); !ok {
		t.Error("the next step's code refused")
	}
	for _, bad := range []string{"", "12345", "1234567", "abcdef"} {
		if _, ok := Verify(key, bad, now, 0); ok {
			t.Errorf("%q accepted", bad)
		}
	}
	if !strings.HasPrefix(URL("Perimeter", "a@b.test", sec), "otpauth://totp/Perimeter:a@b.test?") {
		t.Error(URL("Perimeter", "a@b.test", sec))
	}
}

func BenchmarkVerify(b *testing.B) {
	key, _ := DecodeSecret(NewSecret())
	now := time.Unix(1_800_000_000, 0)
	code := Code(key, now)
	for b.Loop() {
		if _, ok := Verify(key, code, now, 0); !ok {
			b.Fatal("refused")
		}
	}
}
