package hostspec

import "testing"

func TestParseValidKeepsTheValidEntries(t *testing.T) {
	s, perr := ParseValid("10.0.0.0/30, bogus_host!, 10.0.0.9 - 10.0.0.10, example.com", "10.0.0.1, 300.1.1.1")
	if perr == nil || len(perr.Problems) != 2 {
		t.Fatalf("problems = %+v", perr)
	}
	if s == nil {
		t.Fatal("the valid entries must still form a set")
	}
	n, err := s.Count()
	if err != nil || n != 6 { // 4 + 2 − 1 excluded + 1 hostname
		t.Fatalf("count = %d, %v", n, err)
	}
	if s, perr := ParseValid("nope!!", ""); s != nil || perr == nil {
		t.Fatalf("nothing valid: set %v, problems %v", s, perr)
	}
	if s, perr := ParseValid("10.0.0.1", ""); s == nil || perr != nil {
		t.Fatalf("all valid: set %v, problems %v", s, perr)
	}
}
