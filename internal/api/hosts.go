package api

import (
	"time"

	"github.com/perimeterhq/perimeter/internal/app"
	"github.com/perimeterhq/perimeter/internal/scan"
)

// HostView is an inventory host as the API lists it.
type HostView struct {
	ID              string         `json:"id"`
	IP              string         `json:"ip"`
	Hostnames       []string       `json:"hostnames"`
	OS              string         `json:"os"`
	Status          string         `json:"status" enum:"up,down" doc:"as last seen"`
	OpenPorts       int            `json:"open_ports" doc:"open ports its last run found"`
	ServicesSummary string         `json:"services_summary" doc:"the open ports of its last run: \"22/tcp ssh OpenSSH 8.9p1; …\""`
	Vulnerabilities SeverityCounts `json:"vulnerabilities" doc:"open findings (open or reopened) by severity"`
	FirstSeen       time.Time      `json:"first_seen"`
	LastSeen        time.Time      `json:"last_seen"`
	LastHistoryID   string         `json:"last_history_id"`
	LastScanID      string         `json:"last_scan_id"`
	LastTargetID    string         `json:"last_target_id"`
}

func hostView(h app.HostSummary) HostView {
	return HostView{ID: h.Host.ID, IP: h.Host.IP, Hostnames: h.Host.Hostnames, OS: h.Host.OS, Status: h.Host.Status,
		OpenPorts: h.Host.OpenPorts, ServicesSummary: h.Host.Services, Vulnerabilities: severityCounts(h.Open),
		FirstSeen: h.Host.FirstSeen, LastSeen: h.Host.LastSeen, LastHistoryID: h.Host.LastRunID, LastScanID: h.Host.LastScanID,
		LastTargetID: h.Host.LastTargetID}
}

// ServiceView is an open port of a host in one run.
type ServiceView struct {
	ID       string   `json:"id"`
	Port     int      `json:"port"`
	Protocol string   `json:"protocol" enum:"tcp,udp"`
	State    string   `json:"state" enum:"open,open|filtered"`
	Service  string   `json:"service"`
	Product  string   `json:"product"`
	Version  string   `json:"version"`
	CPE      []string `json:"cpe"`
	Banner   string   `json:"banner"`
	TLS      bool     `json:"tls"`
}

func serviceView(s scan.Service) ServiceView {
	return ServiceView{ID: s.ID, Port: s.Port, Protocol: s.Protocol, State: s.State, Service: s.Service, Product: s.Product,
		Version: s.Version, CPE: s.CPE, Banner: s.Banner, TLS: s.TLS}
}

// HostHistoryView is a run that scanned a host, and what it saw of the host.
type HostHistoryView struct {
	HistoryID       string         `json:"history_id"`
	ScanID          string         `json:"scan_id"`
	TargetID        string         `json:"target_id"`
	HistoryStatus   string         `json:"history_status" enum:"queued,running,stopping,stopped,completed,failed"`
	QueuedAt        time.Time      `json:"queued_at"`
	FinishedAt      *time.Time     `json:"finished_at"`
	HostStatus      string         `json:"host_status" enum:"up,down"`
	OS              string         `json:"os"`
	OpenPorts       int            `json:"open_ports"`
	Vulnerabilities SeverityCounts `json:"vulnerabilities" doc:"what that run found on the host"`
	ScannedAt       time.Time      `json:"scanned_at"`
}

// HostDetailView is an inventory host with its services, open findings and scan history.
type HostDetailView struct {
	HostView
	Services       []ServiceView       `json:"services" doc:"as its last run saw them"`
	Findings       []VulnerabilityView `json:"findings" doc:"open findings, most severe first (at most 500)"`
	FindingsCount  int                 `json:"findings_count"`
	Histories      []HostHistoryView   `json:"histories" doc:"the runs that scanned it, newest first (at most 50)"`
	HistoriesCount int                 `json:"histories_count"`
}

type hostList struct {
	Hosts      []HostView `json:"hosts"`
	Pagination Pagination `json:"pagination"`
}

type hostEnvelope struct {
	Host HostDetailView `json:"host"`
}

func (a *API) listHosts(c *Ctx, _ *NoBody) (*hostList, error) {
	hs, total, err := a.app.ListHosts(c.Context(), c.Actor, c.List)
	if err != nil {
		return nil, err
	}
	return &hostList{Hosts: views(hs, hostView), Pagination: pagination(c.List, total)}, nil
}

func (a *API) getHost(c *Ctx, _ *NoBody) (*hostEnvelope, error) {
	d, err := a.app.GetHost(c.Context(), c.Actor, c.Path("id"))
	if err != nil {
		return nil, err
	}
	return &hostEnvelope{HostDetailView{HostView: hostView(d.HostSummary), Services: views(d.Services, serviceView),
		Findings: views(d.Findings, vulnerabilityView), FindingsCount: d.FindingCount, HistoriesCount: d.RunCount,
		Histories: views(d.Runs, func(r scan.HostRun) HostHistoryView {
			return HostHistoryView{HistoryID: r.RunID, ScanID: r.ScanID, TargetID: r.TargetID, HistoryStatus: r.Status,
				QueuedAt: r.QueuedAt, FinishedAt: r.FinishedAt, HostStatus: r.Host.Status, OS: r.Host.OS, OpenPorts: r.Host.OpenPorts,
				Vulnerabilities: severityCounts(r.Host.Counts), ScannedAt: r.Host.ScannedAt}
		})}}, nil
}

// RiskyHostView is a host ranked by its weighted open findings.
type RiskyHostView struct {
	HostView
	Risk int `json:"risk" doc:"open findings weighted by severity: critical 10, high 5, medium 2, low 1, info 0"`
}

type riskyHostList struct {
	Hosts []RiskyHostView `json:"hosts"`
	AsOf  time.Time       `json:"as_of" doc:"when this was computed: for very large organizations, a value up to one recomputation old while a new one is computed"`
}

func (a *API) mostVulnerableHosts(c *Ctx, _ *NoBody) (*riskyHostList, error) {
	limit, err := limitParam(c, app.RiskyHostsLimit.Max)
	if err != nil {
		return nil, err
	}
	hs, asOf, err := a.app.MostVulnerableHosts(c.Context(), c.Actor, limit)
	if err != nil {
		return nil, err
	}
	return &riskyHostList{AsOf: asOf, Hosts: views(hs, func(h app.HostRisk) RiskyHostView {
		return RiskyHostView{HostView: hostView(h.HostSummary), Risk: h.Risk}
	})}, nil
}
