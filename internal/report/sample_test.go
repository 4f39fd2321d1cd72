package report

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"strings"
	"testing"
	"time"
)

// Sample documents shared by the tests and benchmarks: realistic texts,
// UTF-8, hostile strings (markup, formulas, control characters) and the
// edge cases (no findings, very long evidence).

var (
	sampleFinished = time.Date(2025, 3, 14, 10, 30, 0, 0, time.UTC)
	sampleStarted  = sampleFinished.Add(-47 * time.Minute)
	sampleExpires  = "2025-06-12" // finished + 90 days
)

const (
	utf8Title    = "Zürich — naïve 日本 TLS certificate issue"
	scriptTitle  = "<script>alert('x')</script> reflected in banner"
	formulaTitle = "=HYPERLINK(\"http://evil.example\",\"click\")"
)

var descriptions = []string{
	"The remote web server supports TLS 1.0 and TLS 1.1. These versions of the protocol are deprecated and have known weaknesses, including the BEAST and POODLE attacks against CBC cipher suites. PCI DSS requires that strong cryptography is used to protect cardholder data during transmission over open, public networks.",
	"The version of OpenSSH running on the remote host is affected by a race condition in the signal handler of sshd (regreSSHion). An unauthenticated remote attacker may be able to execute arbitrary code as root on glibc-based Linux systems.",
	"The remote HTTP server discloses its exact version in the Server response header. While not a vulnerability in itself, this information helps an attacker select exploits that apply to the installed software.",
	"The SMTP server accepts the STARTTLS command but offers self-signed certificates; a man-in-the-middle attacker can intercept mail in transit without the client noticing.",
}

var solutions = []string{
	"Disable TLS 1.0 and TLS 1.1 and enable TLS 1.2 or later with AEAD cipher suites only. Restart the service and re-scan to confirm.",
	"Upgrade OpenSSH to version 9.8p1 or later. As a temporary mitigation set LoginGraceTime to 0 in sshd_config, at the cost of exposing sshd to connection exhaustion.",
	"Configure the web server to omit version information from the Server header (ServerTokens Prod for Apache, server_tokens off for nginx).",
	"Replace the certificate with one issued by a trusted certificate authority whose subject matches the host name.",
}

var evidences = []string{
	"Negotiated protocol: TLSv1.0\nCipher: TLS_RSA_WITH_AES_128_CBC_SHA\nCertificate: CN=shop.example.com, O=Example Ltd\n",
	"SSH-2.0-OpenSSH_8.9p1 Ubuntu-3ubuntu0.6",
	"HTTP/1.1 200 OK\r\nServer: Apache/2.4.41 (Ubuntu)\r\nContent-Type: text/html; charset=UTF-8\r\nX-Powered-By: PHP/7.4.3\r\n\r\n<html><head><title>Welcome</title></head>",
	"220 mail.example.com ESMTP Postfix\n250-STARTTLS\nsubject=CN=localhost\nissuer=CN=localhost\nverify error:num=18:self-signed certificate",
}

var titles = []string{
	"TLS Version 1.0 and 1.1 Protocol Detection",
	"OpenSSH < 9.8p1 Remote Code Execution (regreSSHion)",
	"HTTP Server Version Disclosure",
	"SMTP Service STARTTLS Self-Signed Certificate",
	"Apache HTTP Server 2.4.x < 2.4.62 Multiple Vulnerabilities",
	"PHP 7.4.x End of Life",
	"SSL Certificate Expired",
	"DNS Server Recursive Query Cache Poisoning Weakness",
}

