package portscan

import (
	"context"
	"slices"
	"testing"
)

// BenchmarkScanAllTCPLoopback scans 127.0.0.1 ports 1–65535 (five listeners
// of its own, plus whatever else listens on the machine) with the defaults.
// Compare with `nmap -n -Pn -sT -p- 127.0.0.1`: see bench/portscan.sh.
func BenchmarkScanAllTCPLoopback(b *testing.B) {
	listeners := openListeners(b, "127.0.0.1", 5)
	all := make([]int, 65535)
	for i := range all {
		all[i] = i + 1
	}
	s := New(Config{})
	defer s.Close()
	b.ResetTimer()
	for b.Loop() {
		r, err := s.Scan(context.Background(), Target{Addr: loopback, TCP: all}, Hooks{})
		if err != nil {
			b.Fatal(err)
		}
		open := tcpPorts(r)
		for _, p := range listeners {
			if !slices.Contains(open, p) {
				b.Fatalf("listener port %d not found", p)
			}
		}
		if len(r.Failed) > 0 {
			b.Fatalf("failed ports: %v (%v)", r.Failed, r.LastError)
		}
	}
	b.ReportMetric(float64(65535*b.N)/b.Elapsed().Seconds(), "ports/s")
}
