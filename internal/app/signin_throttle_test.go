package app

import (
	"testing"
	"time"
)

func TestSignInClient(t *testing.T) {
	for in, want := range map[string]string{
		"192.0.2.7":                 "192.0.2.7",
		"::ffff:192.0.2.7":          "192.0.2.7",
		"2001:db8:1:2:aaaa::1":      "2001:db8:1:2::/64",
		"2001:db8:1:2:ffff:ffff::9": "2001:db8:1:2::/64",
		"2001:db8:1:3::1":           "2001:db8:1:3::/64",
		"":                          "",
	} {
		if got := signInClient(in); got != want {
			t.Errorf("signInClient(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSignInWait(t *testing.T) {
	a := &App{cfg: Config{}}
	a.cfg.defaults()
	var got []time.Duration
	for n := 5; n <= 12; n++ {
		got = append(got, a.signInWait(n))
	}
	want := []time.Duration{30 * time.Second, time.Minute, 2 * time.Minute, 4 * time.Minute, 8 * time.Minute,
		15 * time.Minute, 15 * time.Minute, 15 * time.Minute}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("waits %v, want %v", got, want)
		}
	}
	if d := a.signInWait(1 << 30); d != 15*time.Minute {
		t.Fatalf("a huge count must stay at the cap: %v", d)
	}
}
