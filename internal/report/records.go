package report

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/perimeterhq/perimeter/internal/errs"
	"github.com/perimeterhq/perimeter/internal/listing"
	"github.com/perimeterhq/perimeter/internal/tenant"
)

// Report is the report of one finished run; its files are generated on
// request in a type and format.
type Report struct {
	ID             string
	OrganizationID string
	RunID          string
	ScanID         string
	TargetID       string
	Product        string
	Name           string
	CreatedAt      time.Time
	// From the run and its scan and target, read with the report.
	ScanName     string
	TargetName   string
	RunStatus    string
	FinishedAt   *time.Time
	PCICompliant *bool
	Files        []File
}

// File statuses.
const (
	FilePending    = "pending"
	FileProcessing = "processing"
	FileDone       = "done"
	FileFailed     = "failed"
)

// File is one generated (or requested) file of a report or advanced report.
type File struct {
	ID               string
	OrganizationID   string
	ReportID         string // one of ReportID and AdvancedReportID is set
	AdvancedReportID string
	Type             Type
	Format           Format
	Status           string
	Error            string
	Token            string // the generation allowed to write the row
	Attempt          int
	BlobKey          string // "" until a generation completed
	Size             int64
	SHA256           string
	RequestedBy      string
	RequestedAt      time.Time
	HeartbeatAt      *time.Time
	GeneratedAt      *time.Time
}

// Available reports whether a complete file can be downloaded (a
// regeneration in progress keeps serving the previous complete file).
func (f File) Available() bool { return f.BlobKey != "" }

// Extension is the file name extension of a format.
func Extension(f Format) string { return string(f) }

// ParseKind checks a requested type and format: unknown values, a type the
// report cannot have, or a combination that does not exist are field errors.
// advanced selects the advanced report's only type.
func ParseKind(typ, format string, product string, advanced bool) (Type, Format, error) {
	f := errs.Fields{}
	t := Type(strings.TrimSpace(typ))
	if advanced {
		if t == "" {
			t = Advanced
		}
		if t != Advanced {
			f.Add("type", "advanced reports have the type advanced")
		}
	} else {
		switch {
		case t == "":
			f.Add("type", "can't be blank (one of: %s)", joinTypes(Types))
		case !slices.Contains(Types, t):
			f.Add("type", "'%s' is not one of: %s", t, joinTypes(Types))
		case t == AoSC && product != tenant.ProductPCI:
			f.Add("type", "the attestation of scan compliance exists for PCI scans only (this scan's product is %s)", product)
		}
	}
	fm := Format(strings.TrimSpace(format))
	switch {
	case fm == "":
		f.Add("format", "can't be blank (one of: %s)", joinFormats(Formats))
	case !slices.Contains(Formats, fm):
		f.Add("format", "'%s' is not one of: %s", fm, joinFormats(Formats))
	case f.Err() == nil && !Supports(t, fm):
		f.Add("format", "%s reports are not available as %s", t, fm)
	}
	return t, fm, f.Err()
}

func joinTypes(ts []Type) string {
	s := make([]string, len(ts))
	for i, t := range ts {
		s[i] = string(t)
	}
	return strings.Join(s, ", ")
}

func joinFormats(fs []Format) string {
	s := make([]string, len(fs))
	for i, f := range fs {
		s[i] = string(f)
	}
	return strings.Join(s, ", ")
}

// FileName is the download name of a report's file.
func FileName(name string, t Type, f Format, at time.Time) string {
	var b strings.Builder
	for _, r := range strings.ToLower(name) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
		case b.Len() > 0 && !strings.HasSuffix(b.String(), "-"):
			b.WriteByte('-')
		}
		if b.Len() >= 60 {
			break
		}
	}
	base := strings.Trim(b.String(), "-")
	if base == "" {
		base = "report"
	}
	return fmt.Sprintf("%s-%s-%s.%s", base, t, at.UTC().Format("20060102"), Extension(f))
}

// List declares how reports are filtered and sorted.
var List = listing.Spec{
	Columns: []listing.Column{
		{Name: "name", Kind: listing.Text, Sortable: true},
		{Name: "scan", Kind: listing.ID, Doc: "scan id"},
		{Name: "scan_id", Kind: listing.ID},
		{Name: "target", Kind: listing.ID, Doc: "target id"},
		{Name: "target_id", Kind: listing.ID},
		{Name: "history_id", Kind: listing.ID, Doc: "the run"},
		{Name: "product", Kind: listing.Enum, Values: tenant.Products, Sortable: true},
		{Name: "pci_compliant", Kind: listing.Bool, Doc: "the run's PCI verdict now"},
		{Name: "created_at", Sortable: true, NoFilter: true},
		{Name: "finished_at", Sortable: true, NoFilter: true},
	},
	DateName: "finished_at", DefaultSort: "finished_at", DefaultDesc: true,
}
