package importer

import (
	"encoding/xml"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/perimeterhq/perimeter/internal/scanner/result"
)

// The parts of a .nessus (NessusClientData_v2) file this package reads.
type nessusHost struct {
	Name       string `xml:"name,attr"`
	Properties []struct {
		Name  string `xml:"name,attr"`
		Value string `xml:",chardata"`
	} `xml:"HostProperties>tag"`
	Items []nessusItem `xml:"ReportItem"`
}

type nessusItem struct {
	Port        int      `xml:"port,attr"`
	Service     string   `xml:"svc_name,attr"`
	Protocol    string   `xml:"protocol,attr"`
	Severity    int      `xml:"severity,attr"`
	PluginID    string   `xml:"pluginID,attr"`
	PluginName  string   `xml:"pluginName,attr"`
	Synopsis    string   `xml:"synopsis"`
	Description string   `xml:"description"`
	Solution    string   `xml:"solution"`
	SeeAlso     string   `xml:"see_also"`
	Output      string   `xml:"plugin_output"`
	CVSS3Score  string   `xml:"cvss3_base_score"`
	CVSS3Vector string   `xml:"cvss3_vector"`
	CVSSScore   string   `xml:"cvss_base_score"`
	CVSSVector  string   `xml:"cvss_vector"`
	CVEs        []string `xml:"cve"`
	Exploit     string   `xml:"exploit_available"`
}

func readNessus(d *decoder, rep *Report, emit func(result.Host) error) error {
	rep.Scanner = "Nessus"
	root := false
	return d.elements("", func(se xml.StartElement) error {
		if se.Name.Local != "NessusClientData_v2" || root {
			return &Error{Line: d.line(), Element: se.Name.Local, Msg: "not a Nessus v2 report (the root element must be <NessusClientData_v2>)"}
		}
		root = true
		return d.elements(se.Name.Local, func(se xml.StartElement) error {
			if se.Name.Local != "Report" {
				return d.skip(se.Name.Local) // Policy
			}
			return d.elements("Report", func(se xml.StartElement) error {
				if se.Name.Local != "ReportHost" {
					return d.skip(se.Name.Local)
				}
				line := d.line()
				var h nessusHost
				if err := d.element(&h, se); err != nil {
					return err
				}
				host, start, end, err := h.result()
				if err != nil {
					return &Error{Line: line, Element: "ReportHost", Msg: err.Error()}
				}
				if !start.IsZero() && (rep.Started.IsZero() || start.Before(rep.Started)) {
					rep.Started = start
				}
				if end.After(rep.Finished) {
					rep.Finished = end
				}
				rep.Hosts++
				rep.Services += len(host.Ports)
				rep.Findings += len(host.Findings)
				return emit(host)
			})
		})
	})
}

var nessusSeverity = [...]string{result.SeverityInfo, result.SeverityLow, result.SeverityMedium, result.SeverityHigh, result.SeverityCritical}

// nessusServices maps Nessus's service names to the ones Perimeter uses.
var nessusServices = map[string]string{"www": "http", "cifs": "smb", "general": ""}

func (h nessusHost) result() (host result.Host, start, end time.Time, err error) {
	props := map[string]string{}
	for _, p := range h.Properties {
		props[p.Name] = strings.TrimSpace(p.Value)
	}
	ip, ok := parseIP(props["host-ip"])
	if !ok {
		if ip, ok = parseIP(h.Name); !ok {
			return host, start, end, fmt.Errorf("host %q has no IP address (no host-ip property, and its name is not an address)", clip(h.Name))
		}
	}
	host = result.Host{IP: ip, Status: result.HostUp, OS: clip(props["operating-system"])}
	for _, n := range []string{props["host-fqdn"], props["netbios-name"], h.Name} {
		if n = clip(n); n != "" && n != ip.String() && !slices.Contains(host.Hostnames, n) {
			host.Hostnames = append(host.Hostnames, n)
		}
	}
	start, end = nessusTime(props, "HOST_START"), nessusTime(props, "HOST_END")
	if len(h.Items) > maxFindingsPerHost {
		return host, start, end, fmt.Errorf("more than %d report items on %s", maxFindingsPerHost, ip)
	}
	for _, it := range h.Items {
		svc, f, err := it.result()
		if err != nil {
			return host, start, end, fmt.Errorf("%s: %w", ip, err)
		}
		if svc.Port > 0 {
			host.Ports = append(host.Ports, svc)
		}
		host.Findings = append(host.Findings, f)
	}
	sortHost(&host)
	return host, start, end, nil
}

