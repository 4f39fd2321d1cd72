package checks

import (
	"fmt"
	"io"
	"strings"
)

// Summary is one line of the check catalogue, for documentation and for the
// CLI's check listing.
type Summary struct {
	ID          string  `json:"id"`
	Family      string  `json:"family"`
	Title       string  `json:"title"`
	CVSSVector  string  `json:"cvss_vector"`
	Score       float64 `json:"cvss_score"`
	Severity    string  `json:"severity"`
	Confidence  int     `json:"confidence"`
	PCIFail     bool    `json:"pci_fail"`
	PCIAutoFail bool    `json:"pci_auto_fail"`
	DoSOnly     bool    `json:"dos_only"`
}

// Summarize returns one Summary per check, in the order given.
func Summarize(cs []Check) []Summary {
	out := make([]Summary, 0, len(cs))
	for _, c := range cs {
		m := c.Meta()
		out = append(out, Summary{
			ID: m.ID, Family: m.Family, Title: m.Title, CVSSVector: m.CVSSVector,
			Score: m.Score, Severity: m.Severity, Confidence: m.Confidence,
			PCIFail: m.PCIFail(), PCIAutoFail: m.PCIAutoFail && !m.DoSOnly, DoSOnly: m.DoSOnly,
		})
	}
	return out
}

// WriteMarkdownTable writes the summaries as a Markdown table (ID, family,
// title, score, severity, PCI verdict, confidence). It returns the first
// write error.
func WriteMarkdownTable(w io.Writer, ss []Summary) error {
	var b strings.Builder
	b.WriteString("| ID | Family | Title | CVSS 3.1 | Severity | PCI | Confidence |\n")
	b.WriteString("|---|---|---|---|---|---|---|\n")
	for _, s := range ss {
		pci := "pass"
		switch {
		case s.PCIAutoFail:
			pci = "auto-fail"
		case s.PCIFail:
			pci = "fail"
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s | %.1f | %s | %s | %d |\n",
			s.ID, s.Family, strings.ReplaceAll(s.Title, "|", `\|`), s.Score, s.Severity, pci, s.Confidence)
	}
	_, err := io.WriteString(w, b.String())
	return err
}
