package api

import (
	"github.com/perimeterhq/perimeter/internal/app"
)

// ScanProfileView is a scan profile with the settings it applies.
type ScanProfileView struct {
	ID          string          `json:"id"`
	Name        string          `json:"name"`
	Description string          `json:"description"`
	Product     string          `json:"product" enum:"pci,vrms,penetration"`
	Builtin     bool            `json:"builtin"`
	Fixed       bool            `json:"fixed" doc:"settings cannot be changed (PCI ASV)"`
	Active      bool            `json:"active"`
	PortListID  *string         `json:"port_list_id" doc:"the built-in port list with exactly the profile's ports, if one exists"`
	Settings    ProfileSettings `json:"settings"`
}

// ProfileSettings are the engine settings of a profile.
type ProfileSettings struct {
	Ports            string   `json:"ports" doc:"port list notation, e.g. T:1-65535,U:53"`
	PortCount        int      `json:"port_count"`
	Discovery        string   `json:"discovery" enum:"tcp,icmp,tcp+icmp,none"`
	ServiceDetection bool     `json:"service_detection"`
	Checks           bool     `json:"checks"`
	CheckFamilies    []string `json:"check_families" doc:"empty: every family"`
	CVEMatching      bool     `json:"cve_matching"`
	Concurrency      int      `json:"concurrency" doc:"sockets in flight"`
	PerHost          int      `json:"per_host" doc:"connections to one host at once"`
	HostsAtOnce      int      `json:"hosts_at_once"`
	Rate             int      `json:"rate" doc:"probes per second; 0 = unlimited"`
	TimeoutMS        int64    `json:"initial_timeout_ms"`
	MaxTimeoutMS     int64    `json:"max_timeout_ms"`
	Retries          int      `json:"retries"`
}

func scanProfileView(p app.ScanProfileView) ScanProfileView {
	s := p.Settings
	fams := s.Families
	if fams == nil {
		fams = []string{}
	}
	var pl *string
	if p.PortListID != "" {
		id := p.PortListID
		pl = &id
	}
	return ScanProfileView{PortListID: pl, ID: p.ID, Name: p.Name, Description: p.Description, Product: p.Product, Builtin: p.Builtin,
		Fixed: p.Fixed, Active: p.Active, Settings: ProfileSettings{Ports: s.Ports.String(), PortCount: s.Ports.Count(),
			Discovery: s.Discovery, ServiceDetection: s.ServiceDetection, Checks: s.Checks, CheckFamilies: fams, CVEMatching: s.CVE,
			Concurrency: s.Concurrency, PerHost: s.PerHost, HostsAtOnce: s.Hosts, Rate: s.Rate,
			TimeoutMS: s.Timing.InitialTimeout.Milliseconds(), MaxTimeoutMS: s.Timing.MaxTimeout.Milliseconds(), Retries: s.Timing.Retries}}
}

type scanProfileList struct {
	ScanProfiles []ScanProfileView `json:"scan_profiles"`
	Pagination   Pagination        `json:"pagination"`
}

type scanProfileEnvelope struct {
	ScanProfile ScanProfileView `json:"scan_profile"`
}

func (a *API) listScanProfiles(c *Ctx, _ *NoBody) (*scanProfileList, error) {
	return a.scanProfileList(c, false)
}

func (a *API) listActiveScanProfiles(c *Ctx, _ *NoBody) (*scanProfileList, error) {
	return a.scanProfileList(c, true)
}

func (a *API) scanProfileList(c *Ctx, active bool) (*scanProfileList, error) {
	ps, total, err := a.app.ListScanProfiles(c.Context(), c.Actor, active, c.List)
	if err != nil {
		return nil, err
	}
	return &scanProfileList{ScanProfiles: views(ps, scanProfileView), Pagination: pagination(c.List, total)}, nil
}

func (a *API) getScanProfile(c *Ctx, _ *NoBody) (*scanProfileEnvelope, error) {
	p, err := a.app.GetScanProfile(c.Context(), c.Actor, c.Path("id"))
	if err != nil {
		return nil, err
	}
	return &scanProfileEnvelope{scanProfileView(p)}, nil
}
