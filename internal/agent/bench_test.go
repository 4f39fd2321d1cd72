package agent_test

import (
	"cmp"
	"os"
	"testing"

	"github.com/perimeterhq/perimeter/internal/app"
	"github.com/perimeterhq/perimeter/internal/store"
)

// BenchmarkScanPath runs the same scan through the server's built-in path
// and through an agent: 127.0.0.0/28 (loopback only) × all TCP ports by
// default, the default profile, default heartbeats and batches on both
// sides, SQLite. Each iteration is one run, from its start request to its
// completed status. PERIMETER_BENCH_PORTS and PERIMETER_BENCH_HOSTS change
// the scan (hosts must stay on loopback).
//
//	go test -run '^$' -bench ScanPath -benchtime 3x -timeout 30m ./internal/agent
func BenchmarkScanPath(b *testing.B) {
	hosts := cmp.Or(os.Getenv("PERIMETER_BENCH_HOSTS"), "127.0.0.0/28")
	ports := cmp.Or(os.Getenv("PERIMETER_BENCH_PORTS"), "T:1-65535")
	for _, path := range []string{"builtin", "agent"} {
		b.Run(path, func(b *testing.B) {
			l := newLabConfig(b, store.SQLite, app.Config{})
			builtin := path == "builtin"
			if !builtin {
				cfg := l.config(&logBuffer{}, "127.0.0.0/8")
				cfg.Heartbeat, cfg.BatchInterval, cfg.MaxBackoff, cfg.Wait = 0, 0, 0, 0 // the defaults
				run(b, cfg)
			}
			probed, running := 0.0, 0.0
			for b.Loop() {
				done := l.wait(b, l.startScan(b, hosts, ports, builtin))
				if done.Str("scan.status") != "completed" {
					b.Fatalf("run: %s", done)
				}
				probed += done.Get("scan.last_history.hosts_total").(float64)
				running += done.Get("scan.last_history.duration").(float64)
			}
			b.ReportMetric(probed/float64(b.N), "hosts/run")
			// From the claim to the finish: the scan without the wait in the queue.
			b.ReportMetric(running/float64(b.N), "running-s/run")
		})
	}
}
