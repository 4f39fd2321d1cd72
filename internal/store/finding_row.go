package store

import (
	"slices"
	"strings"

	"github.com/perimeterhq/perimeter/internal/scan"
)

// A finding's row mapping, in one place: findingColumns names the findings
// table's columns that scan.Finding holds, findingDest scans them into a
// scan.Finding and findingArgs gives their values for an insert, all three in
// the same order. A new field of scan.Finding is added to these three (and a
// migration); every read and write of findings goes through them, and
// TestFindingRowRoundTrip fails for a field one of them misses.
var findingColumns = []string{
	"id", "organization_id", "host_id", "ip", "hostname", "port", "protocol", "service", "check_id",
	"title", "cves", "cvss_score", "cvss_vector", "severity", "confidence", "cpe", "pci_auto_fail", "dos_only",
	"kev", "epss", "status", "first_seen", "last_seen", "fixed_at", "last_run_id", "scan_id", "target_id", "product",
	// The long texts come last: lists leave them out (only the detail views
	// show them) by reading the columns before them.
	"description", "solution", "refs", "evidence",
}

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
	dest := []any{&f.ID, &f.OrganizationID, &f.HostID, &f.IP, &f.Hostname, &f.Port, &f.Protocol, &f.Service, &f.CheckID,
		&f.Title, wordsCol{&f.CVEs}, &f.CVSSScore, &f.CVSSVector, &f.Severity, &f.Confidence, &f.CPE, &f.PCIAutoFail, &f.DoSOnly,
		&f.KEV, &f.EPSS, &f.Status, timeCol{&f.FirstSeen}, timeCol{&f.LastSeen}, nullTimeCol{&f.FixedAt}, &f.LastRunID,
		&f.ScanID, &f.TargetID, &f.Product}
	if detail {
		dest = append(dest, &f.Description, &f.Solution, jsonCol{&f.References}, &f.Evidence)
	}
	return dest
}

// findingArgs lists the values of findingColumns and then findingDerived for
// writing f. Every value is a plain string, number or bool, or a typed nil
// pointer for NULL, which upsertRows can turn into PostgreSQL arrays.
func findingArgs(f scan.Finding) []any {
	var fixed *int64
	if f.FixedAt != nil && !f.FixedAt.IsZero() {
		n := ts(*f.FixedAt)
		fixed = &n
	}
	return []any{f.ID, f.OrganizationID, f.HostID, f.IP, f.Hostname, f.Port, f.Protocol, f.Service, f.CheckID,
		f.Title, strings.Join(f.CVEs, " "), f.CVSSScore, f.CVSSVector, f.Severity, f.Confidence, f.CPE, f.PCIAutoFail, f.DoSOnly,
		f.KEV, f.EPSS, f.Status, ts(f.FirstSeen), ts(f.LastSeen), fixed, f.LastRunID, f.ScanID, f.TargetID, f.Product,
		f.Description, f.Solution, jsonVal(orEmpty(f.References)), f.Evidence,
		// findingDerived
		scan.SeverityRank(f.Severity), foundPCIFail(f)}
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
