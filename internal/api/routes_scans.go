package api

import "github.com/perimeterhq/perimeter/internal/scan"

// scanRoutes registers scans, their runs (histories), start and stop (§2.3).
func (a *API) scanRoutes() {
	Handle(a, Op{Method: "GET", Path: "/v2/scans", Tag: "Scans", List: &scan.List,
		Summary: "List scans"}, a.listScans)
	Handle(a, Op{Method: "POST", Path: "/v2/scans", Tag: "Scans", Status: 201,
		Summary: "Create a scan (target, scanner, profile, optional schedule)"}, a.createScan)
	Handle(a, Op{Method: "DELETE", Path: "/v2/scans", Tag: "Scans",
		Summary: "Delete scans (all or nothing; 409 while one runs)"}, a.deleteScans)
	Handle(a, Op{Method: "GET", Path: "/v2/scans/upcoming", Tag: "Scans", List: &scan.List,
		Summary: "Scheduled scans by next_run_at"}, a.upcomingScans)
	Handle(a, Op{Method: "GET", Path: "/v2/scans/recent", Tag: "Scans", List: &scan.RunList,
		Summary: "Recently finished runs"}, a.recentScans)
	Handle(a, Op{Method: "GET", Path: "/v2/scans/running", Tag: "Scans", List: &scan.List,
		Summary: "Queued and running scans with progress"}, a.runningScans)
	Handle(a, Op{Method: "POST", Path: "/v2/scans/wizard", Tag: "Scans", Status: 201,
		Summary: "Target + scan + optional schedule + optional first run, all or nothing"}, a.scanWizard)
	Handle(a, Op{Method: "GET", Path: "/v2/scans/{id}", Tag: "Scans",
		Summary: "Show a scan with status, progress, last_history and next_run_at"}, a.getScan)
	Handle(a, Op{Method: "PUT", Path: "/v2/scans/{id}", Tag: "Scans",
		Summary: "Update a scan (409 while it runs)"}, a.updateScan)
	Handle(a, Op{Method: "DELETE", Path: "/v2/scans/{id}", Tag: "Scans",
		Summary: "Delete a scan and its runs"}, a.deleteScan)
	Handle(a, Op{Method: "POST", Path: "/v2/scans/{id}/start", Tag: "Scans", Status: 202,
		Summary: "Queue a run (409 if queued or running; 403 over the plan)"}, a.startScan)
	Handle(a, Op{Method: "POST", Path: "/v2/scans/{id}/stop", Tag: "Scans",
		Summary: "Stop the queued or running run; partial results are kept"}, a.stopScan)
	Handle(a, Op{Method: "POST", Path: "/v2/scans/{id}/import", Tag: "Scans", Status: 201,
		Summary: "Import an nmap, Nessus or GVM report into a new run (ours)", Description: scanImportDoc,
		Query: scanImportQuery, RequestBody: scanImportBody}, a.importScanResults)
	Handle(a, Op{Method: "GET", Path: "/v2/scans/{id}/histories", Tag: "Scans", List: &scan.RunList,
		Summary: "Runs of the scan"}, a.listHistories)
	Handle(a, Op{Method: "GET", Path: "/v2/scans/{id}/histories/{history_id}", Tag: "Scans",
		Summary: "One run in detail, with its log"}, a.getHistory)
}

// scanResultRoutes registers what a run found, read side; history_id picks the run (§2.3).
func (a *API) scanResultRoutes() {
	Handle(a, Op{Method: "GET", Path: "/v2/scans/{id}/hosts", Tag: "Scans", List: &scan.RunHostList,
		Summary: "Hosts of the latest run (or history_id): ip, hostnames, os, services, counts by severity",
		Query:   []Param{historyParam}}, a.listScanHosts)
	Handle(a, Op{Method: "GET", Path: "/v2/scans/{id}/hosts/{host_id}", Tag: "Scans",
		Summary: "A host in the latest run (or history_id): services and findings",
		Query:   []Param{historyParam}}, a.getScanHost)
	Handle(a, Op{Method: "GET", Path: "/v2/scans/{id}/vulnerabilities", Tag: "Scans", List: &scan.FindingList,
		Summary: "Findings of the latest run (or history_id)",
		Query:   []Param{historyParam}}, a.listScanVulnerabilities)
	Handle(a, Op{Method: "GET", Path: "/v2/scans/{id}/vulnerabilities/{vulnerability_id}", Tag: "Scans",
		Summary: "A finding as the latest run (or history_id) saw it",
		Query:   []Param{historyParam}}, a.getScanVulnerability)
	Handle(a, Op{Method: "GET", Path: "/v2/scans/{id}/statistics", Tag: "Scans",
		Summary: "Counts by severity, host, port and service; PCI verdict; change since the previous run",
		Query:   []Param{historyParam},
		Description: "Severity counts are as the run rated its findings; the PCI verdict uses the " +
			"findings' current statuses (exceptions apply). The delta compares the findings this run saw " +
			"with those of the scan's previous completed or stopped run."}, a.scanStatistics)
}
