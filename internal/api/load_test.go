package api_test

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/perimeterhq/perimeter/internal/apitest"
	"github.com/perimeterhq/perimeter/internal/store/storetest"
)

// TestLoad is the bounded load test: wrk with 200 connections over the main
// list endpoints of a server holding 1 000 000 findings, for the duration in
// PERIMETER_LOAD (e.g. 10m). It fails on any 5xx or on memory that keeps
// growing, and logs req/s, p99 and the server's RSS over time. wrk is a
// separate process, so the RSS sampled here is the server's (and the
// seeding's leftovers, returned to the OS before the run starts).
//
//	PERIMETER_LOAD=10m go test -run TestLoad -v -timeout 60m ./internal/api
//	PERIMETER_LOAD=10m PERIMETER_TEST_POSTGRES_URL=postgres://… go test -run TestLoad/postgres -v -timeout 60m ./internal/api
//
// PERIMETER_BENCH_FINDINGS scales the seed as for BenchmarkVulnerabilities.
func TestLoad(t *testing.T) {
	d, err := time.ParseDuration(os.Getenv("PERIMETER_LOAD"))
	if err != nil {
		t.Skip("PERIMETER_LOAD=<duration> runs the load test")
	}
	wrk, err := exec.LookPath("wrk")
	if err != nil {
		t.Fatal("the load test needs wrk (apt-get install wrk)")
	}
	total := 1_000_000
	if s := os.Getenv("PERIMETER_BENCH_FINDINGS"); s != "" {
		if total, err = strconv.Atoi(s); err != nil || total < 1000 {
			t.Fatalf("PERIMETER_BENCH_FINDINGS=%q: want a number ≥ 1000", s)
		}
	}
	for _, engine := range storetest.Engines() {
		t.Run(engine, func(t *testing.T) {
			e := apitest.New(t, engine)
			org := e.NewOrg(e.Admin, map[string]any{"name": "Load Co"})
			admin := e.NewUser(e.Admin, org, "admin")
			seedBigResults(t, e, admin, org, total/100)
			script := writeLoadScript(t, admin, max(1, total/100/256))

			runtime.GC()
			debug.FreeOSMemory()
			var (
				mu      sync.Mutex
				samples []rss // every 10 s
			)
			stop := make(chan struct{})
			go func() {
				tick := time.NewTicker(10 * time.Second)
				defer tick.Stop()
				for {
					mu.Lock()
					samples = append(samples, rssKiB(t))
					mu.Unlock()
					select {
					case <-stop:
						return
					case <-tick.C:
					}
				}
			}()
			out, err := exec.Command(wrk, "-t2", "-c200", "-d"+strconv.Itoa(int(d.Seconds()))+"s", "--timeout", "10s", "--latency",
				"-s", script, e.URL).CombinedOutput()
			close(stop)
			if err != nil {
				t.Fatalf("wrk: %v\n%s", err, out)
			}
			mu.Lock()
			mem := append([]rss(nil), samples...)
			mu.Unlock()
			mem = append(mem, rssKiB(t))

			reqs, p99, statuses := parseWrk(t, string(out))
			anon := make([]int64, len(mem))
			for i, r := range mem {
				anon[i] = r.anon
			}
			first, last := mem[0], mem[len(mem)-1]
			t.Logf("%s: %d findings, wrk -c200 %s: %.0f req/s, p99 %s, statuses %v; RSS start %d MiB (anonymous %d, file %d), "+
				"end %d MiB (anonymous %d, file %d), anonymous max %d MiB",
				engine, total, d, reqs, p99, statuses, first.total()>>10, first.anon>>10, first.file>>10,
				last.total()>>10, last.anon>>10, last.file>>10, slices.Max(anon)>>10)
			for status, n := range statuses {
				if status >= 500 {
					t.Errorf("%d answers with status %d", n, status)
				}
			}
			// Growth of anonymous memory (file-backed pages are the mapped
			// database): the last quarter's peak against the peak of the second
			// quarter (the first holds the warm-up: caches, pools, buffers).
			if q := len(anon) / 4; q >= 2 {
				warm, last := slices.Max(anon[q:2*q]), slices.Max(anon[3*q:])
				if float64(last) > 1.25*float64(warm) {
					t.Errorf("anonymous RSS grew from %d MiB to %d MiB over the run: %v", warm>>10, last>>10, anon)
				}
			}
		})
	}
}

