package api

import (
	"time"

	"github.com/perimeterhq/perimeter/internal/scan"
)

// ScanView is a scan as the API shows it.
type ScanView struct {
	ID            string       `json:"id"`
	Name          string       `json:"name"`
	Description   string       `json:"description"`
	TargetID      string       `json:"target_id"`
	ScannerID     string       `json:"scanner_id"`
	ScanProfileID string       `json:"scan_profile_id"`
	ScheduleID    *string      `json:"schedule_id"`
	Product       string       `json:"product" enum:"pci,vrms,penetration"`
	Status        string       `json:"status" enum:"new,queued,running,stopping,stopped,completed,failed"`
	Progress      float64      `json:"progress" doc:"0–100, of the latest run"`
	NextRunAt     *time.Time   `json:"next_run_at"`
	LastHistory   *HistoryView `json:"last_history" doc:"the latest run"`
	CreatedAt     time.Time    `json:"created_at"`
	UpdatedAt     time.Time    `json:"updated_at"`
}

func scanView(s scan.Scan) ScanView {
	v := ScanView{ID: s.ID, Name: s.Name, Description: s.Description, TargetID: s.TargetID, ScannerID: s.ScannerID,
		ScanProfileID: s.ScanProfileID, Product: s.Product, Status: s.Status, Progress: s.Progress, NextRunAt: s.NextRunAt,
		CreatedAt: s.CreatedAt, UpdatedAt: s.UpdatedAt}
	if s.ScheduleID != "" {
		id := s.ScheduleID
		v.ScheduleID = &id
	}
	return v
}

// HistoryView is a run of a scan.
type HistoryView struct {
	ID              string         `json:"id"`
	ScanID          string         `json:"scan_id"`
	TargetID        string         `json:"target_id"`
	Status          string         `json:"status" enum:"queued,running,stopping,stopped,completed,failed"`
	Trigger         string         `json:"trigger" enum:"manual,schedule"`
	Attempt         int            `json:"attempt" doc:"more than 1 when the run was retried after its worker died"`
	Progress        float64        `json:"progress"`
	QueuedAt        time.Time      `json:"queued_at"`
	StartedAt       *time.Time     `json:"started_at"`
	FinishedAt      *time.Time     `json:"finished_at"`
	DurationSeconds float64        `json:"duration"`
	HostsTotal      int            `json:"hosts_total"`
	HostsUp         int            `json:"hosts_up"`
	PortsOpen       int            `json:"ports_open"`
	Vulnerabilities SeverityCounts `json:"vulnerabilities"`
	PCICompliant    *bool          `json:"pci_compliant" doc:"null until the run completes"`
	ReportID        *string        `json:"report_id"`
	Error           string         `json:"error,omitempty"`
	Hosts           string         `json:"hosts" doc:"the target's hosts when the run was queued"`
	ExcludeHosts    string         `json:"exclude_hosts"`
	Ports           string         `json:"ports"`
	Profile         string         `json:"profile"`
	Log             []LogLine      `json:"log,omitempty" doc:"scanner log summary (detail view)"`
}

// SeverityCounts counts findings by severity.
type SeverityCounts struct {
	Total    int `json:"total"`
	Critical int `json:"critical"`
	High     int `json:"high"`
	Medium   int `json:"medium"`
	Low      int `json:"low"`
	Info     int `json:"info"`
}

// LogLine is one line of a run's log.
type LogLine struct {
	Time    time.Time `json:"time"`
	Level   string    `json:"level" enum:"info,warn,error"`
	Message string    `json:"message"`
}

func severityCounts(s scan.Stats) SeverityCounts {
	return SeverityCounts{Total: s.Findings, Critical: s.Critical, High: s.High, Medium: s.Medium, Low: s.Low, Info: s.Info}
}

func historyView(r scan.Run) HistoryView {
	v := HistoryView{ID: r.ID, ScanID: r.ScanID, TargetID: r.TargetID, Status: r.Status, Trigger: r.Trigger, Attempt: r.Attempt,
		Progress: r.Progress, QueuedAt: r.QueuedAt, StartedAt: r.StartedAt, FinishedAt: r.FinishedAt,
		DurationSeconds: r.Duration(time.Now()).Seconds(), HostsTotal: r.Stats.HostsTotal, HostsUp: r.Stats.HostsUp,
		PortsOpen: r.Stats.PortsOpen, Vulnerabilities: severityCounts(r.Stats), PCICompliant: r.PCICompliant, Error: r.Error,
		Hosts: r.Hosts, ExcludeHosts: r.ExcludeHosts, Ports: r.Ports, Profile: r.EngineProfile}
	if r.ReportID != "" {
		id := r.ReportID
		v.ReportID = &id
	}
	return v
}

func historyDetail(r scan.Run) HistoryView {
	v := historyView(r)
	v.Log = make([]LogLine, len(r.Log))
	for i, l := range r.Log {
		v.Log[i] = LogLine(l)
	}
	return v
}

type scanList struct {
	Scans      []ScanView `json:"scans"`
	Pagination Pagination `json:"pagination"`
}

type scanEnvelope struct {
	Scan ScanView `json:"scan"`
}

