package checks

import (
	"fmt"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	cvss31 "github.com/pandatix/go-cvss/31"

	"github.com/perimeterhq/perimeter/internal/pci"

	"github.com/perimeterhq/perimeter/internal/scanner/result"
)

// Meta describes a check. Score and Severity are derived from CVSSVector by
// NewMeta; the other fields are written by the check's author.
type Meta struct {
	ID          string   // stable, lower case, dotted, starts with the family: "tls.protocol.tls10"
	Family      string   // "tls", "http", "ssh", ...
	Title       string   // one line
	Description string   // what is wrong and why it matters
	Solution    string   // what to change
	References  []string // URLs
	CVSSVector  string   // CVSS 3.1 base vector, "CVSS:3.1/AV:N/..."
	Score       float64  // base score computed from CVSSVector
	Severity    string   // result.SeverityFor(Score)
	// PCIAutoFail marks the PCI ASV Program Guide's automatic failures, which
	// fail a scan whatever the score (SSL/early TLS, open database access,
	// default accounts, ...). Each check says why in a comment next to it.
	PCIAutoFail bool
	// DoSOnly marks weaknesses whose only impact is denial of service; the ASV
	// Program Guide excludes them from the pass/fail verdict.
	DoSOnly bool
	// Confidence is the default quality of detection, 0–100: about 95–100 when
	// the check saw the behaviour itself, 30–70 when it relies on a banner.
	Confidence int
	// Supersedes lists the IDs of less specific checks whose finding on the
	// same service this check's finding replaces: an unauthenticated
	// database already says the port is reachable, so reporting
	// "exposure.database.reachable" beside it would count one problem
	// twice. Runner.Run drops the superseded findings.
	Supersedes []string
}

var idPattern = regexp.MustCompile(`^[a-z0-9]+(\.[a-z0-9][a-z0-9-]*)+$`)

// MaxEvidence bounds the evidence text attached to a finding, in bytes.
const MaxEvidence = 4096

// CVSSScore computes the CVSS 3.1 base score of a vector such as
// "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H". It returns an error when the
// vector is not a valid CVSS 3.1 vector.
func CVSSScore(vector string) (float64, error) {
	v, err := cvss31.ParseVector(vector)
	if err != nil {
		return 0, fmt.Errorf("cvss vector %q: %w", vector, err)
	}
	return v.BaseScore(), nil
}

// NewMeta returns m with Score and Severity computed from m.CVSSVector. It
// panics when the metadata is invalid (bad ID, missing family or text, a
// vector that does not parse, confidence out of range): metas are built in
// package init, so a mistake is a programming error caught by any test run.
func NewMeta(m Meta) Meta {
	if err := m.validateText(); err != nil {
		panic(err)
	}
	score, err := CVSSScore(m.CVSSVector)
	if err != nil {
		panic(fmt.Sprintf("checks: %s: %v", m.ID, err))
	}
	m.Score = score
	m.Severity = result.SeverityFor(score)
	return m
}

func (m Meta) validateText() error {
	switch {
	case !idPattern.MatchString(m.ID):
		return fmt.Errorf("checks: invalid check ID %q", m.ID)
	case m.Family == "" || !strings.HasPrefix(m.ID, m.Family+"."):
		return fmt.Errorf("checks: %s: ID must start with its family %q", m.ID, m.Family)
	case m.Title == "" || m.Description == "" || m.Solution == "":
		return fmt.Errorf("checks: %s: title, description and solution are required", m.ID)
	case m.Confidence < 1 || m.Confidence > 100:
		return fmt.Errorf("checks: %s: confidence %d out of 1..100", m.ID, m.Confidence)
	}
	for _, id := range m.Supersedes {
		if !idPattern.MatchString(id) || id == m.ID {
			return fmt.Errorf("checks: %s: invalid superseded check ID %q", m.ID, id)
		}
	}
	return nil
}

// Validate reports whether m is complete and its Score and Severity agree with
// its vector. It returns a descriptive error for the first problem found.
func (m Meta) Validate() error {
	if err := m.validateText(); err != nil {
		return err
	}
	score, err := CVSSScore(m.CVSSVector)
	if err != nil {
		return fmt.Errorf("checks: %s: %w", m.ID, err)
	}
	if score != m.Score || result.SeverityFor(score) != m.Severity {
		return fmt.Errorf("checks: %s: score %.1f/%s does not match vector (%.1f); build metas with NewMeta",
			m.ID, m.Score, m.Severity, score)
	}
	return nil
}

// PCIFail reports the PCI verdict of the check's findings (pci.Fails): a base
// score of 4.0 or more fails unless the weakness is denial of service only,
// and automatic failures fail whatever the score.
func (m Meta) PCIFail() bool {
	return pci.Fails(pci.Facts{Score: m.Score, DoSOnly: m.DoSOnly, AutoFail: m.autoFail()})
}

// autoFail is PCIAutoFail unless the weakness is denial of service only,
// which the ASV Program Guide keeps out of verdicts.
func (m Meta) autoFail() bool { return m.PCIAutoFail && !m.DoSOnly }

// Finding builds a finding of this check against t with the given evidence
// (sanitised and truncated to MaxEvidence) and the meta's default confidence.
func (m Meta) Finding(t Target, evidence string) result.Finding {
	return result.Finding{
		CheckID:     m.ID,
		Title:       m.Title,
		Description: m.Description,
		Solution:    m.Solution,
		References:  append([]string(nil), m.References...),
		CVSSVector:  m.CVSSVector,
		CVSSScore:   m.Score,
		Severity:    m.Severity,
		Port:        t.Service.Port,
		Protocol:    t.Service.Protocol,
		Service:     t.Service.Service,
		Confidence:  m.Confidence,
		Evidence:    Evidence(evidence),
		PCIFail:     m.PCIFail(),
		PCIAutoFail: m.autoFail(),
		DoSOnly:     m.DoSOnly,
	}
}

// Evidence makes text read from the network safe to store and show: invalid
// UTF-8 and control characters other than newline and tab become '.', and the
// result is cut to MaxEvidence bytes on a character boundary.
func Evidence(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		switch {
		case r == utf8.RuneError && size <= 1:
			r = '.'
		case r == '\r':
			continue
		case r != '\n' && r != '\t' && !unicode.IsPrint(r):
			r = '.'
		}
		if b.Len()+utf8.RuneLen(r) > MaxEvidence {
			break
		}
		b.WriteRune(r)
	}
	return b.String()
}
