// Package cve loads a local vulnerability feed (NVD CVE API 2.0 JSON, the
// CISA Known Exploited Vulnerabilities catalog, FIRST EPSS scores, and
// optionally Debian's security tracker) and matches detected service CPEs
// against the NVD "configurations" of each CVE.
//
// Feed directory layout (every part optional):
//
//	nvd/*.json, nvd/*.json.gz   NVD CVE API 2.0 response pages or yearly
//	                            nvdcve-2.0-*.json files (same schema)
//	kev.json[.gz]               CISA KEV catalog
//	epss.csv[.gz]               FIRST EPSS scores
//	debian.json[.gz]            Debian security tracker export, which
//	                            settles matches on Debian packages whose
//	                            banner shows the package version (distro.go)
//
// A CVE that appears in several NVD files (a full download plus incremental
// pages from `perimeter feed sync`) is kept once: the record with the newest
// lastModified wins, and between equal timestamps the file that sorts last.
// A record whose vulnStatus is "Rejected" replaces older versions and is never
// matched.
//
// A loaded DB is read-only, so Match and the other methods are safe for
// concurrent use.
package cve

import (
	"time"
)

// DB is a loaded feed, indexed for matching. The zero value and a nil *DB are
// empty databases.
type DB struct {
	records []record
	byID    map[string]int32
	index   map[string][]int32 // "vendor:product" of vulnerable criteria → records
	wild    []int32            // records with a vulnerable criteria whose vendor or product is a wildcard
	kev     map[string]KEVEntry
	epss    map[string]EPSSScore
	debian  map[debianKey][]debianRelease // nil: no Debian tracker loaded
	stats   Stats
}

// CVE is what the DB keeps of one NVD CVE record. For a record that can
// never match (rejected, or without configurations because NVD has not
// analysed it yet) only ID, CVSS, the dates and Rejected are kept.
type CVE struct {
	ID           string
	Description  string // English, at most maxDescription bytes
	CVSS         CVSS   // v3.1, else v3.0, else v2.0, else v4.0
	CWEs         []string
	References   []string // at most maxReferences, in feed order
	Published    time.Time
	LastModified time.Time
	Rejected     bool
	KEV          *KEVEntry  // set by Lookup when the CVE is in the KEV catalog
	EPSS         *EPSSScore // set by Lookup when EPSS scores the CVE
}

// CVSS is the score chosen for a CVE. Version says which CVSS version Vector
// and Score belong to ("3.1", "3.0", "2.0", "4.0"); v2 vectors carry no
// "CVSS:" prefix, so Version is the only marker for them.
type CVSS struct {
	Version string
	Vector  string
	Score   float64
	Source  string // who scored it, e.g. "nvd@nist.gov"
}

// KEVEntry is one CISA KEV catalog entry.
type KEVEntry struct {
	VendorProject     string
	Product           string
	VulnerabilityName string
	DateAdded         string // YYYY-MM-DD
	DueDate           string // YYYY-MM-DD, federal remediation deadline
	RequiredAction    string
	RansomwareUse     string // "Known" or "Unknown"
}

// EPSSScore is a FIRST EPSS score: the probability (0–1) of exploitation
// activity in the next 30 days, and its percentile among all scored CVEs.
type EPSSScore struct {
	Score      float64
	Percentile float64
}

// Stats describes a loaded feed.
type Stats struct {
	CVEs                  int       // current records, rejected ones excluded
	Rejected              int       // records withdrawn by NVD
	Matchable             int       // records with at least one usable configuration
	Superseded            int       // older copies replaced by a newer lastModified
	Products              int       // distinct vendor:product keys in the index
	SkippedConfigurations int       // configurations dropped for an unparsable CPE
	NVDFiles              int       // files read under nvd/
	NewestModified        time.Time // latest lastModified of any record
	KEV                   KEVInfo
	EPSS                  EPSSInfo
	Debian                DebianInfo
	DebianLoaded          bool // a Debian tracker export was loaded
}

// record is a CVE plus its parsed configurations.
type record struct {
	CVE
	configs []configuration
}

// Bounds on what is kept per CVE, so a full NVD mirror fits in memory:
// findings need a few references (some CVEs list hundreds), and a handful of
// descriptions run to many kilobytes.
const (
	maxReferences  = 4
	maxDescription = 4096
)

// Stats returns counts describing the loaded feed.
func (db *DB) Stats() Stats {
	if db == nil {
		return Stats{}
	}
	return db.stats
}

// Lookup returns the CVE with the given ID (e.g. "CVE-2023-38408"), with its
// KEV entry and EPSS score joined. Rejected CVEs are returned too, with
// Rejected set.
func (db *DB) Lookup(id string) (CVE, bool) {
	if db == nil {
		return CVE{}, false
	}
	i, ok := db.byID[id]
	if !ok {
		return CVE{}, false
	}
	c := db.records[i].CVE
	c.KEV, c.EPSS = db.joined(id)
	return c, true
}

// Exploitation returns a CVE's KEV entry and EPSS score (nil for what it has
// not), whether or not the NVD part of the feed holds the CVE: imported
// reports name CVEs this feed's NVD copy may lack or reject.
func (db *DB) Exploitation(id string) (*KEVEntry, *EPSSScore) {
	if db == nil {
		return nil, nil
	}
	return db.joined(id)
}

func (db *DB) joined(id string) (*KEVEntry, *EPSSScore) {
	var k *KEVEntry
	var e *EPSSScore
	if v, ok := db.kev[id]; ok {
		k = &v
	}
	if v, ok := db.epss[id]; ok {
		e = &v
	}
	return k, e
}
