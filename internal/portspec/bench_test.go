package portspec

import (
	"fmt"
	"strings"
	"testing"
)

func BenchmarkParseCommon(b *testing.B) {
	notation := PCIASV().Union(CommonTCP()).String()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(notation); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParse1000Items parses a notation of 1000 unsorted, overlapping
// items of both protocols.
func BenchmarkParse1000Items(b *testing.B) {
	var sb strings.Builder
	for i := 0; i < 1000; i++ {
		if i%100 == 0 {
			sb.WriteString([]string{"T:", "U:"}[i/100%2])
		}
		fmt.Fprintf(&sb, "%d-%d,", (i*7919)%65000+1, (i*7919)%65000+1+i%20)
	}
	notation := sb.String()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(notation); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkContains(b *testing.B) {
	l := CommonTCP()
	for b.Loop() {
		for p := 1; p <= 1024; p++ {
			l.Contains(TCP, p)
		}
	}
}