type scanRequest struct {
	Name          *string `json:"name,omitempty"`
	Description   *string `json:"description,omitempty"`
	TargetID      *string `json:"target_id,omitempty"`
	ScanProfileID *string `json:"scan_profile_id,omitempty" doc:"defaults to the product's default profile"`
	ScannerID     *string `json:"scanner_id,omitempty" doc:"defaults to an active built-in scanner of the organization"`
	ScheduleID    *string `json:"schedule_id,omitempty" doc:"\"\" detaches the schedule"`
	Product       *string `json:"product,omitempty" enum:"pci,vrms,penetration" doc:"defaults to the target's product"`
}

func (r scanRequest) update() scan.Update {
	return scan.Update{Name: r.Name, Description: r.Description, TargetID: r.TargetID, ScannerID: r.ScannerID,
		ScanProfileID: r.ScanProfileID, ScheduleID: r.ScheduleID, Product: r.Product}
}

// scanDetail adds the latest run to a scan.
func (a *API) scanDetail(c *Ctx, s scan.Scan) (*scanEnvelope, error) {
	v := scanView(s)
	if s.LastRunID != "" {
		r, err := a.app.GetHistory(c.Context(), c.Actor, s.ID, s.LastRunID)
		if err != nil {
			return nil, err
		}
		h := historyView(r)
		v.LastHistory = &h
	}
	return &scanEnvelope{v}, nil
}

func (a *API) listScansWith(c *Ctx, f scan.Filter) (*scanList, error) {
	ss, total, err := a.app.ListScans(c.Context(), c.Actor, f, c.List)
	if err != nil {
		return nil, err
	}
	return &scanList{Scans: views(ss, scanView), Pagination: pagination(c.List, total)}, nil
}

func (a *API) listScans(c *Ctx, _ *NoBody) (*scanList, error) {
	return a.listScansWith(c, scan.Filter{})
}

func (a *API) upcomingScans(c *Ctx, _ *NoBody) (*scanList, error) {
	if c.Query("sort_by") == "" {
		c.List.Sort, _ = scan.List.Column("next_run_at")
		c.List.Desc = false
	}
	return a.listScansWith(c, scan.Filter{Scheduled: true})
}

func (a *API) runningScans(c *Ctx, _ *NoBody) (*scanList, error) {
	return a.listScansWith(c, scan.Filter{Statuses: []string{scan.StatusQueued, scan.StatusRunning, scan.StatusStopping}})
}

type historyList struct {
	Histories  []HistoryView `json:"histories"`
	Pagination Pagination    `json:"pagination"`
}

type historyEnvelope struct {
	History HistoryView `json:"history"`
}

func (a *API) recentScans(c *Ctx, _ *NoBody) (*historyList, error) {
	rs, total, err := a.app.RecentRuns(c.Context(), c.Actor, c.List)
	if err != nil {
		return nil, err
	}
	return &historyList{Histories: views(rs, historyView), Pagination: pagination(c.List, total)}, nil
}

func (a *API) createScan(c *Ctx, in *scanRequest) (*scanEnvelope, error) {
	s, err := a.app.CreateScan(c.Context(), c.Actor, in.update().Apply(scan.Scan{}))
	if err != nil {
		return nil, err
	}
	return &scanEnvelope{scanView(s)}, nil
}

func (a *API) getScan(c *Ctx, _ *NoBody) (*scanEnvelope, error) {
	s, err := a.app.GetScan(c.Context(), c.Actor, c.Path("id"))
	if err != nil {
		return nil, err
	}
	return a.scanDetail(c, s)
}

func (a *API) updateScan(c *Ctx, in *scanRequest) (*scanEnvelope, error) {
	s, err := a.app.UpdateScan(c.Context(), c.Actor, c.Path("id"), in.update())
	if err != nil {
		return nil, err
	}
	return a.scanDetail(c, s)
}

func (a *API) deleteScan(c *Ctx, _ *NoBody) (*Empty, error) {
	return nil, a.app.DeleteScan(c.Context(), c.Actor, c.Path("id"))
}

func (a *API) deleteScans(c *Ctx, in *BulkDeleteRequest) (*BulkDeleteResponse, error) {
	n, err := a.app.DeleteScans(c.Context(), c.Actor, in.IDs)
	if err != nil {
		return nil, err
	}
	return &BulkDeleteResponse{Deleted: n}, nil
}

func (a *API) startScan(c *Ctx, _ *NoBody) (*historyEnvelope, error) {
	r, err := a.app.StartScan(c.Context(), c.Actor, c.Path("id"))
	if err != nil {
		return nil, err
	}
	return &historyEnvelope{historyView(r)}, nil
}

func (a *API) stopScan(c *Ctx, _ *NoBody) (*historyEnvelope, error) {
	r, err := a.app.StopScan(c.Context(), c.Actor, c.Path("id"))
	if err != nil {
		return nil, err
	}
	return &historyEnvelope{historyView(r)}, nil
}

func (a *API) listHistories(c *Ctx, _ *NoBody) (*historyList, error) {
	rs, total, err := a.app.ListHistories(c.Context(), c.Actor, c.Path("id"), c.List)
	if err != nil {
		return nil, err
	}
	return &historyList{Histories: views(rs, historyView), Pagination: pagination(c.List, total)}, nil
}

func (a *API) getHistory(c *Ctx, _ *NoBody) (*historyEnvelope, error) {
	r, err := a.app.GetHistory(c.Context(), c.Actor, c.Path("id"), c.Path("history_id"))
	if err != nil {
		return nil, err
	}
	return &historyEnvelope{historyDetail(r)}, nil
}
