package importer_test

import (
	"bytes"
	"compress/gzip"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/perimeterhq/perimeter/internal/importer"
	_ "github.com/perimeterhq/perimeter/internal/scanner/checks/all"
	"github.com/perimeterhq/perimeter/internal/scanner/result"
)

// read sniffs and reads a report, returning its hosts.
func read(t *testing.T, doc string) (importer.Report, []result.Host) {
	t.Helper()
	f, r, err := importer.Sniff(strings.NewReader(doc))
	if err != nil {
		t.Fatalf("Sniff: %v", err)
	}
	var hosts []result.Host
	rep, err := importer.Read(r, f, func(h result.Host) error {
		hosts = append(hosts, h)
		return nil
	})
	if err != nil {
		t.Fatalf("Read: %v", err)
	}
	return rep, hosts
}

func finding(h result.Host, id string) (result.Finding, bool) {
	for _, f := range h.Findings {
		if f.CheckID == id {
			return f, true
		}
	}
	return result.Finding{}, false
}

func TestNmap(t *testing.T) {
	t.Parallel()
	rep, hosts := read(t, nmapSample)
	if rep.Format != importer.Nmap || rep.Scanner != "nmap 7.93" || rep.Hosts != 2 {
		t.Fatalf("report = %+v, want nmap 7.93 with 2 hosts (the down host skipped)", rep)
	}
	if !rep.Started.Equal(time.Unix(1733500000, 0)) || !rep.Finished.Equal(time.Unix(1733500100, 0)) {
		t.Errorf("times = %v – %v", rep.Started, rep.Finished)
	}
	h := hosts[0]
	if h.IP.String() != "192.0.2.1" || h.Status != result.HostUp || h.OS != "Linux 5.0 - 5.4" ||
		strings.Join(h.Hostnames, ",") != "web.example.test" || h.RTT != 120*time.Microsecond {
		t.Errorf("host = %s %s %q %v %v", h.IP, h.Status, h.OS, h.Hostnames, h.RTT)
	}
	// Open and open|filtered ports only, TCP before UDP.
	var ports []string
	for _, p := range h.Ports {
		ports = append(ports, p.Protocol+"/"+p.State+"/"+p.Service)
	}
	if got := strings.Join(ports, " "); got != "tcp/open/ssh tcp/open/http udp/open|filtered/snmp" {
		t.Errorf("ports = %s", got)
	}
	ssh := h.Ports[0]
	if ssh.Product != "OpenSSH" || ssh.Version != "9.2p1 Debian 2+deb12u3" || ssh.Extra["extrainfo"] != "protocol 2.0" ||
		strings.Join(ssh.CPE, " ") != "cpe:2.3:a:openbsd:openssh:9.2p1:*:*:*:*:*:*:* cpe:2.3:o:linux:linux_kernel:*:*:*:*:*:*:*:*" {
		t.Errorf("ssh = %+v", ssh)
	}
	if !h.Ports[1].TLS || h.Ports[0].TLS {
		t.Errorf("TLS flags: ssh %v, https %v", h.Ports[0].TLS, h.Ports[1].TLS)
	}
	// vulners: CVEs only, with the lifecycle's CVE check ids and PCI verdicts.
	f, ok := finding(h, "cve:CVE-2024-6387")
	if !ok || f.CVSSScore != 8.1 || f.Severity != result.SeverityHigh || !f.PCIFail || f.Port != 22 || f.Protocol != "tcp" ||
		f.CPE != "cpe:2.3:a:openbsd:openssh:9.2p1:*:*:*:*:*:*:*" || !strings.Contains(f.Evidence, "public exploit") {
		t.Errorf("CVE-2024-6387 = %+v (found %v)", f, ok)
	}
	if _, ok := finding(h, "cve:PACKETSTORM:179290"); ok {
		t.Error("a non-CVE vulners entry became a finding")
	}
	// ssl-enum-ciphers: TLS 1.0 becomes Perimeter's own check, with its meta.
	f, ok = finding(h, "tls.protocol.tls10")
	if !ok || f.Port != 443 || !f.PCIAutoFail || !f.PCIFail || f.Title == "" {
		t.Errorf("tls.protocol.tls10 = %+v (found %v)", f, ok)
	}
	if len(h.Findings) != 4 {
		t.Errorf("%d findings, want 3 CVEs and TLS 1.0: %v", len(h.Findings), h.Findings)
	}
	if hosts[1].IP.String() != "2001:db8::5" || len(hosts[1].Ports) != 1 {
		t.Errorf("IPv6 host = %+v", hosts[1])
	}
}

