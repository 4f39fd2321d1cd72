package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"net/netip"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/perimeterhq/perimeter/internal/scanner/result"
)

// scanListener starts a loopback listener that accepts and closes connections.
func scanListener(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	return ln.Addr().(*net.TCPAddr).Port
}

func scanFreePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// runScanCommand executes `perimeter scan args...` through the constructor.
func runScanCommand(t *testing.T, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	cmd := newScanCommand()
	var out, errOut bytes.Buffer
	cmd.SetArgs(args)
	cmd.SetOut(&out)
	cmd.SetErr(&errOut)
	err = cmd.Execute()
	return out.String(), errOut.String(), err
}

func TestScanJSONIsOneDocument(t *testing.T) {
	open, closed := scanListener(t), scanFreePort(t)
	stdout, stderr, err := runScanCommand(t, "127.0.0.1", "--ports", fmt.Sprintf("T:%d,%d", open, closed), "--no-ping", "--ports-only", "--format", "json")
	if err != nil {
		t.Fatalf("%v\n%s", err, stderr)
	}
	dec := json.NewDecoder(strings.NewReader(stdout))
	var doc map[string]json.RawMessage
	if err := dec.Decode(&doc); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, stdout)
	}
	if dec.More() {
		t.Fatalf("more than one JSON document:\n%s", stdout)
	}
	if keys := scanSortedKeys(doc); !slices.Equal(keys, []string{"hosts", "stats"}) {
		t.Errorf("top-level keys %v", keys)
	}
	var hosts []map[string]json.RawMessage
	if err := json.Unmarshal(doc["hosts"], &hosts); err != nil || len(hosts) != 1 {
		t.Fatalf("hosts: %v %s", err, doc["hosts"])
	}
	if keys := scanSortedKeys(hosts[0]); !slices.Equal(keys, []string{"findings", "hostnames", "ip", "ports", "status"}) {
		t.Errorf("host keys %v", keys)
	}
	var ports []map[string]json.RawMessage
	if err := json.Unmarshal(hosts[0]["ports"], &ports); err != nil || len(ports) != 1 {
		t.Fatalf("ports: %v %s", err, hosts[0]["ports"])
	}
	if keys := scanSortedKeys(ports[0]); !slices.Equal(keys, []string{"banner", "cpe", "port", "product", "protocol", "service", "state", "version"}) {
		t.Errorf("port keys %v", keys)
	}
	if string(ports[0]["port"]) != fmt.Sprint(open) || string(ports[0]["state"]) != `"open"` {
		t.Errorf("port %s state %s, want %d open", ports[0]["port"], ports[0]["state"], open)
	}
	var stats result.Stats
	if err := json.Unmarshal(doc["stats"], &stats); err != nil || stats.HostsUp != 1 || stats.PortsOpen != 1 {
		t.Errorf("stats %+v (%v)", stats, err)
	}
}

func TestFindingJSONHasTheDocumentedFields(t *testing.T) {
	f := result.Finding{CheckID: "x", Title: "t", CVSSScore: 5.3, Severity: "medium", Port: 443, Protocol: "tcp", Description: "not in the document"}
	doc := jsonDocument([]*result.Host{{Status: result.HostUp, Findings: []result.Finding{f}}}, result.Stats{})
	b, err := json.Marshal(doc.Hosts[0].Findings[0])
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]json.RawMessage
	_ = json.Unmarshal(b, &m)
	want := []string{"check_id", "confidence", "cves", "cvss_score", "cvss_vector", "evidence", "pci_auto_fail", "pci_fail", "port", "protocol", "severity", "solution", "title"}
	if keys := scanSortedKeys(m); !slices.Equal(keys, want) {
		t.Errorf("finding keys %v, want %v", keys, want)
	}
	if string(m["cves"]) != "[]" {
		t.Errorf("cves = %s, want []", m["cves"])
	}
}

func TestScanJSONLStreamsEvents(t *testing.T) {
	open := scanListener(t)
	stdout, stderr, err := runScanCommand(t, "127.0.0.1", "--ports", fmt.Sprint(open), "--ports-only", "--format", "jsonl")
	if err != nil {
		t.Fatalf("%v\n%s", err, stderr)
	}
	kinds := map[result.EventKind]int{}
	sc := bufio.NewScanner(strings.NewReader(stdout))
	for sc.Scan() {
		var ev result.Event
		if err := json.Unmarshal(sc.Bytes(), &ev); err != nil {
			t.Fatalf("line %q: %v", sc.Text(), err)
		}
		kinds[ev.Kind]++
		if ev.Kind == result.EventPortOpen && ev.Service.Port != open {
			t.Errorf("port_open for %d, want %d", ev.Service.Port, open)
		}
	}
	for _, k := range []result.EventKind{result.EventHostUp, result.EventPortOpen, result.EventHostDone, result.EventProgress} {
		if kinds[k] == 0 {
			t.Errorf("no %s event in:\n%s", k, stdout)
		}
	}
}

