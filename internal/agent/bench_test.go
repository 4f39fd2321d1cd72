package agent_test

import (
	"cmp"
	"os"
	"testing"
	"time"

	"github.com/perimeterhq/perimeter/internal/app"
	"github.com/perimeterhq/perimeter/internal/store"
)

// BenchmarkScanPath runs the same scan through the server's built-in path
// and through an agent: 127.0.0.0/28 (loopback only) × all TCP ports by
// default, the default profile, default heartbeats and batches on both
// sides, SQLite, one server. Each iteration runs the scan once per path,
// alternating which goes first, so that the load of a shared machine falls
// on both alike; a run is timed from its start request to its completed
// status. It reports the mean of each path and the agent's overhead.
// PERIMETER_BENCH_PORTS and PERIMETER_BENCH_HOSTS change the scan (hosts
// must stay on loopback).
//
//	go test -run '^$' -bench ScanPath -benchtime 5x -timeout 30m ./internal/agent
func BenchmarkScanPath(b *testing.B) {
	hosts := cmp.Or(os.Getenv("PERIMETER_BENCH_HOSTS"), "127.0.0.0/28")
	ports := cmp.Or(os.Getenv("PERIMETER_BENCH_PORTS"), "T:1-65535")
	l := newLabConfig(b, store.SQLite, app.Config{})
	cfg := l.config(&logBuffer{}, "127.0.0.0/8")
	cfg.Heartbeat, cfg.BatchInterval, cfg.MaxBackoff, cfg.Wait = 0, 0, 0, 0 // the defaults
	run(b, cfg)
	scan := func(builtin bool) time.Duration {
		began := time.Now()
		done := l.wait(b, l.startScan(b, hosts, ports, builtin))
		if done.Str("scan.status") != "completed" || done.Get("scan.last_history.hosts_total").(float64) == 0 {
			b.Fatalf("run: %s", done)
		}
		return time.Since(began)
	}
	var builtin, agent time.Duration
	i := 0
	for b.Loop() {
		if i%2 == 0 {
			builtin += scan(true)
			agent += scan(false)
		} else {
			agent += scan(false)
			builtin += scan(true)
		}
		i++
	}
	b.ReportMetric(builtin.Seconds()/float64(i), "builtin-s/run")
	b.ReportMetric(agent.Seconds()/float64(i), "agent-s/run")
	b.ReportMetric(100*(agent.Seconds()-builtin.Seconds())/builtin.Seconds(), "overhead-%")
}