func TestNessus(t *testing.T) {
	t.Parallel()
	rep, hosts := read(t, nessusSample)
	if rep.Format != importer.Nessus || rep.Hosts != 2 || rep.Findings != 5 {
		t.Fatalf("report = %+v", rep)
	}
	if !rep.Started.Equal(time.Unix(1733500800, 0)) || !rep.Finished.Equal(time.Unix(1733501400, 0)) {
		t.Errorf("times = %v – %v", rep.Started, rep.Finished)
	}
	h := hosts[0]
	if h.IP.String() != "192.0.2.10" || h.OS != "Linux Kernel 5.10 on Debian 11" || strings.Join(h.Hostnames, ",") != "mail.example.test" {
		t.Errorf("host = %s %q %v", h.IP, h.OS, h.Hostnames)
	}
	var ports []string
	for _, p := range h.Ports {
		ports = append(ports, p.Service)
	}
	if strings.Join(ports, ",") != "ssh,http,http" {
		t.Errorf("services = %v", ports)
	}
	info, _ := finding(h, "nessus:19506")
	if info.Severity != result.SeverityInfo || info.Port != 0 || info.Protocol != "" || info.PCIFail {
		t.Errorf("scan information = %+v", info)
	}
	tls, _ := finding(h, "nessus:104743")
	if tls.CVSSScore != 6.5 || !strings.HasPrefix(tls.CVSSVector, "CVSS:3.0/") || tls.Severity != result.SeverityMedium ||
		!tls.PCIFail || len(tls.References) != 2 || !strings.HasPrefix(tls.Description, "The remote service encrypts") {
		t.Errorf("TLS 1.0 = %+v", tls)
	}
	ssh, _ := finding(h, "nessus:187201")
	if strings.Join(ssh.CVEs, ",") != "CVE-2023-48795,CVE-2023-51385" || ssh.Severity != result.SeverityHigh ||
		!strings.Contains(ssh.Evidence, "Fixed version") || !strings.Contains(ssh.Evidence, "exploit") {
		t.Errorf("OpenSSH = %+v", ssh)
	}
	dos, _ := finding(h, "nessus:10000")
	if !dos.DoSOnly || dos.PCIFail {
		t.Errorf("availability-only finding = %+v, want DoS-only and passing PCI", dos)
	}
	smb := hosts[1]
	if smb.IP.String() != "192.0.2.11" || strings.Join(smb.Hostnames, ",") != "fileserver" || smb.Ports[0].Service != "smb" ||
		smb.Findings[0].Severity != result.SeverityCritical {
		t.Errorf("second host = %+v", smb)
	}
}

func TestGVM(t *testing.T) {
	t.Parallel()
	rep, hosts := read(t, gvmSample)
	if rep.Format != importer.GVM || rep.Hosts != 2 || rep.Findings != 3 {
		t.Fatalf("report = %+v (the false positive is left out)", rep)
	}
	if rep.Started.Format(time.RFC3339) != "2024-12-06T16:00:00Z" || rep.Finished.Format(time.RFC3339) != "2024-12-06T16:21:00Z" {
		t.Errorf("times = %v – %v", rep.Started, rep.Finished)
	}
	h := hosts[0]
	if h.IP.String() != "192.0.2.20" || h.OS != "Debian GNU/Linux 12" || strings.Join(h.Hostnames, ",") != "portal.example.test" ||
		len(h.Ports) != 1 || h.Ports[0].Port != 443 {
		t.Errorf("host = %+v", h)
	}
	f, _ := finding(h, "gvm:1.3.6.1.4.1.25623.1.0.117274")
	if f.CVSSScore != 4.3 || f.CVSSVector != "CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:U/C:L/I:L/A:N" || f.Confidence != 98 ||
		strings.Join(f.CVEs, ",") != "CVE-2011-3389,CVE-2015-0204" || len(f.References) != 1 || !f.PCIFail ||
		!strings.HasPrefix(f.Solution, "It is recommended") || !strings.Contains(f.Description, "cryptographic flaws") {
		t.Errorf("TLS finding = %+v", f)
	}
	os, _ := finding(h, "gvm:1.3.6.1.4.1.25623.1.0.105937")
	if os.Port != 0 || os.Severity != result.SeverityInfo || os.PCIFail {
		t.Errorf("log finding = %+v", os)
	}
	redis := hosts[1]
	if redis.IP.String() != "192.0.2.21" || len(redis.Findings) != 1 || redis.Findings[0].Severity != result.SeverityCritical {
		t.Errorf("second host = %+v", redis)
	}
}

func TestSniff(t *testing.T) {
	t.Parallel()
	for doc, want := range map[string]importer.Format{
		nmapSample:                           importer.Nmap,
		nessusSample:                         importer.Nessus,
		gvmSample:                            importer.GVM,
		`<report id="x"><results/></report>`: importer.GVM,
	} {
		if f, _, err := importer.Sniff(strings.NewReader(doc)); err != nil || f != want {
			t.Errorf("Sniff(%.40q) = %q, %v; want %q", doc, f, err, want)
		}
	}
	for _, doc := range []string{"", "not xml at all", `<html><body/></html>`, `<NessusClientData/>`, `{"json": true}`} {
		if f, _, err := importer.Sniff(strings.NewReader(doc)); err == nil {
			t.Errorf("Sniff(%q) = %q, want an error", doc, f)
		}
	}
}