func (it nessusItem) result() (result.Service, result.Finding, error) {
	id, err := strconv.ParseUint(strings.TrimSpace(it.PluginID), 10, 32)
	if err != nil || id == 0 {
		return result.Service{}, result.Finding{}, fmt.Errorf("ReportItem pluginID %q is not a plugin number", clip(it.PluginID))
	}
	if it.Port < 0 || it.Port > 65535 {
		return result.Service{}, result.Finding{}, fmt.Errorf("plugin %d: port %d is out of range 0-65535", id, it.Port)
	}
	if it.Severity < 0 || it.Severity > 4 {
		return result.Service{}, result.Finding{}, fmt.Errorf("plugin %d: severity %d is not 0-4", id, it.Severity)
	}
	name := strings.ToLower(strings.TrimSpace(it.Service))
	if n, ok := nessusServices[name]; ok {
		name = n
	}
	svc := result.Service{Port: it.Port, Protocol: strings.ToLower(it.Protocol), State: result.PortOpen, Service: clip(name)}
	if svc.Protocol != result.UDP {
		svc.Protocol = result.TCP
	}
	f := result.Finding{
		CheckID:     "nessus:" + strconv.FormatUint(id, 10),
		Title:       nonEmpty(it.PluginName, "Nessus plugin "+strconv.FormatUint(id, 10)),
		Description: strings.TrimSpace(it.Synopsis + "\n\n" + it.Description),
		Solution:    it.Solution,
		Severity:    nessusSeverity[it.Severity],
		Evidence:    it.Output,
		Confidence:  importedConfidence,
	}
	if svc.Port > 0 {
		f.Port, f.Protocol, f.Service = svc.Port, svc.Protocol, svc.Service
	}
	// CVSS 3 when the plugin has it, else CVSS 2; the severity stays the
	// file's (Nessus rates by the same score, and has the last word on it).
	f.CVSSScore, f.CVSSVector = parseScore(it.CVSS3Score), it.CVSS3Vector
	if f.CVSSVector == "" {
		f.CVSSScore, f.CVSSVector = parseScore(it.CVSSScore), strings.TrimPrefix(it.CVSSVector, "CVSS2#")
	}
	f.DoSOnly = availabilityOnly(f.CVSSVector)
	for _, c := range it.CVEs {
		if c = strings.ToUpper(strings.TrimSpace(c)); cveID(c) {
			f.CVEs = append(f.CVEs, c)
		}
	}
	for _, u := range strings.Fields(it.SeeAlso) {
		if (strings.HasPrefix(u, "https://") || strings.HasPrefix(u, "http://")) && len(u) < 500 && len(f.References) < 20 {
			f.References = append(f.References, u)
		}
	}
	if strings.EqualFold(strings.TrimSpace(it.Exploit), "true") {
		f.Evidence = strings.TrimSpace(f.Evidence + "\n\nNessus: a public exploit is available.")
	}
	return svc, finish(f), nil
}

// parseScore reads a CVSS base score; 0 when absent or out of range.
func parseScore(s string) float64 {
	v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || v < 0 || v > 10 {
		return 0
	}
	return v
}

// availabilityOnly reports whether a CVSS vector (2 or 3) has an impact on
// availability only: the ASV Program Guide keeps denial of service out of
// the PCI verdict.
func availabilityOnly(vector string) bool {
	m := map[string]string{}
	for _, part := range strings.Split(vector, "/") {
		if k, v, ok := strings.Cut(part, ":"); ok {
			m[k] = v
		}
	}
	return m["C"] == "N" && m["I"] == "N" && m["A"] != "" && m["A"] != "N"
}

// nessusTime reads HOST_START/HOST_END: the _TIMESTAMP property (Unix time)
// of recent versions, else the ctime-style text of older ones (read as UTC,
// since the file does not name the scanner's zone).
func nessusTime(props map[string]string, name string) time.Time {
	if t := unixAttr(props[name+"_TIMESTAMP"]); !t.IsZero() {
		return t
	}
	t, err := time.Parse(time.ANSIC, strings.Join(strings.Fields(props[name]), " "))
	if err != nil {
		// ANSIC pads the day to two characters; Fields removed that padding.
		t, err = time.Parse("Mon Jan 2 15:04:05 2006", strings.Join(strings.Fields(props[name]), " "))
		if err != nil {
			return time.Time{}
		}
	}
	return t.UTC()
}
