package cve

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// KEVInfo summarises a CISA Known Exploited Vulnerabilities catalog.
type KEVInfo struct {
	Title          string
	CatalogVersion string
	DateReleased   string
	Count          int // entries in the catalog
}

// ScanKEV reads a CISA KEV catalog (plain or gzipped JSON) and returns its
// summary. It returns an error for malformed JSON or gzip, trailing data, a
// missing vulnerabilities array, or an entry whose cveID is not a CVE id.
func ScanKEV(r io.Reader) (KEVInfo, error) {
	info, _, err := readKEV(r)
	return info, err
}

type kevCatalog struct {
	Title           string `json:"title"`
	CatalogVersion  string `json:"catalogVersion"`
	DateReleased    string `json:"dateReleased"`
	Count           int    `json:"count"`
	Vulnerabilities *[]struct {
		CVEID                      string `json:"cveID"`
		VendorProject              string `json:"vendorProject"`
		Product                    string `json:"product"`
		VulnerabilityName          string `json:"vulnerabilityName"`
		DateAdded                  string `json:"dateAdded"`
		DueDate                    string `json:"dueDate"`
		RequiredAction             string `json:"requiredAction"`
		KnownRansomwareCampaignUse string `json:"knownRansomwareCampaignUse"`
	} `json:"vulnerabilities"`
}

// readKEV decodes the catalog whole: it is a few MB at most (about 1,500
// entries), unlike the NVD feed.
func readKEV(r io.Reader) (KEVInfo, map[string]KEVEntry, error) {
	rc, err := maybeGunzip(r)
	if err != nil {
		return KEVInfo{}, nil, err
	}
	defer rc.Close()
	dec := json.NewDecoder(rc)
	var cat kevCatalog
	if err := dec.Decode(&cat); err != nil {
		return KEVInfo{}, nil, fmt.Errorf("at byte %d: %w", dec.InputOffset(), err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return KEVInfo{}, nil, errors.New("trailing data after the catalog")
	}
	if cat.Vulnerabilities == nil {
		return KEVInfo{}, nil, errors.New("no vulnerabilities array: not a CISA KEV catalog")
	}
	entries := make(map[string]KEVEntry, len(*cat.Vulnerabilities))
	for i, v := range *cat.Vulnerabilities {
		if !validID(v.CVEID) {
			return KEVInfo{}, nil, fmt.Errorf("entry %d: cveID %q, want CVE-YYYY-NNNN", i, v.CVEID)
		}
		entries[v.CVEID] = KEVEntry{
			VendorProject:     v.VendorProject,
			Product:           v.Product,
			VulnerabilityName: v.VulnerabilityName,
			DateAdded:         v.DateAdded,
			DueDate:           v.DueDate,
			RequiredAction:    v.RequiredAction,
			RansomwareUse:     v.KnownRansomwareCampaignUse,
		}
	}
	info := KEVInfo{Title: cat.Title, CatalogVersion: cat.CatalogVersion, DateReleased: cat.DateReleased, Count: len(entries)}
	return info, entries, nil
}
