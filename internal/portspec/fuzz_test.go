package portspec

import (
	"errors"
	"slices"
	"testing"
)

func FuzzParse(f *testing.F) {
	for _, s := range []string{"T:1-1024,8080,U:53,161", "80", "", "S:1", "1-", "u: 1 - 5 ; t:9", "0,70000,20-10", "T:1-65535,U:1-65535"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		l, err := Parse(s)
		if err != nil {
			var perr *ParseError
			if !errors.As(err, &perr) || len(perr.Problems) == 0 {
				t.Fatalf("Parse(%q) error %v is not a *ParseError with problems", s, err)
			}
			return
		}
		if len(l) == 0 {
			t.Fatalf("Parse(%q) returned an empty list without error", s)
		}
		n := 0
		for i, r := range l {
			if r.Protocol != TCP && r.Protocol != UDP || r.Start < MinPort || r.End > MaxPort || r.End < r.Start {
				t.Fatalf("invalid range %v", r)
			}
			if i > 0 {
				p := l[i-1]
				if p.Protocol > r.Protocol || p.Protocol == r.Protocol && p.End+1 >= r.Start {
					t.Fatalf("not normalized at %d: %v", i, l)
				}
			}
			n += r.Count()
		}
		if n != l.Count() || l.CountProtocol(TCP)+l.CountProtocol(UDP) != n {
			t.Fatalf("counts disagree")
		}
		again, err := Parse(l.String())
		if err != nil || !slices.Equal(again, l) {
			t.Fatalf("round trip %q -> %v, %v", l.String(), again, err)
		}
		renorm, err := Normalize(l)
		if err != nil || !slices.Equal(renorm, l) {
			t.Fatalf("Normalize of a normalized list changed it")
		}
	})
}
