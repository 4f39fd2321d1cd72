package importer

import (
	"encoding/xml"
	"fmt"
	"io"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/perimeterhq/perimeter/internal/scanner/fingerprint"
	"github.com/perimeterhq/perimeter/internal/scanner/result"
)

// The parts of nmap's XML output (nmap.dtd) that this package reads.
type nmapHost struct {
	Status struct {
		State  string `xml:"state,attr"`
		Reason string `xml:"reason,attr"`
	} `xml:"status"`
	Addresses []struct {
		Addr string `xml:"addr,attr"`
		Type string `xml:"addrtype,attr"`
	} `xml:"address"`
	Hostnames []struct {
		Name string `xml:"name,attr"`
	} `xml:"hostnames>hostname"`
	Ports   []nmapPort `xml:"ports>port"`
	OSMatch []struct {
		Name     string `xml:"name,attr"`
		Accuracy int    `xml:"accuracy,attr"`
	} `xml:"os>osmatch"`
	Times struct {
		SRTT int64 `xml:"srtt,attr"` // microseconds
	} `xml:"times"`
}

type nmapPort struct {
	Protocol string `xml:"protocol,attr"`
	PortID   int    `xml:"portid,attr"`
	State    struct {
		State string `xml:"state,attr"`
	} `xml:"state"`
	Service struct {
		Name      string   `xml:"name,attr"`
		Product   string   `xml:"product,attr"`
		Version   string   `xml:"version,attr"`
		ExtraInfo string   `xml:"extrainfo,attr"`
		Tunnel    string   `xml:"tunnel,attr"`
		CPE       []string `xml:"cpe"`
	} `xml:"service"`
	Scripts []nmapScript `xml:"script"`
}

type nmapScript struct {
	ID     string      `xml:"id,attr"`
	Output string      `xml:"output,attr"`
	Tables []nmapTable `xml:"table"`
	Elems  []nmapElem  `xml:"elem"`
}

type nmapTable struct {
	Key    string      `xml:"key,attr"`
	Tables []nmapTable `xml:"table"`
	Elems  []nmapElem  `xml:"elem"`
}

type nmapElem struct {
	Key   string `xml:"key,attr"`
	Value string `xml:",chardata"`
}

func (t nmapTable) elem(key string) string {
	for _, e := range t.Elems {
		if e.Key == key {
			return strings.TrimSpace(e.Value)
		}
	}
	return ""
}

// ReadNmap is Read for nmap's XML as nmap writes it while it scans: progress,
// when not nil, is called for each <taskprogress> line (--stats-every) with
// the task ("Connect Scan", "Service scan", ...) and its percentage.
func ReadNmap(r io.Reader, emit func(result.Host) error, progress func(task string, percent float64)) (Report, error) {
	var rep Report
	err := readNmap(newDecoder(r), &rep, emit, progress)
	rep.Format = Nmap
	return rep, err
}

func readNmap(d *decoder, rep *Report, emit func(result.Host) error, progress func(string, float64)) error {
	rep.Scanner = "nmap"
	root := false
	return d.elements("", func(se xml.StartElement) error {
		if se.Name.Local != "nmaprun" || root {
			return &Error{Line: d.line(), Element: se.Name.Local, Msg: "not an nmap XML report (the root element must be <nmaprun>)"}
		}
		root = true
		for _, a := range se.Attr {
			switch a.Name.Local {
			case "version":
				rep.Scanner = "nmap " + clip(a.Value)
			case "start":
				rep.Started = unixAttr(a.Value)
			}
		}
		return d.elements("nmaprun", func(se xml.StartElement) error {
			switch se.Name.Local {
			case "host":
				line := d.line()
				var h nmapHost
				if err := d.element(&h, se); err != nil {
					return err
				}
				host, err := h.result()
				if err != nil {
					return &Error{Line: line, Element: "host", Msg: err.Error()}
				}
				if host.Status != result.HostUp && len(host.Ports) == 0 {
					return nil // a down host says nothing worth importing
				}
				rep.Hosts++
				rep.Services += len(host.Ports)
				rep.Findings += len(host.Findings)
				return emit(host)
			case "taskprogress":
				if progress != nil {
					var task, pct string
					for _, a := range se.Attr {
						switch a.Name.Local {
						case "task":
							task = a.Value
						case "percent":
							pct = a.Value
						}
					}
					if v, err := strconv.ParseFloat(pct, 64); err == nil && v >= 0 && v <= 100 {
						progress(clip(task), v)
					}
				}
				return d.skip(se.Name.Local)
			case "runstats":
				var rs struct {
					Finished struct {
						Time string `xml:"time,attr"`
					} `xml:"finished"`
				}
				if err := d.element(&rs, se); err != nil {
					return err
				}
				rep.Finished = unixAttr(rs.Finished.Time)
				return nil
			}
			return d.skip(se.Name.Local)
		})
	})
}

