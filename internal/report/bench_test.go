package report

import (
	"bytes"
	"io"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
)

// BenchmarkDetailedPDF10k renders the detailed PDF of 10 000 findings over
// 500 hosts, which must take under 3 s and 200 MB RSS on two cores. It
// reports the MB allocated per render, the output size, the pages, and the
// process's peak RSS (Linux; the benchmark runs first, so it is this
// render's peak plus the test binary).
func BenchmarkDetailedPDF10k(b *testing.B) {
	d := sampleDoc(b, Detailed, 10000, 500)
	var cw countWriter
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		cw = countWriter{}
		if err := Render(&cw, d, PDF); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	runtime.ReadMemStats(&after)
	b.ReportMetric(float64(after.TotalAlloc-before.TotalAlloc)/float64(b.N)/(1<<20), "MB-alloc/op")
	b.ReportMetric(float64(cw.n)/(1<<20), "MB-output")
	b.ReportMetric(float64(cw.pages), "pages")
	if hwm := peakRSS(); hwm > 0 {
		b.ReportMetric(hwm, "MB-peak-RSS")
	}
}

// BenchmarkCSV100k streams 100 000 findings as CSV into io.Discard; the
// target is at least 100 000 rows/s with flat memory.
func BenchmarkCSV100k(b *testing.B) {
	d := sampleDoc(b, Detailed, 100000, 500)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if err := Render(io.Discard, d, CSV); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(100000*b.N)/b.Elapsed().Seconds(), "rows/s")
}

// countWriter counts bytes and PDF page objects without keeping the output.
type countWriter struct {
	n     int64
	pages int
}

func (c *countWriter) Write(p []byte) (int, error) {
	c.n += int64(len(p))
	c.pages += bytes.Count(p, []byte("/Type /Page\n"))
	return len(p), nil
}

// peakRSS is the process's RSS high-water mark in MB, 0 where unknown.
func peakRSS() float64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmHWM:" {
			kb, _ := strconv.ParseFloat(f[1], 64)
			return kb / 1024
		}
	}
	return 0
}
