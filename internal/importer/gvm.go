package importer

import (
	"encoding/xml"
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/perimeterhq/perimeter/internal/scanner/result"
)

// The parts of an OpenVAS/GVM report (GMP get_reports, XML report format)
// this package reads. A report lists its results first and its hosts' details
// after them, so hosts are assembled in memory and emitted at the end.
type gvmResult struct {
	Name string `xml:"name"`
	Host struct {
		IP       string `xml:",chardata"`
		Hostname string `xml:"hostname"`
	} `xml:"host"`
	Port string `xml:"port"`
	NVT  struct {
		OID      string `xml:"oid,attr"`
		Name     string `xml:"name"`
		CVSSBase string `xml:"cvss_base"`
		Tags     string `xml:"tags"`
		Solution string `xml:"solution"`
		Sevs     []struct {
			Type  string `xml:"type,attr"`
			Score string `xml:"score"`
			Value string `xml:"value"`
		} `xml:"severities>severity"`
		Refs []struct {
			Type string `xml:"type,attr"`
			ID   string `xml:"id,attr"`
		} `xml:"refs>ref"`
	} `xml:"nvt"`
	Severity    string `xml:"severity"`
	QoD         string `xml:"qod>value"`
	Description string `xml:"description"`
}

type gvmHostDetails struct {
	IP      string `xml:"ip"`
	Details []struct {
		Name  string `xml:"name"`
		Value string `xml:"value"`
	} `xml:"detail"`
}

type gvmReader struct {
	d       *decoder
	rep     *Report
	hosts   map[netip.Addr]*result.Host
	results int
}

func readGVM(d *decoder, rep *Report, emit func(result.Host) error) error {
	rep.Scanner = "OpenVAS"
	g := &gvmReader{d: d, rep: rep, hosts: map[netip.Addr]*result.Host{}}
	root := false
	err := d.elements("", func(se xml.StartElement) error {
		if (se.Name.Local != "report" && se.Name.Local != "get_reports_response") || root {
			return &Error{Line: d.line(), Element: se.Name.Local, Msg: "not a GVM report (the root element must be <report> or <get_reports_response>)"}
		}
		root = true
		return g.report(se.Name.Local)
	})
	if err != nil {
		return err
	}
	ips := make([]netip.Addr, 0, len(g.hosts))
	for ip := range g.hosts {
		ips = append(ips, ip)
	}
	slices.SortFunc(ips, netip.Addr.Compare)
	for _, ip := range ips {
		h := g.hosts[ip]
		sortHost(h)
		rep.Hosts++
		rep.Services += len(h.Ports)
		rep.Findings += len(h.Findings)
		if err := emit(*h); err != nil {
			return err
		}
	}
	return nil
}

// report walks a <report> (GMP nests the report in a report of the same name).
func (g *gvmReader) report(name string) error {
	return g.d.elements(name, func(se xml.StartElement) error {
		switch se.Name.Local {
		case "report":
			return g.report("report")
		case "results":
			return g.d.elements("results", func(se xml.StartElement) error {
				if se.Name.Local != "result" {
					return g.d.skip(se.Name.Local)
				}
				return g.result(se)
			})
		case "host":
			return g.hostDetails(se)
		case "scan_start", "scan_end":
			var s string
			if err := g.d.element(&s, se); err != nil {
				return err
			}
			if t, err := time.Parse(time.RFC3339, strings.TrimSpace(s)); err == nil {
				if se.Name.Local == "scan_start" {
					g.rep.Started = t.UTC()
				} else {
					g.rep.Finished = t.UTC()
				}
			}
			return nil
		}
		return g.d.skip(se.Name.Local)
	})
}

func (g *gvmReader) host(raw string) (*result.Host, error) {
	ip, ok := parseIP(raw)
	if !ok {
		return nil, fmt.Errorf("host %q is not an IP address", clip(raw))
	}
	h := g.hosts[ip]
	if h == nil {
		h = &result.Host{IP: ip, Status: result.HostUp}
		g.hosts[ip] = h
	}
	return h, nil
}