// sampleLogoPNG is a 240×80 two-colour PNG made in memory.
func sampleLogoPNG(t testing.TB) []byte {
	img := image.NewNRGBA(image.Rect(0, 0, 240, 80))
	for y := range 80 {
		for x := range 240 {
			c := color.NRGBA{0x1F, 0x3A, 0x5F, 255}
			if x > 90 {
				c = color.NRGBA{0xE5, 0x39, 0x35, 255}
			}
			if (x-40)*(x-40)+(y-40)*(y-40) < 900 {
				c = color.NRGBA{255, 255, 255, 255}
			}
			img.Set(x, y, c)
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

const sampleLogoSVG = `<?xml version="1.0"?>
<svg xmlns="http://www.w3.org/2000/svg" width="120" height="40" viewBox="0 0 120 40">
<script>alert(1)</script>
<rect x="0" y="0" width="40" height="40" fill="#0B6E4F"/>
<rect x="48" y="8" width="70" height="24" fill="#f90"/>
<path d="M5 35 L20 5 L35 35 Z"/>
</svg>`

// sampleFindings makes n findings over hosts, sorted worst first as the
// model promises.
func sampleFindings(n, hosts int) []Finding {
	out := make([]Finding, 0, n)
	perSev := []int{n / 20, n / 8, n / 4, n / 4}
	perSev = append(perSev, n-perSev[0]-perSev[1]-perSev[2]-perSev[3])
	i := 0
	for s, count := range perSev {
		sev := severities[s]
		for k := 0; k < count; k++ {
			h := i % hosts
			f := Finding{
				ID:          fmt.Sprintf("f-%06d", i),
				IP:          fmt.Sprintf("203.0.%d.%d", 113+h/250, 1+h%250),
				Hostname:    fmt.Sprintf("host-%03d.shop.example.com", h),
				Port:        []int{443, 22, 80, 25, 0}[i%5],
				Protocol:    "tcp",
				Service:     []string{"https", "ssh", "http", "smtp", ""}[i%5],
				CheckID:     fmt.Sprintf("chk-%04d", i%len(titles)+s*100),
				Title:       titles[i%len(titles)],
				Description: descriptions[i%len(descriptions)],
				Solution:    solutions[i%len(solutions)],
				Evidence:    evidences[i%len(evidences)],
				References:  []string{"https://nvd.nist.gov/vuln/detail/CVE-2024-6387", "https://www.openssh.com/txt/release-9.8"},
				CVEs:        []string{fmt.Sprintf("CVE-2024-%04d", 6000+i%500)},
				CVSSScore:   []float64{9.8, 7.5, 5.3, 3.1, 0}[s],
				CVSSVector:  "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
				Severity:    sev,
				Status:      []string{"open", "reopened", "open", "accepted"}[i%4],
				PCIFail:     s < 3,
				PCIAutoFail: s == 0,
				KEV:         s == 0 && i%3 == 0,
				EPSS:        0.42,
				FirstSeen:   sampleFinished.AddDate(0, -2, 0),
				LastSeen:    sampleFinished,
				TargetName:  "Production web",
				ScanName:    "Quarterly ASV scan",
			}
			if i%7 == 3 {
				// Realistic long evidence: a full response body.
				f.Evidence = strings.Repeat("GET /index.php?id=1 HTTP/1.1 — response body line with tokens abc123 ", 12)
			}
			out = append(out, f)
			i++
		}
	}
	return out
}

// sampleDoc builds a document of a type with n findings on hosts hosts; the
// special findings (UTF-8, markup, formula, huge evidence) replace the first
// ones when n ≥ 4.
func sampleDoc(t testing.TB, typ Type, n, hosts int) *Document {
	fs := sampleFindings(n, max(hosts, 1))
	if n >= 4 {
		fs[0].Title = utf8Title
		fs[0].Description = "Zürich — naïve 日本: the certificate’s subject contains non-ASCII characters (ß, é, Ω, Ж)."
		fs[1].Title = scriptTitle
		fs[1].Evidence = "\x00\x1b[31mred\x1b[0m " + strings.Repeat("A", 5000) + " END-OF-EVIDENCE"
		fs[2].Title = formulaTitle
		fs[2].Hostname = "@SUM(1+1)"
		fs[3].Evidence = "-2+3"
	}
	d := &Document{
		ID:          "rep-0001",
		Type:        typ,
		GeneratedAt: sampleFinished.Add(2 * time.Hour),
		Branding: Branding{
			CompanyName: "Acme Security GmbH", PrimaryColor: "#1F3A5F", SecondaryColor: "#2E86C1",
			SupportEmail: "support@acme.example", SupportURL: "https://support.acme.example",
			FooterText: "Acme Security GmbH · Zürich · Confidential",
			Logo:       sampleLogoPNG(t), LogoType: "image/png",
		},
		Customer: Party{Company: "Example Shop Ltd", Contact: "Jane Doe", Title: "CISO", Phone: "+44 20 7946 0000",
			Email: "jane@shop.example", Address: "1 High Street, London EC1A 1AA, United Kingdom", URL: "https://shop.example"},
		ASV: Party{Company: "Acme Security GmbH", Contact: "Max Muster", Title: "ASV QA Lead", Phone: "+41 44 000 00 00",
			Email: "asv@acme.example", Address: "Bahnhofstrasse 1, 8001 Zürich, Switzerland", URL: "https://acme.example"},
		Target: Target{ID: "tgt-1", Name: "Production web (shop.example.com)", Hosts: []string{"203.0.113.0/24"}},
		Run: Run{ID: "run-1", ScanID: "scan-1", ScanName: "Quarterly ASV scan", Product: "pci", Status: "finished",
			StartedAt: sampleStarted, FinishedAt: sampleFinished},
	}
	for i := 0; i < hosts; i++ {
		d.Hosts = append(d.Hosts, Host{IP: fmt.Sprintf("203.0.%d.%d", 113+i/250, 1+i%250),
			Hostname: fmt.Sprintf("host-%03d.shop.example.com", i), OS: "Ubuntu 22.04",
			OpenPorts: []string{"22/tcp ssh", "80/tcp http", "443/tcp https"}, PCICompliant: true})
	}
	byIP := map[string]*Host{}
	for h := range d.Hosts {
		byIP[d.Hosts[h].IP] = &d.Hosts[h]
	}
	for i := range fs {
		x := &fs[i]
		d.Counts.Add(x.Severity)
		if x.PCIFail {
			d.PCIFailing++
		}
		if h := byIP[x.IP]; h != nil {
			h.Counts.Add(x.Severity)
			if x.PCIFail {
				h.PCICompliant = false
			}
		}
	}
	d.PCICompliant = d.PCIFailing == 0
	exp := sampleFinished.AddDate(0, 6, 0)
	d.Exceptions = []Exception{
		{ID: "ex-1", Type: "false_positive", Status: "active", CheckID: "chk-0002", Host: "203.0.113.1", Port: 80,
			Reason: "Version header is rewritten by the load balancer; backend is patched.", ExpiresAt: &exp, Findings: 1},
		{ID: "ex-2", Type: "compensating_control", Status: "active", CheckID: "chk-0105", Host: "203.0.113.2",
			Reason: "WAF rule 942100 blocks the vector; reviewed by QSA.", Findings: 3},
	}
	if typ == Advanced {
		d.Title = "Monthly management report"
		d.Description = "All production targets, high and critical findings, last six months — Zürich office."
		d.Filters = []string{"Severities: critical, high, medium", "Targets: Production web, Mail"}
		d.Sections = []string{"summary", "trends", "hosts", "vulnerabilities", "remediation", "exceptions"}
		d.Target, d.Run = Target{}, Run{}
		for m := range 6 {
			d.Trends = append(d.Trends, TrendPoint{Date: sampleFinished.AddDate(0, m-5, 0),
				Counts: Counts{Critical: 6 - m, High: 12 - m, Medium: 20 + m, Low: 9, Info: 30 - 2*m},
				Runs:   4, PCIPass: m / 2, PCIFails: 4 - m/2})
		}
	}
	d.Findings = func(fn func(*Finding) error) error {
		var x Finding // one reused struct, as a database-backed caller would
		for i := range fs {
			x = fs[i]
			if err := fn(&x); err != nil {
				return err
			}
		}
		return nil
	}
	return d
}
