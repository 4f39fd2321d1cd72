package importer_test

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/perimeterhq/perimeter/internal/importer"
	"github.com/perimeterhq/perimeter/internal/scanner/result"
)

// nmapStream writes an nmap XML report of at least size bytes to w: hosts
// of 10.x.y.z with ten open ports each, services and a vulners table, in the
// shape nmap -sV --script vulners prints.
func nmapStream(w io.Writer, size int64) error {
	bw := bufio.NewWriterSize(w, 256<<10)
	cw := &countingWriter{w: bw}
	fmt.Fprint(cw, `<?xml version="1.0"?><nmaprun scanner="nmap" version="7.93" start="1733500000">`+"\n")
	for i := 0; cw.n < size; i++ {
		fmt.Fprintf(cw, `<host><status state="up" reason="syn-ack"/><address addr="10.%d.%d.%d" addrtype="ipv4"/><hostnames><hostname name="h%d.example.test" type="PTR"/></hostnames><ports><extraports state="closed" count="990"/>`+"\n",
			i>>16&255, i>>8&255, i&255, i)
		for p := range 10 {
			fmt.Fprintf(cw, `<port protocol="tcp" portid="%d"><state state="open" reason="syn-ack"/><service name="ssh" product="OpenSSH" version="8.%dp1" method="probed" conf="10"><cpe>cpe:/a:openbsd:openssh:8.%dp1</cpe></service>`+
				`<script id="vulners" output="..."><table key="cpe:/a:openbsd:openssh:8.%dp1"><table><elem key="is_exploit">false</elem><elem key="cvss">7.5</elem><elem key="id">CVE-2023-%05d</elem><elem key="type">cve</elem></table></table></script></port>`+"\n",
				22+p*100, p, p, p, p)
		}
		fmt.Fprint(cw, "</ports></host>\n")
	}
	fmt.Fprint(cw, `<runstats><finished time="1733500100"/></runstats></nmaprun>`+"\n")
	return bw.Flush()
}

type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// BenchmarkImportNmap50MB reads a 50 MB nmap XML report from a file and
// reports the peak heap in use while reading: it stays flat because hosts
// are handed over one at a time. Target (issue 11): < 5 s and flat memory.
//
//	go test -run '^$' -bench ImportNmap50MB -benchtime 3x ./internal/importer
func BenchmarkImportNmap50MB(b *testing.B) {
	const size = 50 << 20
	path := filepath.Join(b.TempDir(), "nmap.xml")
	out, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	if err := nmapStream(out, size); err != nil {
		b.Fatal(err)
	}
	out.Close()
	runtime.GC()
	var peak atomic.Uint64
	done := make(chan struct{})
	go func() {
		var ms runtime.MemStats
		for {
			select {
			case <-done:
				return
			case <-time.After(50 * time.Millisecond):
			}
			runtime.ReadMemStats(&ms)
			if ms.HeapInuse > peak.Load() {
				peak.Store(ms.HeapInuse)
			}
		}
	}()
	defer close(done)
	b.SetBytes(size)
	for b.Loop() {
		in, err := os.Open(path)
		if err != nil {
			b.Fatal(err)
		}
		hosts := 0
		_, err = importer.Read(in, importer.Nmap, func(h result.Host) error {
			hosts++
			return nil
		})
		in.Close()
		if err != nil {
			b.Fatal(err)
		}
		if hosts == 0 {
			b.Fatal("no hosts")
		}
		b.ReportMetric(float64(hosts), "hosts/op")
	}
	b.ReportMetric(float64(peak.Load())/(1<<20), "peak-heap-MiB")
}
