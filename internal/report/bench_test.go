package report

import (
	"io"
	"runtime"
	"testing"
)

// BenchmarkDetailedPDF10k renders the detailed PDF of 10 000 findings over
// 500 hosts, the size the platform promises to render in under 3 s and
// 200 MB. It reports the pages and the peak heap seen after the render.
func BenchmarkDetailedPDF10k(b *testing.B) {
	d := sampleDoc(b, Detailed, 10000, 500)
	var cw countWriter
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		cw = countWriter{}
		if err := Render(&cw, d, PDF); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(cw.n)/(1<<20), "MB-output")
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	b.ReportMetric(float64(ms.TotalAlloc)/float64(b.N)/(1<<20), "MB-alloc/op")
}

// BenchmarkCSV100k streams 100 000 findings as CSV into io.Discard.
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

type countWriter struct{ n int64 }

func (c *countWriter) Write(p []byte) (int, error) {
	c.n += int64(len(p))
	return len(p), nil
}
