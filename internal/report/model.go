// Package report renders the documents a scan exists to produce: the
// executive, detailed, remediation and PCI "Attestation of Scan Compliance"
// reports of one run, and the cross-scan advanced report, as PDF, HTML, CSV,
// JSON or XLSX. It knows nothing of databases or HTTP: the caller fills a
// Document (findings arrive through a callback so large exports stream) and
// a renderer writes it to an io.Writer.
package report

import (
	"fmt"
	"io"
	"time"
)

// Type is what a report says.
type Type string

const (
	Executive   Type = "executive"
	Detailed    Type = "detailed"
	Remediation Type = "remediation"
	AoSC        Type = "aosc"     // PCI ASV Attestation of Scan Compliance
	Advanced    Type = "advanced" // cross-scan report of a saved definition
)

// Format is how it is written.
type Format string

const (
	PDF  Format = "pdf"
	HTML Format = "html"
	CSV  Format = "csv"
	JSON Format = "json"
	XLSX Format = "xlsx"
)

// Types of a run's report (advanced is not one of them).
var Types = []Type{Executive, Detailed, Remediation, AoSC}

// Formats lists every format; Supports says which combinations exist.
var Formats = []Format{PDF, HTML, CSV, JSON, XLSX}

// Supports reports whether a type can be rendered in a format: every type in
// pdf/html/csv/json, xlsx only for remediation and advanced reports (a
// spreadsheet of work items); the attestation is a signed-off document, so
// only pdf, html and json.
func Supports(t Type, f Format) bool {
	switch f {
	case PDF, HTML, JSON:
		return true
	case CSV:
		return t != AoSC
	case XLSX:
		return t == Remediation || t == Advanced
	}
	return false
}

// ContentType is the MIME type of a format.
func ContentType(f Format) string {
	switch f {
	case PDF:
		return "application/pdf"
	case HTML:
		return "text/html; charset=utf-8"
	case CSV:
		return "text/csv; charset=utf-8"
	case JSON:
		return "application/json"
	case XLSX:
		return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	}
	return "application/octet-stream"
}

// Branding is the white-label look of the organization the report is for.
// Empty fields fall back to Perimeter's defaults.
type Branding struct {
	CompanyName    string // shown on the cover and in page footers
	PrimaryColor   string // "#RRGGBB"
	SecondaryColor string // "#RRGGBB"
	SupportEmail   string
	SupportURL     string
	FooterText     string // custom footer line
	Logo           []byte // PNG or SVG bytes, ≤ 1 MiB
	LogoType       string // "image/png" or "image/svg+xml"
}

// Party is a company named in an attestation (the scan customer or the ASV).
type Party struct {
	Company string
	Contact string
	Title   string
	Phone   string
	Email   string
	Address string
	URL     string
}

// Target is the scanned target.
type Target struct {
	ID    string
	Name  string
	Hosts []string // what the target allows (IPs, ranges, CIDRs, hostnames)
}

// Run is one finished scan run.
type Run struct {
	ID         string
	ScanID     string
	ScanName   string
	Product    string // pci | vrms | penetration
	Status     string // finished | stopped | failed
	StartedAt  time.Time
	FinishedAt time.Time
}

// Counts is findings per severity.
type Counts struct {
	Critical, High, Medium, Low, Info int
}

// Total is the sum over severities.
func (c Counts) Total() int { return c.Critical + c.High + c.Medium + c.Low + c.Info }

// Add counts one finding of a severity.
func (c *Counts) Add(severity string) {
	switch severity {
	case "critical":
		c.Critical++
	case "high":
		c.High++
	case "medium":
		c.Medium++
	case "low":
		c.Low++
	default:
		c.Info++
	}
}

// Host is one scanned host with its summary.
type Host struct {
	IP           string
	Hostname     string
	OS           string
	OpenPorts    []string // "443/tcp https"
	Counts       Counts
	PCICompliant bool
}

// Finding is one vulnerability occurrence as a report shows it.
type Finding struct {
	ID          string
	IP          string
	Hostname    string
	Port        int // 0 = host-level
	Protocol    string
	Service     string
	CheckID     string
	Title       string
	Description string
	Solution    string
	Evidence    string
	References  []string
	CVEs        []string
	CVSSScore   float64
	CVSSVector  string
	Severity    string // critical | high | medium | low | info
	Status      string // open | reopened | fixed | accepted | false_positive
	PCIFail     bool   // counts against PCI compliance (rule applied by the caller)
	PCIAutoFail bool   // an automatic-failure finding
	KEV         bool
	EPSS        float64
	FirstSeen   time.Time
	LastSeen    time.Time
	TargetName  string // advanced reports span targets
	ScanName    string
}

// Exception is an active or expired exception shown in a report.
type Exception struct {
	ID        string
	Type      string // false_positive | accepted_risk | compensating_control
	Status    string
	CheckID   string
	Host      string
	Port      int
	Reason    string
	ExpiresAt *time.Time
	Findings  int // findings it covers
}

// TrendPoint is one period of the advanced report's trend chart.
type TrendPoint struct {
	Date     time.Time
	Counts   Counts // findings seen in the period by severity
	Runs     int
	PCIPass  int // runs that passed PCI in the period
	PCIFails int
}

// Document is everything a renderer needs.
type Document struct {
	ID          string // report id
	Type        Type
	Title       string // e.g. "Detailed vulnerability report"; defaults per type
	GeneratedAt time.Time
	Branding    Branding
	Customer    Party // the scanned organization
	ASV         Party // the approved scanning vendor (the platform operator)

	Target Target // zero for advanced reports
	Run    Run    // zero for advanced reports

	// PCICompliant is the verdict; Counts and Hosts summarize the findings.
	PCICompliant bool
	PCIFailing   int // findings that fail PCI
	Counts       Counts
	Hosts        []Host
	Exceptions   []Exception

	// Advanced reports: the definition's name, filters in words, sections.
	Description string
	Filters     []string     // "Severities: high, critical", "Targets: web, mail"
	Sections    []string     // summary trends hosts vulnerabilities remediation exceptions
	Trends      []TrendPoint // oldest first

	// Findings streams the findings, worst first (severity, then CVSS, then
	// host). It may be called more than once (e.g. a PDF lists them in two
	// sections); each call walks them again. Returning a non-nil error from
	// fn stops the walk and is returned.
	Findings func(fn func(*Finding) error) error
}

// Has reports whether an advanced report includes a section; documents of
// other types include every section their type has.
func (d *Document) Has(section string) bool {
	if d.Type != Advanced || len(d.Sections) == 0 {
		return true
	}
	for _, s := range d.Sections {
		if s == section {
			return true
		}
	}
	return false
}

// Render writes the document in a format.
func Render(w io.Writer, d *Document, f Format) error {
	if !Supports(d.Type, f) {
		return fmt.Errorf("report: %s reports cannot be rendered as %s", d.Type, f)
	}
	switch f {
	case PDF:
		return renderPDF(w, d)
	case HTML:
		return renderHTML(w, d)
	case CSV:
		return renderCSV(w, d)
	case JSON:
		return renderJSON(w, d)
	case XLSX:
		return renderXLSX(w, d)
	}
	return fmt.Errorf("report: unknown format %q", f)
}
