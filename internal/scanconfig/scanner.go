package scanconfig

import (
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/perimeterhq/perimeter/internal/errs"
	"github.com/perimeterhq/perimeter/internal/listing"
)

// Scanner app types: which engine runs the scans.
const (
	AppBuiltin = "builtin" // the in-process engine
	AppAgent   = "agent"   // a remote `perimeter agent` pulling work with its token
	AppNmap    = "nmap"    // the local nmap binary
	AppOpenVAS = "openvas" // a Greenbone manager over GMP
)

// AppTypes lists every scanner app type.
var AppTypes = []string{AppBuiltin, AppAgent, AppNmap, AppOpenVAS}

// Scanner statuses.
const (
	ScannerActive   = "active"
	ScannerInactive = "inactive"
)

// Scanner is an engine that runs an organization's scans.
type Scanner struct {
	ID             string
	OrganizationID string
	Name           string
	Description    string
	AppType        string
	Status         string
	Host           string // openvas: manager address
	Port           int    // openvas: manager port (default 9390)
	Path           string // nmap: binary path ("" = look up "nmap" on PATH)
	Username       string // openvas: the GMP user
	PasswordSealed string // openvas: the GMP password, sealed with secret.Box; never shown or logged
	CACert         string // openvas: PEM certificate(s) the manager's must chain to ("" = the system's roots)
	// InsecureSkipVerify (openvas) accepts any manager certificate: the
	// owner's explicit choice, for a lab; CACert is the way to trust a
	// manager's own CA.
	InsecureSkipVerify bool
	Version            string // last verified engine version
	LastSeenAt         *time.Time
	VerifiedAt         *time.Time
	CreatedAt          time.Time
	UpdatedAt          time.Time
}

// Validate checks the fields a client sets.
func (s *Scanner) Validate() error {
	f := errs.Fields{}
	f.Name("name", &s.Name, 200)
	f.MaxChars("description", s.Description, 4000)
	if !ValidAppType(s.AppType) {
		f.Add("app_type", "'%s' is not one of: %s", s.AppType, strings.Join(AppTypes, ", "))
	}
	if s.Status != ScannerActive && s.Status != ScannerInactive {
		f.Add("status", "'%s' is not one of: active, inactive", s.Status)
	}
	switch s.AppType {
	case AppOpenVAS:
		if s.Port == 0 {
			s.Port = 9390
		}
		if s.Host == "" {
			f.Add("host", "is required for openvas scanners (the GMP manager address)")
		} else if strings.ContainsAny(s.Host, "/ @?#") || len(s.Host) > 253 {
			f.Add("host", "'%s' is not a host name or address", s.Host)
		}
		if s.Port < 1 || s.Port > 65535 {
			f.Add("port", "%d is not a port (1–65535)", s.Port)
		}
		validateGMPLogin(s, f)
	case AppNmap:
		if s.Path != "" && !strings.HasPrefix(s.Path, "/") {
			f.Add("path", "'%s' must be an absolute path to the nmap binary", s.Path)
		}
	}
	return f.Err()
}

// Address is host:port of an openvas manager.
func (s Scanner) Address() string { return net.JoinHostPort(s.Host, strconv.Itoa(s.Port)) }

// ValidAppType reports whether t is a scanner app type.
func ValidAppType(t string) bool {
	for _, a := range AppTypes {
		if a == t {
			return true
		}
	}
	return false
}

// ScannerUpdate holds a partial update; nil means unchanged.
type ScannerUpdate struct {
	Name, Description, Host, Path *string
	Port                          *int
	Username, CACert              *string
	InsecureSkipVerify            *bool
	// Password is the GMP password in clear; the app layer seals it (Apply
	// leaves PasswordSealed alone). "" clears it.
	Password *string
}

// Apply returns s with the update applied.
func (u ScannerUpdate) Apply(s Scanner) Scanner {
	if u.Name != nil {
		s.Name = *u.Name
	}
	if u.Description != nil {
		s.Description = *u.Description
	}
	if u.Host != nil {
		s.Host = strings.TrimSpace(*u.Host)
	}
	if u.Path != nil {
		s.Path = strings.TrimSpace(*u.Path)
	}
	if u.Port != nil {
		s.Port = *u.Port
	}
	if u.Username != nil {
		s.Username = *u.Username
	}
	if u.CACert != nil {
		s.CACert = *u.CACert
	}
	if u.InsecureSkipVerify != nil {
		s.InsecureSkipVerify = *u.InsecureSkipVerify
	}
	return s
}

// ScannerList declares how scanners are filtered and sorted.
var ScannerList = listing.Spec{
	Columns: []listing.Column{
		{Name: "name", Kind: listing.Text, Sortable: true},
		{Name: "app_type", Kind: listing.Enum, Values: AppTypes, Sortable: true},
		{Name: "status", Kind: listing.Enum, Values: []string{ScannerActive, ScannerInactive}, Sortable: true},
		{Name: "version", Kind: listing.Text},
		{Name: "created_at", Sortable: true, NoFilter: true},
		{Name: "last_seen_at", Sortable: true, NoFilter: true},
	},
	DateName: "created_at", DefaultSort: "created_at",
}
