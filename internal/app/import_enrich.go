package app

import (
	"strings"

	"github.com/perimeterhq/perimeter/internal/scanner/cve"
	"github.com/perimeterhq/perimeter/internal/scanner/result"
)

// exploitationLookup is what enrichment needs of the CVE feed (*cve.DB).
type exploitationLookup interface {
	Exploitation(id string) (*cve.KEVEntry, *cve.EPSSScore)
}

// enrichImported marks the findings of an imported report with what the
// server's feed knows of their CVEs, as the built-in engine's CVE matches
// are: in CISA KEV when any of its CVEs is, and the highest EPSS score of
// its CVEs (an import's own EPSS, when higher, stays). Other tools report
// CVEs without either, and a known-exploited flag is what a team triages by.
// It reports how many findings are in KEV and how many have an EPSS score.
func enrichImported(hosts []result.Host, db exploitationLookup) (kev, epss int) {
	for h := range hosts {
		for i := range hosts[h].Findings {
			f := &hosts[h].Findings[i]
			for _, id := range f.CVEs {
				k, e := db.Exploitation(strings.ToUpper(id))
				if k != nil {
					f.KEV = true
				}
				if e != nil && e.Score > f.EPSS {
					f.EPSS = e.Score
				}
			}
			if f.KEV {
				kev++
			}
			if f.EPSS > 0 {
				epss++
			}
		}
	}
	return kev, epss
}