// writeLoadScript writes the wrk script: the caller's credentials, and a
// round of list requests (filtered, sorted, paged) that each connection walks.
func writeLoadScript(t *testing.T, c *apitest.Client, hostBlocks int) string {
	var paths []string
	for i := range 16 {
		paths = append(paths,
			fmt.Sprintf("/v2/vulnerabilities?q[severity]=critical,high&q[host]=10.0.%d.*", i%hostBlocks),
			fmt.Sprintf("/v2/vulnerabilities?page=%d&per_page=50&sort_by=severity&sort_order=desc", i+1),
			fmt.Sprintf("/v2/hosts?page=%d&per_page=50", i+1),
			"/v2/scans", "/v2/targets", "/v2/vulnerabilities/widgets/total", "/v2/hosts/most_vulnerable")
	}
	var b strings.Builder
	fmt.Fprintf(&b, "wrk.headers[%q] = %q\nwrk.headers[%q] = %q\n", "X-API-KEY", c.Key, "Authorization", c.Auth)
	b.WriteString("local paths = {\n")
	for _, p := range paths {
		fmt.Fprintf(&b, "  %q,\n", p)
	}
	b.WriteString(`}
local i = 0
counts = {}
function setup(thread) table.insert(threads, thread) end
threads = {}
function init() counts = {} i = math.random(#paths) end
function request()
  i = i % #paths + 1
  return wrk.format("GET", paths[i])
end
function response(status) counts[status] = (counts[status] or 0) + 1 end
function done()
  for _, th in ipairs(threads) do
    local c = th:get("counts")
    for status, n in pairs(c) do io.write(string.format("status %d %d\n", status, n)) end
  end
end
`)
	p := filepath.Join(t.TempDir(), "load.lua")
	if err := os.WriteFile(p, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

var (
	wrkReqsRE   = regexp.MustCompile(`Requests/sec:\s+([\d.]+)`)
	wrkP99RE    = regexp.MustCompile(`(?m)^\s+99%\s+(\S+)`)
	wrkStatusRE = regexp.MustCompile(`(?m)^status (\d+) (\d+)$`)
	wrkErrorsRE = regexp.MustCompile(`Socket errors: .*`)
)

// parseWrk reads wrk's summary and the per-status counts the script prints.
func parseWrk(t *testing.T, out string) (reqs float64, p99 string, statuses map[int]int) {
	m := wrkReqsRE.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no Requests/sec in wrk's output:\n%s", out)
	}
	reqs, _ = strconv.ParseFloat(m[1], 64)
	if m := wrkP99RE.FindStringSubmatch(out); m != nil {
		p99 = m[1]
	}
	statuses = map[int]int{}
	for _, m := range wrkStatusRE.FindAllStringSubmatch(out, -1) {
		status, _ := strconv.Atoi(m[1])
		n, _ := strconv.Atoi(m[2])
		statuses[status] += n
	}
	if len(statuses) == 0 {
		t.Fatalf("no status counts in wrk's output:\n%s", out)
	}
	if s := wrkErrorsRE.FindString(out); s != "" {
		t.Errorf("wrk: %s", s) // connections refused, reset or timed out
	}
	return reqs, p99, statuses
}

// rss is this process's resident memory in KiB: anonymous (heap, stacks —
// what a leak grows) and file-backed (SQLite's memory-mapped database pages,
// which the kernel shares and reclaims, and which grow with the part of the
// database read, up to its mmap_size per connection).
type rss struct{ anon, file int64 }

func (r rss) total() int64 { return r.anon + r.file }

func rssKiB(t *testing.T) rss {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out rss
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		for prefix, dst := range map[string]*int64{"RssAnon:": &out.anon, "RssFile:": &out.file} {
			if v, ok := strings.CutPrefix(sc.Text(), prefix); ok {
				*dst, _ = strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			}
		}
	}
	if out.anon == 0 {
		t.Fatal("no RssAnon in /proc/self/status")
	}
	return out
}
