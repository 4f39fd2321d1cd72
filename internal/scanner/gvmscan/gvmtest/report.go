package gvmtest

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"strings"
)

// Host is one host of a built report.
type Host struct {
	IP, Hostname, OS string
	Results          []Result
}

// Result is one result (NVT hit) of a host.
type Result struct {
	Port       string // "443/tcp", "general/tcp"
	OID, Name  string
	Severity   float64 // -1 marks a false positive (an override)
	CVSSVector string
	CVEs       []string
	Summary    string
	Solution   string
	Output     string // the result's description: what the NVT saw
	QoD        int
}

// ReportXML writes a report as gvmd's XML report format puts it in a
// get_reports answer: the outer <report> of the format, the inner one with
// the results and then the hosts' details.
func ReportXML(hosts []Host) string {
	var b strings.Builder
	b.WriteString(`<report id="` + reportID + `" format_id="a994b278-1f62-11e1-96ac-406186ea4fc5" extension="xml" content_type="text/xml">`)
	b.WriteString(`<owner><name>admin</name></owner><name>2026-12-07T11:00:00Z</name>`)
	b.WriteString(`<report id="` + reportID + `"><gmp><version>22.7</version></gmp><scan_run_status>Done</scan_run_status>`)
	b.WriteString(`<scan_start>2026-12-07T11:00:00Z</scan_start><results start="1" max="-1">`)
	n := 0
	for _, h := range hosts {
		for _, r := range h.Results {
			n++
			fmt.Fprintf(&b, `<result id="00000000-0000-4000-8000-%012d"><name>%s</name>`, n, esc(r.Name))
			fmt.Fprintf(&b, `<host>%s<asset asset_id="a%d"/><hostname>%s</hostname></host><port>%s</port>`,
				esc(h.IP), n, esc(h.Hostname), esc(r.Port))
			fmt.Fprintf(&b, `<nvt oid="%s"><type>nvt</type><name>%s</name><family>General</family><cvss_base>%.1f</cvss_base>`,
				esc(r.OID), esc(r.Name), max(r.Severity, 0))
			fmt.Fprintf(&b, `<severities score="%.1f"><severity type="cvss_base_v3"><origin/><date/><score>%.1f</score><value>%s</value></severity></severities>`,
				r.Severity, r.Severity, esc(r.CVSSVector))
			fmt.Fprintf(&b, `<tags>cvss_base_vector=%s|summary=%s|insight=|affected=|impact=|solution_type=VendorFix</tags>`,
				esc(r.CVSSVector), esc(r.Summary))
			fmt.Fprintf(&b, `<solution type="VendorFix">%s</solution><refs>`, esc(r.Solution))
			for _, c := range r.CVEs {
				fmt.Fprintf(&b, `<ref type="cve" id="%s"/>`, esc(c))
			}
			fmt.Fprintf(&b, `<ref type="url" id="https://example.com/advisory/%d"/></refs></nvt>`, n)
			fmt.Fprintf(&b, `<scan_nvt_version/><threat>x</threat><severity>%.1f</severity><qod><value>%d</value><type>remote_banner</type></qod>`,
				r.Severity, r.QoD)
			fmt.Fprintf(&b, `<description>%s</description></result>`, esc(r.Output))
		}
	}
	b.WriteString(`</results>`)
	for _, h := range hosts {
		fmt.Fprintf(&b, `<host><ip>%s</ip><start>2026-12-07T11:00:01Z</start><end>2026-12-07T11:05:00Z</end>`, esc(h.IP))
		if h.Hostname != "" {
			fmt.Fprintf(&b, `<detail><name>hostname</name><value>%s</value></detail>`, esc(h.Hostname))
		}
		if h.OS != "" {
			fmt.Fprintf(&b, `<detail><name>best_os_txt</name><value>%s</value></detail>`, esc(h.OS))
		}
		b.WriteString(`</host>`)
	}
	b.WriteString(`<scan_end>2026-12-07T11:05:00Z</scan_end></report></report>`)
	return b.String()
}

func esc(s string) string {
	var b bytes.Buffer
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}
