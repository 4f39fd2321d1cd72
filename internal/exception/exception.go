// Package exception holds the exception domain: a documented reason why a
// finding (one check, optionally on one host and port) does not count — a
// false positive, an accepted risk, or a compensating control. Active
// exceptions change the status of the findings they cover and so every PCI
// verdict that counts them.
package exception

import (
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/perimeterhq/perimeter/internal/errs"
	"github.com/perimeterhq/perimeter/internal/listing"
)

// Types of exception.
const (
	FalsePositive       = "false_positive"
	AcceptedRisk        = "accepted_risk"
	CompensatingControl = "compensating_control"
)

// Types lists every exception type.
var Types = []string{FalsePositive, AcceptedRisk, CompensatingControl}

// Statuses of an exception.
const (
	Pending = "pending"
	Active  = "active"
	Expired = "expired"
)

// Statuses lists every status.
var Statuses = []string{Pending, Active, Expired}

// Exception is one exception of an organization.
type Exception struct {
	ID             string
	OrganizationID string
	Type           string
	Status         string
	CheckID        string
	Host           string // "" = every host; else an IP or a hostname
	Port           *int   // nil = every port
	Protocol       string // "" = any; tcp or udp (only with a port)
	Reason         string
	ExpiresAt      *time.Time
	CreatedBy      string
	ActivatedBy    string
	ActivatedAt    *time.Time
	ExpiredAt      *time.Time
	CreatedAt      time.Time
	UpdatedAt      time.Time
	Findings       int // findings it covers now (filled on read)
}

// FindingStatus is the status a covered finding takes: false positives are
// false_positive, accepted risks and compensating controls are accepted.
func (e Exception) FindingStatus() string {
	if e.Type == FalsePositive {
		return "false_positive"
	}
	return "accepted"
}

// Limits on an exception's text.
const (
	MaxReason  = 4000
	maxCheckID = 200
	maxHost    = 255
)

var cveCheckRE = regexp.MustCompile(`^cve:CVE-\d{4}-\d{4,}$`)

// IsCVECheck reports whether a check id names a CVE match ("cve:CVE-2021-44228"),
// which exists for every CVE even before a scan reports it.
func IsCVECheck(id string) bool { return cveCheckRE.MatchString(id) }

// Validate checks the fields a user sets. now bounds expires_at (it must be in
// the future). Whether the check exists is the caller's question (it needs the
// check registry and the organization's findings).
func (e *Exception) Validate(now time.Time) error {
	f := errs.Fields{}
	if !contains(Types, e.Type) {
		f.Add("type", "'%s' is not one of: %s", e.Type, strings.Join(Types, ", "))
	}
	e.CheckID = strings.TrimSpace(e.CheckID)
	switch {
	case e.CheckID == "":
		f.Add("check_id", "can't be blank")
	case len(e.CheckID) > maxCheckID:
		f.Add("check_id", "is too long (at most %d characters)", maxCheckID)
	}
	e.Host = strings.ToLower(strings.TrimSpace(e.Host))
	if len(e.Host) > maxHost || strings.ContainsAny(e.Host, " ,*/") {
		f.Add("host", "must be one IP address or hostname")
	}
	if e.Port != nil && (*e.Port < 0 || *e.Port > 65535) {
		f.Add("port", "must be between 0 and 65535")
	}
	e.Protocol = strings.ToLower(strings.TrimSpace(e.Protocol))
	switch {
	case e.Protocol != "" && e.Protocol != "tcp" && e.Protocol != "udp":
		f.Add("protocol", "'%s' is not one of: tcp, udp", e.Protocol)
	case e.Protocol != "" && e.Port == nil:
		f.Add("protocol", "needs a port")
	}
	e.Reason = strings.TrimSpace(e.Reason)
	switch {
	case e.Reason == "":
		f.Add("reason", "can't be blank")
	case utf8.RuneCountInString(e.Reason) > MaxReason:
		f.Add("reason", "is too long (at most %d characters)", MaxReason)
	}
	if e.ExpiresAt != nil && !e.ExpiresAt.After(now) {
		f.Add("expires_at", "must be in the future")
	}
	return f.Err()
}

func contains(list []string, v string) bool {
	for _, s := range list {
		if s == v {
			return true
		}
	}
	return false
}

// Update is a partial update; nil means unchanged. ClearExpiry removes the
// expiry (JSON null).
type Update struct {
	Type, CheckID, Host, Protocol, Reason *string
	Port                                  **int
	ExpiresAt                             **time.Time
}

// Apply returns e with the update applied.
func (u Update) Apply(e Exception) Exception {
	for _, p := range []struct{ dst, src *string }{{&e.Type, u.Type}, {&e.CheckID, u.CheckID}, {&e.Host, u.Host},
		{&e.Protocol, u.Protocol}, {&e.Reason, u.Reason}} {
		if p.src != nil {
			*p.dst = *p.src
		}
	}
	if u.Port != nil {
		e.Port = *u.Port
	}
	if u.ExpiresAt != nil {
		e.ExpiresAt = *u.ExpiresAt
	}
	return e
}

// ScopeChanged reports whether an update changes which findings are covered
// or how (so an active exception must be re-applied).
func (u Update) ScopeChanged() bool {
	return u.Type != nil || u.CheckID != nil || u.Host != nil || u.Port != nil || u.Protocol != nil
}

// List declares how exceptions are filtered and sorted.
var List = listing.Spec{
	Columns: []listing.Column{
		{Name: "status", Kind: listing.Enum, Values: Statuses, Sortable: true},
		{Name: "type", Kind: listing.Enum, Values: Types, Sortable: true},
		{Name: "check", Kind: listing.Text, Doc: "check id, e.g. cve:CVE-2021-44228 or tls.weak_protocol"},
		{Name: "check_id", Kind: listing.ID, Sortable: true},
		{Name: "host", Kind: listing.Text, Sortable: true},
		{Name: "port", Kind: listing.Number, Sortable: true},
		{Name: "reason", Kind: listing.Text},
		{Name: "expires_at", Sortable: true, NoFilter: true},
		{Name: "created_at", Sortable: true, NoFilter: true},
		{Name: "updated_at", Sortable: true, NoFilter: true},
	},
	DateName: "created_at", DefaultSort: "created_at", DefaultDesc: true,
}
