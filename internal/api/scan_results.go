package api

import (
	"time"

	"github.com/perimeterhq/perimeter/internal/app"
	"github.com/perimeterhq/perimeter/internal/scan"
)

// historyParam documents the run a scan's result views show.
var historyParam = Param{Name: "history_id", Doc: "a run of this scan (default: its latest run that has started); " +
	"a run of another scan or organization is 404"}

// ScanHostView is a host as one run saw it.
type ScanHostView struct {
	ID              string         `json:"id" doc:"the host's inventory id (as in /v2/hosts)"`
	HistoryID       string         `json:"history_id"`
	IP              string         `json:"ip"`
	Hostname        string         `json:"hostname" doc:"the first of hostnames"`
	Hostnames       []string       `json:"hostnames"`
	OS              string         `json:"os"`
	Status          string         `json:"status" enum:"up,down"`
	Reason          string         `json:"reason" doc:"how the host was found up"`
	RTTMillis       float64        `json:"rtt_ms"`
	OpenPorts       int            `json:"open_ports"`
	Services        []ServiceView  `json:"services"`
	Vulnerabilities SeverityCounts `json:"vulnerabilities" doc:"findings of this run on the host, by severity"`
	ScannedAt       time.Time      `json:"scanned_at"`
}

func scanHostView(h app.RunHostSummary) ScanHostView {
	v := ScanHostView{ID: h.Host.HostID, HistoryID: h.Host.RunID, IP: h.Host.IP, Hostnames: h.Host.Hostnames, OS: h.Host.OS,
		Status: h.Host.Status, Reason: h.Host.Reason, RTTMillis: float64(h.Host.RTT.Microseconds()) / 1000, OpenPorts: h.Host.OpenPorts,
		Services: views(h.Services, serviceView), Vulnerabilities: severityCounts(h.Host.Counts), ScannedAt: h.Host.ScannedAt}
	if len(h.Host.Hostnames) > 0 {
		v.Hostname = h.Host.Hostnames[0]
	}
	return v
}

type scanHostList struct {
	HistoryID  *string        `json:"history_id" doc:"the run shown; null when the scan has not run"`
	Hosts      []ScanHostView `json:"hosts"`
	Pagination Pagination     `json:"pagination"`
}

// historyIDOf is a run's id, or nil for no run.
func historyIDOf(r *scan.Run) *string {
	if r == nil {
		return nil
	}
	id := r.ID
	return &id
}

func (a *API) listScanHosts(c *Ctx, _ *NoBody) (*scanHostList, error) {
	run, hs, total, err := a.app.ListScanHosts(c.Context(), c.Actor, c.Path("id"), c.Query("history_id"), c.List)
	if err != nil {
		return nil, err
	}
	return &scanHostList{HistoryID: historyIDOf(run), Hosts: views(hs, scanHostView), Pagination: pagination(c.List, total)}, nil
}

// RunVulnerabilityView is a finding as one run saw it.
type RunVulnerabilityView struct {
	VulnerabilityView
	HistoryID string    `json:"history_id"`
	SeenAt    time.Time `json:"seen_at" doc:"when this run saw it"`
}

func runVulnerabilityView(rf scan.RunFinding) RunVulnerabilityView {
	return RunVulnerabilityView{VulnerabilityView: vulnerabilityView(rf.Finding), SeenAt: rf.SeenAt}
}

// ScanHostDetailView is a host as one run saw it, with its findings.
type ScanHostDetailView struct {
	ScanHostView
	Findings      []RunVulnerabilityView `json:"findings" doc:"this run's findings on the host, most severe first (at most 500)"`
	FindingsCount int                    `json:"findings_count"`
}

type scanHostEnvelope struct {
	Host ScanHostDetailView `json:"host"`
}

func (a *API) getScanHost(c *Ctx, _ *NoBody) (*scanHostEnvelope, error) {
	d, err := a.app.GetScanHost(c.Context(), c.Actor, c.Path("id"), c.Path("host_id"), c.Query("history_id"))
	if err != nil {
		return nil, err
	}
	fs := views(d.Findings, runVulnerabilityView)
	for i := range fs {
		fs[i].HistoryID = d.Run.ID
	}
	return &scanHostEnvelope{ScanHostDetailView{ScanHostView: scanHostView(d.RunHostSummary), Findings: fs, FindingsCount: d.FindingCount}}, nil
}

type scanVulnerabilityList struct {
	HistoryID       *string                `json:"history_id" doc:"the run shown; null when the scan has not run"`
	Vulnerabilities []RunVulnerabilityView `json:"vulnerabilities"`
	Pagination      Pagination             `json:"pagination"`
}

func (a *API) listScanVulnerabilities(c *Ctx, _ *NoBody) (*scanVulnerabilityList, error) {
	run, fs, total, err := a.app.ListScanVulnerabilities(c.Context(), c.Actor, c.Path("id"), c.Query("history_id"), c.List)
	if err != nil {
		return nil, err
	}
	vs := views(fs, runVulnerabilityView)
	for i := range vs {
		vs[i].HistoryID = run.ID
	}
	return &scanVulnerabilityList{HistoryID: historyIDOf(run), Vulnerabilities: vs, Pagination: pagination(c.List, total)}, nil
}

// RunVulnerabilityDetailView is a finding as one run saw it, with its long
// texts (the latest any run reported).
type RunVulnerabilityDetailView struct {
	RunVulnerabilityView
	VulnerabilityTexts
}

type scanVulnerabilityEnvelope struct {
	Vulnerability RunVulnerabilityDetailView `json:"vulnerability"`
}

