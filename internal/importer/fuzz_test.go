package importer_test

import (
	"bytes"
	"errors"
	"testing"

	"github.com/perimeterhq/perimeter/internal/importer"
	"github.com/perimeterhq/perimeter/internal/scanner/result"
)

// FuzzImport feeds arbitrary bytes through Sniff and Read: no panic, every
// failure an *importer.Error, and every host handed over well-formed (a valid
// address, ports in range, findings with a check id and a bounded score).
//
//	go test -fuzz FuzzImport ./internal/importer
func FuzzImport(f *testing.F) {
	for _, s := range []string{nmapSample, nessusSample, gvmSample,
		"<nmaprun><host><address addr=\"192.0.2.1\" addrtype=\"ipv4\"/></host></nmaprun>",
		"<report><results><result><host>192.0.2.1</host><port>80/tcp</port><severity>5</severity><nvt oid=\"1\"/></result></results></report>",
		"<NessusClientData_v2><Report><ReportHost name=\"192.0.2.1\"><ReportItem port=\"1\" pluginID=\"1\"/></ReportHost></Report></NessusClientData_v2>",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		format, r, err := importer.Sniff(bytes.NewReader(data))
		var e *importer.Error
		if err != nil {
			if !errors.As(err, &e) {
				t.Fatalf("Sniff error %v (%T) is not an *importer.Error", err, err)
			}
			return
		}
		_, err = importer.Read(r, format, func(h result.Host) error {
			if !h.IP.IsValid() {
				t.Fatalf("host without an address: %+v", h)
			}
			for _, p := range h.Ports {
				if p.Port < 1 || p.Port > 65535 || (p.Protocol != result.TCP && p.Protocol != result.UDP) {
					t.Fatalf("bad service %+v", p)
				}
			}
			for _, f := range h.Findings {
				if f.CheckID == "" || f.CVSSScore < 0 || f.CVSSScore > 10 || f.Port < 0 || f.Port > 65535 {
					t.Fatalf("bad finding %+v", f)
				}
			}
			return nil
		})
		if err != nil && !errors.As(err, &e) {
			t.Fatalf("Read error %v (%T) is not an *importer.Error", err, err)
		}
	})
}