func (g *gvmReader) result(se xml.StartElement) error {
	line := g.d.line()
	var r gvmResult
	if err := g.d.element(&r, se); err != nil {
		return err
	}
	if g.results++; g.results > maxGVMResults {
		return &Error{Line: line, Element: "result", Msg: fmt.Sprintf("more than %d results", maxGVMResults)}
	}
	fail := func(format string, args ...any) error {
		return &Error{Line: line, Element: "result", Msg: fmt.Sprintf(format, args...)}
	}
	h, err := g.host(r.Host.IP)
	if err != nil {
		return fail("%v", err)
	}
	if n := clip(r.Host.Hostname); n != "" && !slices.Contains(h.Hostnames, n) {
		h.Hostnames = append(h.Hostnames, n)
	}
	sev, err := strconv.ParseFloat(strings.TrimSpace(r.Severity), 64)
	if err != nil {
		return fail("severity %q is not a number", clip(r.Severity))
	}
	if sev < 0 {
		return nil // -1 false positive, -2 error, -3 debug: overrides made in GVM
	}
	port, proto, err := gvmPort(r.Port)
	if err != nil {
		return fail("%v", err)
	}
	oid := strings.TrimSpace(r.NVT.OID)
	if oid == "" || len(oid) > 100 {
		return fail("the result has no NVT oid")
	}
	tags := gvmTags(r.NVT.Tags)
	f := result.Finding{
		CheckID:     "gvm:" + oid,
		Title:       nonEmpty(r.NVT.Name, r.Name),
		Description: strings.TrimSpace(tags["summary"] + "\n\n" + tags["insight"] + "\n\n" + tags["impact"]),
		Solution:    nonEmpty(r.NVT.Solution, tags["solution"]),
		CVSSScore:   min(sev, 10),
		Severity:    result.SeverityFor(min(sev, 10)),
		Port:        port,
		Protocol:    proto,
		Evidence:    r.Description,
		Confidence:  importedConfidence,
	}
	if q, err := strconv.Atoi(strings.TrimSpace(r.QoD)); err == nil && q >= 0 && q <= 100 {
		f.Confidence = q // GVM's quality of detection is the same idea
	}
	for _, s := range r.NVT.Sevs {
		if strings.HasPrefix(s.Type, "cvss_base_v3") || f.CVSSVector == "" {
			f.CVSSVector = strings.TrimSpace(s.Value)
		}
	}
	if f.CVSSVector == "" {
		f.CVSSVector = tags["cvss_base_vector"]
	}
	f.DoSOnly = availabilityOnly(f.CVSSVector)
	for _, ref := range r.NVT.Refs {
		id := strings.TrimSpace(ref.ID)
		switch strings.ToLower(ref.Type) {
		case "cve":
			if id = strings.ToUpper(id); cveID(id) {
				f.CVEs = append(f.CVEs, id)
			}
		case "url":
			if (strings.HasPrefix(id, "https://") || strings.HasPrefix(id, "http://")) && len(id) < 500 && len(f.References) < 20 {
				f.References = append(f.References, id)
			}
		}
	}
	if port > 0 && !slices.ContainsFunc(h.Ports, func(s result.Service) bool { return s.Port == port && s.Protocol == proto }) {
		if len(h.Ports) >= maxPortsPerHost {
			return fail("more than %d ports on %s", maxPortsPerHost, h.IP)
		}
		h.Ports = append(h.Ports, result.Service{Port: port, Protocol: proto, State: result.PortOpen})
	}
	if len(h.Findings) >= maxFindingsPerHost {
		return fail("more than %d findings on %s", maxFindingsPerHost, h.IP)
	}
	h.Findings = append(h.Findings, finish(f))
	return nil
}

// hostDetails reads a report's <host> block: address, times, host name and
// operating system.
func (g *gvmReader) hostDetails(se xml.StartElement) error {
	line := g.d.line()
	var hd gvmHostDetails
	if err := g.d.element(&hd, se); err != nil {
		return err
	}
	if strings.TrimSpace(hd.IP) == "" {
		return nil // a <host> of another shape (e.g. a host count)
	}
	h, err := g.host(hd.IP)
	if err != nil {
		return &Error{Line: line, Element: "host", Msg: err.Error()}
	}
	for _, d := range hd.Details {
		switch d.Name {
		case "hostname", "DNS-via-TargetDefinition":
			if n := clip(d.Value); n != "" && !slices.Contains(h.Hostnames, n) {
				h.Hostnames = append(h.Hostnames, n)
			}
		case "best_os_txt":
			h.OS = clip(d.Value)
		}
	}
	return nil
}

// gvmPort reads "443/tcp"; "general/tcp", "general/icmp" and the like are
// host-level (port 0, no protocol).
func gvmPort(s string) (int, string, error) {
	num, proto, _ := strings.Cut(strings.TrimSpace(s), "/")
	if num == "general" || num == "" || num == "package" {
		return 0, "", nil
	}
	p, err := strconv.Atoi(num)
	if err != nil || p < 1 || p > 65535 {
		return 0, "", fmt.Errorf("port %q is not a port number 1-65535 with its protocol", clip(s))
	}
	proto = strings.ToLower(proto)
	if proto != result.TCP && proto != result.UDP {
		return 0, "", fmt.Errorf("port %q: protocol must be tcp or udp", clip(s))
	}
	return p, proto, nil
}

// gvmTags splits an NVT's "key=value|key=value" tags.
func gvmTags(s string) map[string]string {
	m := map[string]string{}
	for part := range strings.SplitSeq(s, "|") {
		if k, v, ok := strings.Cut(part, "="); ok {
			m[strings.TrimSpace(k)] = strings.TrimSpace(v)
		}
	}
	return m
}