// result converts one nmap host.
func (h nmapHost) result() (result.Host, error) {
	var host result.Host
	for _, a := range h.Addresses {
		if a.Type != "ipv4" && a.Type != "ipv6" {
			continue // MAC addresses
		}
		ip, ok := parseIP(a.Addr)
		if !ok {
			return host, fmt.Errorf("address %q is not an IP address", clip(a.Addr))
		}
		host.IP = ip
		break
	}
	if !host.IP.IsValid() {
		return host, fmt.Errorf("host without an IPv4 or IPv6 address")
	}
	host.Status = result.HostDown
	if h.Status.State == "up" {
		host.Status = result.HostUp
	}
	host.Reason = clip(h.Status.Reason)
	if h.Times.SRTT > 0 {
		host.RTT = time.Duration(h.Times.SRTT) * time.Microsecond
	}
	for _, n := range h.Hostnames {
		if n := clip(n.Name); n != "" && !slices.Contains(host.Hostnames, n) {
			host.Hostnames = append(host.Hostnames, n)
		}
	}
	best := 0
	for _, m := range h.OSMatch {
		if m.Accuracy > best {
			best, host.OS = m.Accuracy, clip(m.Name)
		}
	}
	if len(h.Ports) > maxPortsPerHost {
		return host, fmt.Errorf("more than %d ports on %s", maxPortsPerHost, host.IP)
	}
	for _, p := range h.Ports {
		svc, findings, err := p.result()
		if err != nil {
			return host, fmt.Errorf("%s: %w", host.IP, err)
		}
		if svc.State != result.PortOpen && svc.State != result.PortOpenFiltered {
			continue // closed and filtered ports are not services
		}
		host.Ports = append(host.Ports, svc)
		host.Findings = append(host.Findings, findings...)
	}
	if len(host.Findings) > maxFindingsPerHost {
		return host, fmt.Errorf("more than %d findings on %s", maxFindingsPerHost, host.IP)
	}
	sortHost(&host)
	return host, nil
}

func (p nmapPort) result() (result.Service, []result.Finding, error) {
	proto := strings.ToLower(p.Protocol)
	if proto != result.TCP && proto != result.UDP {
		return result.Service{}, nil, nil // sctp, ip: not modelled
	}
	if p.PortID < 1 || p.PortID > 65535 {
		return result.Service{}, nil, fmt.Errorf("port %d is out of range 1-65535", p.PortID)
	}
	svc := result.Service{
		Port:     p.PortID,
		Protocol: proto,
		State:    p.State.State,
		Service:  clip(p.Service.Name),
		Product:  clip(p.Service.Product),
		Version:  clip(p.Service.Version),
		TLS:      p.Service.Tunnel == "ssl",
	}
	switch svc.State {
	case "open":
		svc.State = result.PortOpen
	case "open|filtered":
		svc.State = result.PortOpenFiltered
	}
	if svc.Service == "https" || strings.HasPrefix(svc.Service, "ssl/") {
		svc.TLS = true
	}
	for _, c := range p.Service.CPE {
		if c := nmapCPE(c); c != "" && !slices.Contains(svc.CPE, c) {
			svc.CPE = append(svc.CPE, c)
		}
	}
	if p.Service.ExtraInfo != "" {
		svc.Extra = map[string]string{"extrainfo": clip(p.Service.ExtraInfo)}
	}
	var findings []result.Finding
	for _, s := range p.Scripts {
		findings = append(findings, s.findings(svc)...)
	}
	return svc, findings, nil
}

// nmapCPE converts the CPE 2.2 URIs nmap prints ("cpe:/a:openbsd:openssh:9.2p1")
// to the CPE 2.3 formatted strings the rest of Perimeter uses.
func nmapCPE(uri string) string {
	uri = strings.TrimSpace(uri)
	if strings.HasPrefix(uri, "cpe:2.3:") {
		return clip(uri)
	}
	rest, ok := strings.CutPrefix(uri, "cpe:/")
	if !ok {
		return ""
	}
	f := strings.Split(rest, ":")
	for len(f) < 4 {
		f = append(f, "")
	}
	for i := range f[:4] {
		if v, err := url.PathUnescape(f[i]); err == nil {
			f[i] = v
		}
	}
	return fingerprint.FormatCPE(f[0], f[1], f[2], f[3])
}

// findings reads the NSE scripts whose structured output names weaknesses:
// vulners (CVE identifiers with their CVSS scores, per CPE) and
// ssl-enum-ciphers (protocol versions offered).
func (s nmapScript) findings(svc result.Service) []result.Finding {
	switch s.ID {
	case "vulners":
		return vulnersFindings(s, svc)
	case "ssl-enum-ciphers":
		return tlsProtocolFindings(s, svc)
	}
	return nil
}

func vulnersFindings(s nmapScript, svc result.Service) []result.Finding {
	var out []result.Finding
	seen := map[string]bool{}
	for _, byCPE := range s.Tables {
		cpe := nmapCPE(byCPE.Key)
		for _, v := range byCPE.Tables {
			id := strings.ToUpper(v.elem("id"))
			if v.elem("type") != "cve" || !cveID(id) || seen[id] {
				continue
			}
			seen[id] = true
			score, _ := strconv.ParseFloat(v.elem("cvss"), 64)
			f := cveFinding(id, score, svc)
			f.CPE = cpe
			f.Evidence = evidence(fmt.Sprintf("nmap vulners: %s %s (%s) is listed as affected by %s",
				svc.Product, svc.Version, byCPE.Key, id))
			if v.elem("is_exploit") == "true" {
				f.Evidence += "; a public exploit is known"
			}
			out = append(out, f)
		}
	}
	return out
}

// tlsProtocolFindings maps the protocol versions ssl-enum-ciphers saw offered
// to Perimeter's own TLS checks, so an imported host and a scanned one give
// the same findings.
func tlsProtocolFindings(s nmapScript, svc result.Service) []result.Finding {
	ids := map[string]string{"SSLv3": "tls.protocol.sslv3", "TLSv1.0": "tls.protocol.tls10", "TLSv1.1": "tls.protocol.tls11"}
	var out []result.Finding
	for _, t := range s.Tables {
		if id, ok := ids[t.Key]; ok {
			if f, ok := checkFinding(id, svc, "nmap ssl-enum-ciphers: "+t.Key+" offered"); ok {
				out = append(out, f)
			}
		}
	}
	return out
}

// unixAttr reads a Unix time attribute; zero when absent or invalid.
func unixAttr(s string) time.Time {
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil || n <= 0 || n > 1<<40 {
		return time.Time{}
	}
	return time.Unix(n, 0).UTC()
}
