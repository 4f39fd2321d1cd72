package phone

import "testing"

func TestParse(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		in, e164, country string
		ok                bool
	}{
		{"+49 30 1234567", "+49301234567", "DE", true},
		{"0044 20 7946 0958", "+442079460958", "GB", true},
		{"+1 (415) 555-0100", "+14155550100", "US", true},
		{"+358401234567", "+358401234567", "FI", true},
		{"+0123456789", "", "", false},       // no calling code starts with 0
		{"+8012345678", "", "", false},       // 80 is unassigned
		{"4930123456", "", "", false},        // no +
		{"+49 30 abc", "", "", false},        // letters
		{"+4912", "", "", false},             // too short
		{"+4912345678901234", "", "", false}, // 16 digits
	} {
		n, ok := Parse(c.in)
		if ok != c.ok || n.E164 != c.e164 || n.Country != c.country {
			t.Errorf("Parse(%q) = %+v, %v", c.in, n, ok)
		}
	}
	if m := Mask("+49301234567"); m != "+49*******67" {
		t.Errorf("mask %s", m)
	}
}