// TestGzip: a compressed report reads as the plain one.
func TestGzip(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write([]byte(nessusSample))
	zw.Close()
	_, plain := read(t, nessusSample)
	rep, hosts := read(t, buf.String())
	if rep.Format != importer.Nessus || len(hosts) != len(plain) || hosts[0].Findings[0].CheckID != plain[0].Findings[0].CheckID {
		t.Errorf("gzip: %+v, %d hosts", rep, len(hosts))
	}
	if _, _, err := importer.Sniff(strings.NewReader("\x1f\x8bnot gzip")); err == nil {
		t.Error("broken gzip data was accepted")
	}
}

// TestMalformed: a broken file is an *Error naming the line and element, and
// the reader stops there.
func TestMalformed(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		format  importer.Format
		doc     string
		line    int
		element string
		msg     string
	}{
		{"truncated", importer.Nmap, "<nmaprun>\n<host><status state=\"up\"/>\n<address addr=\"192.0.2.1\" addrtype=\"ipv4\"/>", 3, "host", "ends before"},
		{"bad address", importer.Nmap, "<nmaprun>\n\n<host><status state=\"up\"/><address addr=\"300.1.1.1\" addrtype=\"ipv4\"/></host></nmaprun>", 3, "host", "not an IP address"},
		{"no address", importer.Nmap, "<nmaprun>\n<host><status state=\"up\"/></host></nmaprun>", 2, "host", "without an IPv4"},
		{"port out of range", importer.Nmap, "<nmaprun><host><address addr=\"192.0.2.1\" addrtype=\"ipv4\"/><ports>\n<port protocol=\"tcp\" portid=\"70000\"><state state=\"open\"/></port></ports></host></nmaprun>", 1, "host", "out of range"},
		{"port not a number", importer.Nmap, "<nmaprun>\n<host><address addr=\"192.0.2.1\" addrtype=\"ipv4\"/><ports><port protocol=\"tcp\" portid=\"x\"/></ports></host></nmaprun>", 2, "host", ""},
		{"bad xml", importer.Nmap, "<nmaprun>\n<host>\n<status state=\"up\"></host></nmaprun>", 3, "host", "malformed XML"},
		{"wrong root", importer.Nmap, "<NessusClientData_v2/>", 1, "NessusClientData_v2", "root element"},
		{"nessus plugin", importer.Nessus, "<NessusClientData_v2><Report>\n<ReportHost name=\"192.0.2.1\"><ReportItem port=\"80\" pluginID=\"abc\" severity=\"1\"/></ReportHost></Report></NessusClientData_v2>", 2, "ReportHost", "pluginID"},
		{"nessus severity", importer.Nessus, "<NessusClientData_v2><Report><ReportHost name=\"192.0.2.1\"><ReportItem port=\"80\" pluginID=\"1\" severity=\"9\"/></ReportHost></Report></NessusClientData_v2>", 1, "ReportHost", "severity"},
		{"nessus no ip", importer.Nessus, "<NessusClientData_v2><Report><ReportHost name=\"printer\"></ReportHost></Report></NessusClientData_v2>", 1, "ReportHost", "no IP address"},
		{"gvm port", importer.GVM, "<report><results>\n<result><host>192.0.2.1</host><port>99999/tcp</port><severity>5</severity><nvt oid=\"1.2\"/></result></results></report>", 2, "result", "port"},
		{"gvm severity", importer.GVM, "<report><results><result><host>192.0.2.1</host><port>80/tcp</port><severity>high</severity><nvt oid=\"1.2\"/></result></results></report>", 1, "result", "severity"},
		{"gvm host", importer.GVM, "<report><results><result><host>db.example.test</host><port>80/tcp</port><severity>1</severity></result></results></report>", 1, "result", "not an IP address"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := importer.Read(strings.NewReader(tt.doc), tt.format, func(result.Host) error { return nil })
			var e *importer.Error
			if !errors.As(err, &e) {
				t.Fatalf("err = %v (%T), want *importer.Error", err, err)
			}
			if e.Line != tt.line || e.Element != tt.element || !strings.Contains(e.Msg, tt.msg) {
				t.Errorf("err = %q (line %d, element %q), want line %d, element %q, message with %q", e, e.Line, e.Element, tt.line, tt.element, tt.msg)
			}
		})
	}
}

// TestEmitError: an error from emit stops the reading and comes back as is.
func TestEmitError(t *testing.T) {
	t.Parallel()
	stop := errors.New("stop")
	n := 0
	_, err := importer.Read(strings.NewReader(nmapSample), importer.Nmap, func(result.Host) error { n++; return stop })
	if !errors.Is(err, stop) || n != 1 {
		t.Errorf("err = %v after %d hosts, want stop after 1", err, n)
	}
}
