package report

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// CSVColumns is the CSV export's header row, in order. It is a stable
// contract for spreadsheets and scripts that read the export: add columns
// at the end, never rename or reorder.
var CSVColumns = []string{
	"id", "ip", "hostname", "port", "protocol", "service", "check_id", "title", "severity",
	"cvss_score", "cvss_vector", "cves", "status", "pci_fail", "pci_auto_fail", "kev", "epss",
	"first_seen", "last_seen", "target", "scan", "solution", "description", "evidence", "references",
}

// renderCSV writes one RFC 4180 row per finding, streamed: memory stays
// flat whatever the number of findings.
func renderCSV(w io.Writer, d *Document) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	cw := csv.NewWriter(bw)
	if err := cw.Write(CSVColumns); err != nil {
		return fmt.Errorf("report: csv: %w", err)
	}
	rec := make([]string, len(CSVColumns)) // reused: one row in memory at a time
	err := d.walk(func(f *Finding) error {
		csvRecord(rec, f)
		return cw.Write(rec)
	})
	if err != nil {
		return err
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("report: csv: %w", err)
	}
	return bw.Flush()
}

// csvRecord fills rec in CSVColumns order. Text fields are guarded against
// formula injection; the numeric ones are ours and left as numbers.
func csvRecord(rec []string, f *Finding) {
	port := ""
	if f.Port > 0 {
		port = strconv.Itoa(f.Port)
	}
	rec[0] = cell(f.ID)
	rec[1] = cell(f.IP)
	rec[2] = cell(f.Hostname)
	rec[3] = port
	rec[4] = cell(f.Protocol)
	rec[5] = cell(f.Service)
	rec[6] = cell(f.CheckID)
	rec[7] = cell(f.Title)
	rec[8] = cell(f.Severity)
	rec[9] = strconv.FormatFloat(f.CVSSScore, 'f', 1, 64)
	rec[10] = cell(f.CVSSVector)
	rec[11] = cell(strings.Join(f.CVEs, ";"))
	rec[12] = cell(f.Status)
	rec[13] = strconv.FormatBool(f.PCIFail)
	rec[14] = strconv.FormatBool(f.PCIAutoFail)
	rec[15] = strconv.FormatBool(f.KEV)
	rec[16] = strconv.FormatFloat(f.EPSS, 'f', -1, 64)
	rec[17] = rfc3339(f.FirstSeen)
	rec[18] = rfc3339(f.LastSeen)
	rec[19] = cell(f.TargetName)
	rec[20] = cell(f.ScanName)
	rec[21] = cell(f.Solution)
	rec[22] = cell(f.Description)
	rec[23] = cell(f.Evidence)
	rec[24] = cell(strings.Join(f.References, " "))
}

// rfc3339 is a UTC timestamp, or empty for a zero time.
func rfc3339(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// cell cleans a text field and defuses spreadsheet formulas (FormulaSafe).
func cell(s string) string { return FormulaSafe(clean(s)) }

// FormulaSafe defuses spreadsheet formulas in a CSV cell: a cell that starts
// with = + - @ (or a tab, CR or LF, which some spreadsheets skip before
// reading one) gets a leading single quote, the OWASP-recommended guard, so a
// hostile banner, hostname or name cannot run as a formula when the export is
// opened. Every CSV export of the server writes its cells through it.
func FormulaSafe(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r', '\n':
		return "'" + s
	}
	return s
}