func (a *API) getScanVulnerability(c *Ctx, _ *NoBody) (*scanVulnerabilityEnvelope, error) {
	run, rf, err := a.app.GetScanVulnerability(c.Context(), c.Actor, c.Path("id"), c.Path("vulnerability_id"), c.Query("history_id"))
	if err != nil {
		return nil, err
	}
	v := RunVulnerabilityDetailView{RunVulnerabilityView: runVulnerabilityView(rf), VulnerabilityTexts: vulnerabilityTexts(rf.Finding)}
	v.HistoryID = run.ID
	return &scanVulnerabilityEnvelope{v}, nil
}

// TopHostView is one of a run's riskiest hosts.
type TopHostView struct {
	ID              string         `json:"id" doc:"the host's inventory id"`
	IP              string         `json:"ip"`
	Hostname        string         `json:"hostname"`
	Risk            int            `json:"risk" doc:"findings weighted by severity: critical 10, high 5, medium 2, low 1, info 0"`
	Vulnerabilities SeverityCounts `json:"vulnerabilities"`
}

// PortStatView is what a run found on one port across its hosts.
type PortStatView struct {
	Port     int    `json:"port" doc:"0: findings about hosts as a whole"`
	Protocol string `json:"protocol"`
	Service  string `json:"service"`
	Hosts    int    `json:"hosts" doc:"hosts with the port open"`
	Findings int    `json:"findings"`
}

// ServiceStatView is what a run found on one kind of service across its hosts.
type ServiceStatView struct {
	Service  string `json:"service"`
	Ports    int    `json:"ports" doc:"open host:port pairs"`
	Findings int    `json:"findings"`
}

// PCIStatView is a run's PCI verdict by its findings' current statuses.
type PCIStatView struct {
	Compliant *bool `json:"compliant" doc:"null when the scan has not run"`
	Failing   int   `json:"failing" doc:"findings failing PCI (CVSS ≥ 4.0 unless DoS-only, or automatic failures; not accepted or false positives)"`
}

// DeltaView compares a run with the scan's previous completed or stopped run.
type DeltaView struct {
	PreviousHistoryID *string `json:"previous_history_id" doc:"null when there is none: every finding is new"`
	New               int     `json:"new" doc:"seen by this run, not by the previous one"`
	Fixed             int     `json:"fixed" doc:"seen by the previous run, not by this one"`
	Unchanged         int     `json:"unchanged" doc:"seen by both"`
}

// ScanStatisticsView summarizes one run of a scan.
type ScanStatisticsView struct {
	HistoryID       *string           `json:"history_id" doc:"the run summarized; null when the scan has not run (every count is zero)"`
	HistoryStatus   string            `json:"history_status"`
	HostsTotal      int               `json:"hosts_total" doc:"hosts the run tried (set when it finishes)"`
	HostsUp         int               `json:"hosts_up" doc:"set when the run finishes"`
	Vulnerabilities SeverityCounts    `json:"vulnerabilities" doc:"findings by the severity the run rated them"`
	TopHosts        []TopHostView     `json:"top_hosts" doc:"riskiest hosts first (at most 10)"`
	Ports           []PortStatView    `json:"ports" doc:"most findings first (at most 20)"`
	Services        []ServiceStatView `json:"services" doc:"most findings first"`
	PCI             PCIStatView       `json:"pci"`
	Delta           DeltaView         `json:"delta"`
}

type scanStatisticsEnvelope struct {
	Statistics ScanStatisticsView `json:"statistics"`
}

func (a *API) scanStatistics(c *Ctx, _ *NoBody) (*scanStatisticsEnvelope, error) {
	st, err := a.app.GetScanStatistics(c.Context(), c.Actor, c.Path("id"), c.Query("history_id"))
	if err != nil {
		return nil, err
	}
	v := ScanStatisticsView{HistoryID: historyIDOf(st.Run), Vulnerabilities: severityCounts(st.Severity),
		PCI: PCIStatView{Failing: st.PCIFailing}, Delta: DeltaView{PreviousHistoryID: historyIDOf(st.Previous), New: st.New,
			Fixed: st.Fixed, Unchanged: st.Unchanged}}
	if st.Run != nil {
		v.HistoryStatus, v.HostsTotal, v.HostsUp = st.Run.Status, st.Run.Stats.HostsTotal, st.Run.Stats.HostsUp
		compliant := st.PCICompliant
		v.PCI.Compliant = &compliant
	}
	v.TopHosts = views(st.TopHosts, func(h scan.RunHost) TopHostView {
		t := TopHostView{ID: h.HostID, IP: h.IP, Risk: risk(h.Counts), Vulnerabilities: severityCounts(h.Counts)}
		if len(h.Hostnames) > 0 {
			t.Hostname = h.Hostnames[0]
		}
		return t
	})
	v.Ports = views(st.Ports, func(p scan.PortCount) PortStatView {
		return PortStatView{Port: p.Port, Protocol: p.Protocol, Service: p.Service, Hosts: p.Hosts, Findings: p.Findings}
	})
	v.Services = views(st.Services, func(s app.ServiceCount) ServiceStatView {
		return ServiceStatView{Service: s.Service, Ports: s.Ports, Findings: s.Findings}
	})
	return &scanStatisticsEnvelope{v}, nil
}

// risk weighs counts by severity (scan.SeverityWeight).
func risk(s scan.Stats) int {
	return s.Critical*scan.SeverityWeight("critical") + s.High*scan.SeverityWeight("high") +
		s.Medium*scan.SeverityWeight("medium") + s.Low*scan.SeverityWeight("low") + s.Info*scan.SeverityWeight("info")
}
