// Package scan holds scans, their runs (histories) and their results as plain
// types: the deduplicated findings with their lifecycle, the host inventory,
// and the rules that turn results into verdicts (severity ranks, PCI pass/fail,
// when a finding counts as fixed).
package scan

import (
	"strings"
	"time"

	"github.com/perimeterhq/perimeter/internal/errs"
	"github.com/perimeterhq/perimeter/internal/listing"
	"github.com/perimeterhq/perimeter/internal/tenant"
)

// Scan and run statuses (spec §2.3).
const (
	StatusNew       = "new"
	StatusQueued    = "queued"
	StatusRunning   = "running"
	StatusStopping  = "stopping"
	StatusStopped   = "stopped"
	StatusCompleted = "completed"
	StatusFailed    = "failed"
)

// Statuses lists every status.
var Statuses = []string{StatusNew, StatusQueued, StatusRunning, StatusStopping, StatusStopped, StatusCompleted, StatusFailed}

// Active reports whether a status means a run is in flight.
func Active(status string) bool {
	return status == StatusQueued || status == StatusRunning || status == StatusStopping
}

// Scan is a saved configuration: what to scan, with which scanner and profile,
// optionally on a schedule. Each execution is a Run.
type Scan struct {
	ID             string
	OrganizationID string
	Name           string
	Description    string
	TargetID       string
	ScannerID      string
	ScanProfileID  string
	ScheduleID     string
	Product        string
	Status         string  // the status of the latest run ("new" before any)
	Progress       float64 // of the latest run
	NextRunAt      *time.Time
	LastRunID      string
	CreatedBy      string
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// Validate checks the fields a client sets directly (references are checked
// by the app layer).
func (s *Scan) Validate() error {
	f := errs.Fields{}
	f.Name("name", &s.Name, 200)
	f.MaxChars("description", s.Description, 4000)
	if s.TargetID == "" {
		f.Add("target_id", "can't be blank")
	}
	if !tenant.ValidProduct(s.Product) {
		f.Add("product", "'%s' is not one of: %s", s.Product, strings.Join(tenant.Products, ", "))
	}
	return f.Err()
}

// Update holds a partial update; nil means unchanged. ScheduleID "" detaches.
type Update struct {
	Name, Description, TargetID, ScannerID, ScanProfileID, ScheduleID, Product *string
}

// Apply returns s with the update applied.
func (u Update) Apply(s Scan) Scan {
	for _, p := range []struct{ dst, src *string }{{&s.Name, u.Name}, {&s.Description, u.Description},
		{&s.TargetID, u.TargetID}, {&s.ScannerID, u.ScannerID}, {&s.ScanProfileID, u.ScanProfileID},
		{&s.ScheduleID, u.ScheduleID}, {&s.Product, u.Product}} {
		if p.src != nil {
			*p.dst = strings.TrimSpace(*p.src)
		}
	}
	return s
}

// List declares how scans are filtered and sorted.
var List = listing.Spec{
	Columns: []listing.Column{
		{Name: "name", Kind: listing.Text, Sortable: true},
		{Name: "status", Kind: listing.Enum, Values: Statuses, Sortable: true},
		{Name: "product", Kind: listing.Enum, Values: tenant.Products, Sortable: true},
		{Name: "target_id", Kind: listing.ID},
		{Name: "scanner_id", Kind: listing.ID},
		{Name: "schedule_id", Kind: listing.ID},
		{Name: "scan_profile_id", Kind: listing.ID},
		{Name: "created_at", Sortable: true, NoFilter: true},
		{Name: "updated_at", Sortable: true, NoFilter: true},
		{Name: "next_run_at", Sortable: true, NoFilter: true},
	},
	DateName: "created_at", DefaultSort: "created_at", DefaultDesc: true,
}

// Filter narrows a list of an organization's scans beyond the client's list
// parameters.
type Filter struct {
	Scheduled bool     // only scans with a schedule and a next run
	Statuses  []string // only these statuses
}
