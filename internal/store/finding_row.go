package store

import (
	"fmt"
	"slices"
	"strings"

	"github.com/perimeterhq/perimeter/internal/scan"
)

// A finding's row mapping, in one place: findingRow pairs each column of the
// findings table that scan.Finding holds with its field, and every read
// (findingDest, the column lists) and write (findingArgs, findingInsert) of
// findings is derived from it. A new field of scan.Finding is one line here
// (and a migration); TestFindingRowRoundTrip fails for a field it misses.
func findingRow(f *scan.Finding) []field {
	return []field{
		{"id", &f.ID}, {"organization_id", &f.OrganizationID}, {"host_id", &f.HostID}, {"ip", &f.IP},
		{"hostname", &f.Hostname}, {"port", &f.Port}, {"protocol", &f.Protocol}, {"service", &f.Service},
		{"check_id", &f.CheckID}, {"title", &f.Title}, {"cves", wordsCol{&f.CVEs}}, {"cvss_score", &f.CVSSScore},
		{"cvss_vector", &f.CVSSVector}, {"severity", &f.Severity}, {"confidence", &f.Confidence}, {"cpe", &f.CPE},
		{"pci_auto_fail", &f.PCIAutoFail}, {"dos_only", &f.DoSOnly}, {"kev", &f.KEV}, {"epss", &f.EPSS},
		{"status", &f.Status}, {"first_seen", timeCol{&f.FirstSeen}}, {"last_seen", timeCol{&f.LastSeen}},
		{"fixed_at", nullTimeCol{&f.FixedAt}}, {"last_run_id", &f.LastRunID}, {"scan_id", &f.ScanID},
		{"target_id", &f.TargetID}, {"product", &f.Product},
		// The long texts come last: lists leave them out (only the detail
		// views show them) by reading the columns before them.
		{"description", &f.Description}, {"solution", &f.Solution}, {"refs", jsonCol{&f.References}}, {"evidence", &f.Evidence},
	}
}

// field is a column and the field of a row that holds it: a pointer to a
// string, int, float64 or bool, or a column type (timeCol, nullTimeCol,
// jsonCol, wordsCol) that converts.
type field struct {
	column string
	dest   any
}

// value is the field's value for writing: a plain string, number or bool, or a
// typed nil pointer for NULL, which upsertRows can also turn into PostgreSQL
// arrays.
func (c field) value() any {
	switch d := c.dest.(type) {
	case *string:
		return *d
	case *int:
		return *d
	case *float64:
		return *d
	case *bool:
		return *d
	case timeCol:
		return ts(*d.dst)
	case nullTimeCol:
		if *d.dst == nil || (*d.dst).IsZero() {
			return (*int64)(nil)
		}
		n := ts(**d.dst)
		return &n
	case jsonCol:
		return jsonVal(d.dst)
	case wordsCol:
		return strings.Join(*d.dst, " ")
	}
	panic(fmt.Sprintf("store: column %s has no value for %T", c.column, c.dest))
}

// findingColumns are findingRow's columns, in its order.
var findingColumns = func() []string {
	var cols []string
	for _, c := range findingRow(&scan.Finding{}) {
		cols = append(cols, c.column)
	}
	return cols
}()

// findingTexts is how many of findingColumns' last columns are the long texts.
const findingTexts = 4

// findingDerived are the columns a write derives from the other fields
// (findingArgs appends their values): the severity's rank, which orders lists,
// and the finding's PCI verdict before exceptions.
var findingDerived = []string{"severity_rank", "pci_fail"}

// findingKept are what a later sighting of a finding does not overwrite:
// the key its id derives from (scan.FindingID), when it was first seen, and
// its status and fixed_at, which the upsert sets by its own rule.
var findingKept = []string{"id", "organization_id", "host_id", "ip", "port", "protocol", "check_id", "first_seen", "status", "fixed_at"}

var (
	// findingListColumns are a finding's columns in lists (alias f): all but
	// the long texts.
	findingListColumns = "f." + strings.Join(findingColumns[:len(findingColumns)-findingTexts], ", f.")
	// findingDetailColumns are all of a finding's columns (alias f).
	findingDetailColumns = "f." + strings.Join(findingColumns, ", f.")

	// findingInsert and findingUpsert are the statement SaveHostResults writes
	// findings with: a new finding is inserted open; a known one has every
	// column but findingKept refreshed, is reopened if it was fixed, and keeps
	// any other status (an exception's).
	findingInsert = "INSERT INTO findings (" + strings.Join(append(append([]string{}, findingColumns...), findingDerived...), ", ") + ")"
	findingUpsert = "ON CONFLICT (id) DO UPDATE SET " + refreshSet(append(append([]string{}, findingColumns...), findingDerived...), findingKept) +
		", status = CASE WHEN findings.status = 'fixed' THEN 'reopened' ELSE findings.status END, fixed_at = NULL"
)

// refreshSet is "c = excluded.c, …" for every column of cols not in kept.
func refreshSet(cols, kept []string) string {
	var set []string
	for _, c := range cols {
		if !slices.Contains(kept, c) {
			set = append(set, c+" = excluded."+c)
		}
	}
	return strings.Join(set, ", ")
}

// findingDest lists the scan destinations of findingColumns, without the long
// texts unless detail.
func findingDest(f *scan.Finding, detail bool) []any {
	row := findingRow(f)
	if !detail {
		row = row[:len(row)-findingTexts]
	}
	dest := make([]any, len(row))
	for i, c := range row {
		dest[i] = c.dest
	}
	return dest
}

// findingArgs lists the values of findingColumns and then findingDerived for
// writing f.
func findingArgs(f scan.Finding) []any {
	if f.References == nil {
		f.References = []string{}
	}
	row := findingRow(&f)
	args := make([]any, 0, len(row)+len(findingDerived))
	for _, c := range row {
		args = append(args, c.value())
	}
	return append(args, scan.SeverityRank(f.Severity), foundPCIFail(f))
}

// scanFinding scans a row of findingListColumns (then extra) into a finding.
func scanFinding(sc interface{ Scan(...any) error }, extra ...any) (scan.Finding, error) {
	var f scan.Finding
	err := sc.Scan(append(findingDest(&f, false), extra...)...)
	return f, err
}

// scanFindingDetail scans a row of findingDetailColumns (then extra) into a
// finding.
func scanFindingDetail(sc interface{ Scan(...any) error }, extra ...any) (scan.Finding, error) {
	var f scan.Finding
	err := sc.Scan(append(findingDest(&f, true), extra...)...)
	if f.References == nil {
		f.References = []string{}
	}
	return f, err
}

// wordsCol scans a TEXT column of space-separated words (a finding's CVEs).
type wordsCol struct{ dst *[]string }

func (c wordsCol) Scan(v any) error {
	var s string
	if err := (nullStringCol{&s}).Scan(v); err != nil {
		return err
	}
	*c.dst = strings.Fields(s)
	return nil
}
