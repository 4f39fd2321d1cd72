package cve

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
)

// DebianInfo summarises a Debian security tracker export
// (https://security-tracker.debian.org/tracker/data/json).
type DebianInfo struct {
	Packages int // source packages in the file
	CVEs     int // (source package, CVE) pairs in the file; TEMP- entries excluded
	Kept     int // pairs kept for matching (packages of products we detect)
	Skipped  int // release statuses dropped for a fixed_version that is no Debian version
}

// Debian tracker statuses of a CVE in a release.
const (
	DebianResolved     = "resolved"     // fixed in FixedVersion ("0": never affected)
	DebianOpen         = "open"         // affected, no fixed package yet
	DebianUndetermined = "undetermined" // not yet triaged
)

// DebianStatus is the tracker's verdict on one CVE in one source package
// of one release.
type DebianStatus struct {
	Status       string // DebianResolved, DebianOpen, DebianUndetermined (or a newer status, read as undetermined)
	FixedVersion string // for DebianResolved; a valid Debian version
	Urgency      string // "low", "medium", "high", "unimportant", "not yet assigned", …
}

// debianKey identifies the tracker's entry for a CVE in a source package.
type debianKey struct {
	source, cve string
}

// debianRelease is one release's status, with interned strings.
type debianRelease struct {
	release string
	DebianStatus
}

// ScanDebian reads a Debian security tracker JSON export (plain or gzipped)
// and returns its summary. It returns an error for malformed JSON or gzip,
// trailing data, a document that is not an object of source packages, each
// an object of entries with an object of releases, or a status or version
// that is not a string. Entries that are not CVEs (TEMP-…) are skipped, and
// so are release statuses whose fixed_version is not a Debian version.
func ScanDebian(r io.Reader) (DebianInfo, error) {
	info, _, err := readDebian(r, func(string) bool { return false })
	return info, err
}

// debianEntry is the part of a tracker entry matching needs; description,
// scope, debianbug and the per-repository versions are skipped.
type debianEntry struct {
	Releases map[string]struct {
		Status       string `json:"status"`
		FixedVersion string `json:"fixed_version"`
		Urgency      string `json:"urgency"`
	} `json:"releases"`
}

// readDebian streams the export one source package at a time, so only the
// packages keep accepts (nil: all) are held in memory: the whole export is
// about 80 MB of JSON for some 40,000 packages.
func readDebian(r io.Reader, keep func(source string) bool) (DebianInfo, map[debianKey][]debianRelease, error) {
	var info DebianInfo
	rc, err := maybeGunzip(r)
	if err != nil {
		return info, nil, err
	}
	defer rc.Close()
	dec := json.NewDecoder(rc)
	if tok, err := dec.Token(); err != nil {
		return info, nil, fmt.Errorf("at byte %d: %w", dec.InputOffset(), err)
	} else if tok != json.Delim('{') {
		return info, nil, errors.New("not a JSON object of source packages: not a Debian security tracker export")
	}
	out := map[debianKey][]debianRelease{}
	names := map[string]string{} // interned release names and urgencies
	intern := func(s string) string {
		if v, ok := names[s]; ok {
			return v
		}
		if len(names) < 1024 {
			names[s] = s
		}
		return s
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return info, nil, fmt.Errorf("at byte %d: %w", dec.InputOffset(), err)
		}
		source, _ := tok.(string) // object keys are always strings
		var entries map[string]*debianEntry
		if err := dec.Decode(&entries); err != nil {
			return info, nil, fmt.Errorf("package %q: %w", clip(source), err)
		}
		info.Packages++
		stored := keep == nil || keep(source)
		for id, e := range entries {
			if !validID(id) {
				continue // TEMP-0000000-… entries have no CVE id yet
			}
			info.CVEs++
			if e == nil {
				continue
			}
			var rels []debianRelease
			for name, s := range e.Releases {
				if s.Status == DebianResolved && !ValidDebianVersion(s.FixedVersion) {
					info.Skipped++
					continue
				}
				if stored {
					rels = append(rels, debianRelease{release: intern(name), DebianStatus: DebianStatus{
						Status: intern(s.Status), FixedVersion: strings.Clone(s.FixedVersion), Urgency: intern(s.Urgency)}})
				}
			}
			if stored {
				out[debianKey{strings.Clone(source), id}] = rels
				info.Kept++
			}
		}
	}
	if _, err := dec.Token(); err != nil {
		return info, nil, fmt.Errorf("at byte %d: %w", dec.InputOffset(), err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return info, nil, errors.New("trailing data after the export")
	}
	return info, out, nil
}

// clip bounds a name from the file quoted in an error.
func clip(s string) string {
	if len(s) > 64 {
		return s[:64] + "…"
	}
	return s
}

// DebianStatus returns the Debian security tracker's status of the CVE id
// for the source package in the release (a codename such as "bookworm"),
// and whether the loaded export has one. Only packages of products Match
// can attribute to a Debian source package are loaded (see debianSource).
func (db *DB) DebianStatus(source, id, release string) (DebianStatus, bool) {
	if db == nil {
		return DebianStatus{}, false
	}
	for _, r := range db.debian[debianKey{source, id}] {
		if r.release == release {
			return r.DebianStatus, true
		}
	}
	return DebianStatus{}, false
}