func TestScanTable(t *testing.T) {
	open := scanListener(t)
	stdout, _, err := runScanCommand(t, "127.0.0.1", "--ports", fmt.Sprintf("T:%d", open), "--no-ping", "--ports-only")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"127.0.0.1", "PORT", fmt.Sprintf("%d/tcp", open), "open", "1 hosts scanned (1 up, 0 down)", "1 open ports"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("table lacks %q:\n%s", want, stdout)
		}
	}
}

func TestScanRejectsInvalidInput(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want []string
	}{
		{[]string{"10.0.0.300", "--ports-only"}, []string{"10.0.0.300"}},
		{[]string{"127.0.0.1", "--format", "xml"}, []string{"--format", "xml"}},
		{[]string{"127.0.0.1", "--profile", "Ultra"}, []string{"Ultra", "Full and fast"}},
		{[]string{"127.0.0.1", "--ports", "T:0-99999"}, []string{"--ports"}},
		{[]string{"bad_host!", "--format", "yaml"}, []string{"bad_host!", "yaml"}},
		{[]string{"127.0.0.1", "--rate", "-5"}, []string{"rate"}},
		{[]string{}, []string{"arg"}},
	} {
		stdout, stderr, err := runScanCommand(t, tc.args...)
		if err == nil {
			t.Errorf("%v: accepted", tc.args)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%v: error %q does not mention %q", tc.args, err, w)
			}
		}
		if stdout != "" {
			t.Errorf("%v: printed %q on invalid input", tc.args, stdout)
		}
		_ = stderr
	}
}

func TestDefaultFeedDir(t *testing.T) {
	t.Setenv("PERIMETER_DATA_DIR", "/srv/perimeter")
	if got := defaultFeedDir(); got != filepath.Join("/srv/perimeter", "feeds") {
		t.Errorf("with PERIMETER_DATA_DIR: %q", got)
	}
	t.Setenv("PERIMETER_DATA_DIR", "")
	if got := defaultFeedDir(); got != filepath.Join("data", "feeds") {
		t.Errorf("without: %q", got)
	}
	if f := newScanCommand().Flags().Lookup("feed-dir"); f == nil {
		t.Error("no --feed-dir flag")
	}
}

func scanSortedKeys(m map[string]json.RawMessage) []string {
	var keys []string
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func TestTableListsFindingsMostSevereFirst(t *testing.T) {
	host := &result.Host{
		IP: scanTestAddr("192.0.2.7"), Status: result.HostUp, Reason: "tcp-reset/80",
		Ports: []result.Service{{Port: 443, Protocol: "tcp", State: "open", Service: "https", Product: "nginx", Version: "1.18.0"}},
		Findings: []result.Finding{
			{CheckID: "low.one", Title: "Low", CVSSScore: 3.1, Severity: "low", Port: 443, Protocol: "tcp"},
			{CheckID: "crit.one", Title: "Critical", CVSSScore: 9.8, Severity: "critical", Port: 443, Protocol: "tcp"},
			{CheckID: "med.one", Title: "Medium", CVSSScore: 5.3, Severity: "medium"},
		},
	}
	down := &result.Host{IP: scanTestAddr("192.0.2.8"), Status: result.HostDown}
	var out bytes.Buffer
	stats := result.Stats{HostsTotal: 2, HostsUp: 1, PortsOpen: 1, Findings: 3, BySeverity: map[string]int{"critical": 1, "medium": 1, "low": 1}}
	if err := writeTable(&out, []*result.Host{host, down}, stats); err != nil {
		t.Fatal(err)
	}
	text := out.String()
	crit, med, low := strings.Index(text, "crit.one"), strings.Index(text, "med.one"), strings.Index(text, "low.one")
	if crit < 0 || med < crit || low < med {
		t.Errorf("findings not ordered critical, medium, low:\n%s", text)
	}
	for _, want := range []string{"443/tcp", "https", "nginx", "1.18.0", "host", "(1 up, 1 down)", "1 critical, 1 medium, 1 low"} {
		if !strings.Contains(text, want) {
			t.Errorf("table lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "192.0.2.8") {
		t.Errorf("a down host is listed:\n%s", text)
	}
}

func TestWarningsAreCapped(t *testing.T) {
	var out, errOut bytes.Buffer
	o := newScanOutput(formatTable, &out, &errOut)
	for i := range maxWarnings + 5 {
		_ = o.event(result.Event{Kind: result.EventError, Err: fmt.Sprintf("problem %d", i)})
	}
	if err := o.finish(result.Stats{}); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(errOut.String()), "\n")
	if len(lines) != maxWarnings+1 || !strings.Contains(lines[maxWarnings], "5 more") {
		t.Errorf("stderr:\n%s", errOut.String())
	}
	o = newScanOutput(formatJSONL, &out, &errOut)
	errOut.Reset()
	out.Reset()
	for range maxWarnings + 5 {
		_ = o.event(result.Event{Kind: result.EventError, Err: "x"})
	}
	if errOut.Len() != 0 || strings.Count(out.String(), "\n") != maxWarnings+5 {
		t.Errorf("jsonl must carry every error as an event, not on stderr")
	}
}

func scanTestAddr(s string) netip.Addr { return netip.MustParseAddr(s) }
