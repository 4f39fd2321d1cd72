package report

import (
	"errors"
	"fmt"
	"sort"
	"strings"
)

// Walking the findings stream, and the two views of it that renderers
// share: the top N and the remediation work list.

// errStop ends a findings walk early; it never leaves this package.
var errStop = errors.New("report: stop walk")

// walk calls fn for every finding; a document without a stream has none.
func (d *Document) walk(fn func(*Finding) error) error {
	if d.Findings == nil {
		return nil
	}
	err := d.Findings(fn)
	if errors.Is(err, errStop) {
		return nil
	}
	return err
}

// topFindings copies the first n findings (the stream is worst first). The
// copies matter: a caller may reuse one Finding for the whole walk.
func (d *Document) topFindings(n int) ([]Finding, error) {
	var top []Finding
	err := d.walk(func(f *Finding) error {
		if len(top) == n {
			return errStop
		}
		top = append(top, *f)
		return nil
	})
	return top, err
}

// remediationItem is one check of the remediation work list: what to fix
// once, and where.
type remediationItem struct {
	CheckID  string
	Title    string
	Severity string
	CVSS     float64
	Solution string
	CVEs     []string
	Hosts    []string // unique host:port in stream order
	Count    int      // findings of the check
	PCIFail  bool
	seenHost map[string]struct{}
	seenCVE  map[string]struct{}
}

// remediationList groups the findings by check (check id, else title) and
// sorts the groups worst first: severity, CVSS, then how many places it is
// found. One pass; memory is per check and per affected host, not per
// finding text.
func (d *Document) remediationList() ([]*remediationItem, error) {
	byKey := map[string]*remediationItem{}
	var items []*remediationItem
	err := d.walk(func(f *Finding) error {
		key := f.CheckID
		if key == "" {
			key = "title:" + f.Title
		}
		it := byKey[key]
		if it == nil {
			it = &remediationItem{CheckID: f.CheckID, Title: f.Title, Severity: f.Severity,
				CVSS: f.CVSSScore, Solution: f.Solution,
				seenHost: map[string]struct{}{}, seenCVE: map[string]struct{}{}}
			byKey[key] = it
			items = append(items, it)
		}
		it.Count++
		if severityRank(f.Severity) < severityRank(it.Severity) {
			it.Severity = f.Severity
		}
		if f.CVSSScore > it.CVSS {
			it.CVSS = f.CVSSScore
		}
		if it.Solution == "" {
			it.Solution = f.Solution
		}
		it.PCIFail = it.PCIFail || f.PCIFail
		hp := f.hostPort()
		if _, ok := it.seenHost[hp]; !ok {
			it.seenHost[hp] = struct{}{}
			it.Hosts = append(it.Hosts, hp)
		}
		for _, c := range f.CVEs {
			if _, ok := it.seenCVE[c]; !ok {
				it.seenCVE[c] = struct{}{}
				it.CVEs = append(it.CVEs, c)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	sort.SliceStable(items, func(i, j int) bool {
		a, b := items[i], items[j]
		if ra, rb := severityRank(a.Severity), severityRank(b.Severity); ra != rb {
			return ra < rb
		}
		if a.CVSS != b.CVSS {
			return a.CVSS > b.CVSS
		}
		if len(a.Hosts) != len(b.Hosts) {
			return len(a.Hosts) > len(b.Hosts)
		}
		return a.Title < b.Title
	})
	for _, it := range items {
		it.seenHost, it.seenCVE = nil, nil
	}
	return items, nil
}

// listSome joins up to n items and says how many more there are, so a
// check found on 500 hosts does not print 500 addresses in a PDF.
func listSome(items []string, n int, sep string) string {
	if len(items) <= n {
		return strings.Join(items, sep)
	}
	return strings.Join(items[:n], sep) + fmt.Sprintf("%s… and %d more", sep, len(items)-n)
}
