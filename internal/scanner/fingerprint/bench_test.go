package fingerprint

import (
	"bytes"
	"context"
	"encoding/xml"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/perimeterhq/perimeter/internal/scanner/result"
)

// fleetMember is one loopback test server of the benchmark fleet.
type fleetMember struct {
	name    string // what it imitates
	port    int
	proto   string
	service string // what Detect must call it
}

// startFleet starts one server of every kind the package detects.
func startFleet(tb testing.TB) []fleetMember {
	tb.Helper()
	apache := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Server", "Apache/2.4.58 (Ubuntu)")
		fmt.Fprint(w, "<title>It works</title>")
	})
	elastic := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"name":"n","cluster_name":"c","version":{"number":"8.11.1","build_flavor":"default"},"tagline":"You Know, for Search"}`)
	})
	tcp := []struct {
		name, service string
		handle        func(net.Conn)
	}{
		{"ssh", "ssh", lineServer("SSH-2.0-OpenSSH_8.9p1 Ubuntu-3ubuntu0.6\r\n", nil, "")},
		{"ftp", "ftp", lineServer("220 (vsFTPd 3.0.5)\r\n", map[string]string{"FEAT": "211-Features:\r\n AUTH TLS\r\n211 End\r\n"}, "500 ?\r\n")},
		{"smtp", "smtp", lineServer("220 mx ESMTP Exim 4.96\r\n", map[string]string{"EHLO": "250-mx\r\n250 STARTTLS\r\n"}, "500 ?\r\n")},
		{"pop3", "pop3", lineServer("+OK Dovecot ready.\r\n", map[string]string{"CAPA": "+OK\r\nSTLS\r\n.\r\n"}, "-ERR\r\n")},
		{"imap", "imap", lineServer("* OK [CAPABILITY IMAP4rev1 STARTTLS] Dovecot ready.\r\n", nil, "* BAD\r\n")},
		{"mysql", "mysql", mysqlServer("8.0.36-0ubuntu0.22.04.1")},
		{"telnet", "telnet", telnetServer},
		{"vnc", "vnc", lineServer("RFB 003.008\n", nil, "")},
		{"http", "http", httpHandler(apache)},
		{"elasticsearch", "elasticsearch", httpHandler(elastic)},
		{"redis", "redis", redisServer(false)},
		{"memcached", "memcached", lineServer("", map[string]string{"VERSION": "VERSION 1.6.21\r\n"}, "ERROR\r\n")},
		{"postgresql", "postgresql", pgServer(false)},
		{"mongodb", "mongodb", mongoServer},
		{"rdp", "rdp", rdpServer},
		{"smb", "smb", smbServer},
		{"ldap", "ldap", ldapServer},
		{"dns-tcp", "dns", dnsTCPServer("9.18.24-1-Debian")},
	}
	var fleet []fleetMember
	for _, s := range tcp {
		fleet = append(fleet, fleetMember{s.name, serveTCP(tb, s.handle), result.TCP, s.service})
	}
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Server", "nginx/1.24.0")
	}))
	tb.Cleanup(srv.Close)
	port, _ := strconv.Atoi(srv.URL[strings.LastIndex(srv.URL, ":")+1:])
	fleet = append(fleet, fleetMember{"https", port, result.TCP, "https"})
	fleet = append(fleet, fleetMember{"imaps", serveTLS(tb, lineServer("* OK Dovecot ready.\r\n", map[string]string{"A1": "* CAPABILITY IMAP4rev1\r\na1 OK\r\n"}, "* BAD\r\n")), result.TCP, "imaps"})
	fleet = append(fleet,
		fleetMember{"dns-udp", serveUDP(tb, func(q []byte) []byte { return dnsAnswer(q, "unbound 1.17.1") }), result.UDP, "dns"},
		fleetMember{"ntp", serveUDP(tb, ntpAnswer), result.UDP, "ntp"},
		fleetMember{"snmp", serveUDP(tb, snmpAnswer), result.UDP, "snmp"},
	)
	return fleet
}

// detectFleet identifies every member concurrently, as the engine does,
// and returns how many were named as expected.
func detectFleet(d *Detector, fleet []fleetMember, proto string) int {
	var wg sync.WaitGroup
	var mu sync.Mutex
	right := 0
	for _, f := range fleet {
		if proto != "" && f.proto != proto {
			continue
		}
		wg.Go(func() {
			state := result.PortOpen
			if f.proto == result.UDP {
				state = result.PortOpenFiltered
			}
			got := d.Detect(context.Background(), Target{IP: loopback}, result.Service{Port: f.port, Protocol: f.proto, State: state})
			if got.Service == f.service {
				mu.Lock()
				right++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return right
}

// BenchmarkDetect measures detection with the default budgets over the
// fleet: "fleet" identifies every server concurrently (one op is the whole
// fleet); the sub-benchmarks time each kind alone. Ports are random, so no
// port-number hint helps: this is the unusual-port cost.
func BenchmarkDetect(b *testing.B) {
	fleet := startFleet(b)
	d := &Detector{}
	b.Run("fleet", func(b *testing.B) {
		for b.Loop() {
			if n := detectFleet(d, fleet, ""); n != len(fleet) {
				b.Fatalf("identified %d of %d", n, len(fleet))
			}
		}
	})
	for _, f := range fleet {
		b.Run(f.name, func(b *testing.B) {
			if n := detectFleet(d, []fleetMember{f}, ""); n != 1 {
				b.Fatalf("%s not identified", f.name)
			}
			for b.Loop() {
				detectFleet(d, []fleetMember{f}, "")
			}
		})
	}
}

// nmapRun is the part of nmap's XML output the comparison reads.
type nmapRun struct {
	Ports []struct {
		PortID  int `xml:"portid,attr"`
		Service struct {
			Name    string `xml:"name,attr"`
			Product string `xml:"product,attr"`
			Version string `xml:"version,attr"`
			Tunnel  string `xml:"tunnel,attr"`
		} `xml:"service"`
	} `xml:"host>ports>port"`
}

// BenchmarkDetectVsNmap times detection of the TCP fleet against
// `nmap -sV` on the same loopback ports and reports both wall times and how
// many services each named. Run with -benchtime=1x: nmap takes minutes.
func BenchmarkDetectVsNmap(b *testing.B) {
	nmap, err := exec.LookPath("nmap")
	if err != nil {
		b.Skip("nmap is not installed")
	}
	fleet := startFleet(b)
	var ports []string
	for _, f := range fleet {
		if f.proto == result.TCP {
			ports = append(ports, strconv.Itoa(f.port))
		}
	}
	d := &Detector{}
	for b.Loop() {
		start := time.Now()
		ours := detectFleet(d, fleet, result.TCP)
		oursTime := time.Since(start)

		start = time.Now()
		out, err := exec.Command(nmap, "-n", "-Pn", "-sT", "-sV", "-p", strings.Join(ports, ","), "-oX", "-", "127.0.0.1").Output()
		nmapTime := time.Since(start)
		if err != nil {
			b.Fatalf("nmap: %v", err)
		}
		var run nmapRun
		if err := xml.NewDecoder(bytes.NewReader(out)).Decode(&run); err != nil {
			b.Fatalf("nmap XML: %v", err)
		}
		named := 0
		for _, p := range run.Ports {
			if n := p.Service.Name; n != "" && n != "unknown" && n != "tcpwrapped" && !strings.HasSuffix(n, "?") {
				named++
			}
			b.Logf("nmap %d: %s %s %s %s", p.PortID, p.Service.Tunnel, p.Service.Name, p.Service.Product, p.Service.Version)
		}
		b.ReportMetric(oursTime.Seconds(), "perimeter-s")
		b.ReportMetric(nmapTime.Seconds(), "nmap-s")
		b.ReportMetric(float64(ours), "perimeter-named")
		b.ReportMetric(float64(named), "nmap-named")
		b.ReportMetric(float64(len(ports)), "ports")
	}
}

// BenchmarkDetectHinted times detection on the ports the services usually
// use, where the port number puts the right probe first and no listening
// window is spent. Ports already taken on this machine are skipped.
func BenchmarkDetectHinted(b *testing.B) {
	servers := []struct {
		name    string
		port    int
		service string
		handle  func(net.Conn)
	}{
		{"redis", 6379, "redis", redisServer(false)},
		{"memcached", 11211, "memcached", lineServer("", map[string]string{"VERSION": "VERSION 1.6.21\r\n"}, "ERROR\r\n")},
		{"mongodb", 27017, "mongodb", mongoServer},
		{"postgresql", 5432, "postgresql", pgServer(false)},
		{"http-alt", 8080, "http", httpHandler(http.NotFoundHandler())},
	}
	d := &Detector{}
	for _, s := range servers {
		b.Run(s.name, func(b *testing.B) {
			ln, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(s.port))
			if err != nil {
				b.Skipf("port %d unavailable: %v", s.port, err)
			}
			serveListener(b, ln, s.handle)
			f := fleetMember{s.name, s.port, result.TCP, s.service}
			for b.Loop() {
				if detectFleet(d, []fleetMember{f}, "") != 1 {
					b.Fatalf("%s not identified on port %d", s.name, s.port)
				}
			}
		})
	}
}
