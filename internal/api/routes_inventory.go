package api

import "github.com/perimeterhq/perimeter/internal/scanconfig"

// targetRoutes registers host lists to scan (§2.2).
func (a *API) targetRoutes() {
	Handle(a, Op{Method: "GET", Path: "/v2/targets", Tag: "Targets", List: &scanconfig.TargetList,
		Summary: "List targets"}, a.listTargets)
	Handle(a, Op{Method: "POST", Path: "/v2/targets", Tag: "Targets", Status: 201,
		Summary: "Create a target (counts against the plan's max_ips)"}, a.createTarget)
	Handle(a, Op{Method: "POST", Path: "/v2/targets/calculate_hosts", Tag: "Targets",
		Summary: "Count and preview a host list without saving"}, a.calculateHosts)
	Handle(a, Op{Method: "DELETE", Path: "/v2/targets", Tag: "Targets",
		Summary: "Delete targets (all or nothing)"}, a.deleteTargets)
	Handle(a, Op{Method: "GET", Path: "/v2/targets/{id}", Tag: "Targets",
		Summary: "Show a target with its host_count"}, a.getTarget)
	Handle(a, Op{Method: "PUT", Path: "/v2/targets/{id}", Tag: "Targets",
		Summary: "Update a target"}, a.updateTarget)
	Handle(a, Op{Method: "DELETE", Path: "/v2/targets/{id}", Tag: "Targets",
		Summary: "Delete a target"}, a.deleteTarget)
}

// scanProfileRoutes registers the scan profiles an organization may use (§2.3).
func (a *API) scanProfileRoutes() {
	Handle(a, Op{Method: "GET", Path: "/v2/scan_profiles", Tag: "Scan profiles",
		Summary: "Scan profiles visible to the organization",
		List:    &scanconfig.ScanProfileList}, a.listScanProfiles)
	Handle(a, Op{Method: "GET", Path: "/v2/scan_profiles/activated", Tag: "Scan profiles",
		Summary: "Activated scan profiles", List: &scanconfig.ScanProfileList}, a.listActiveScanProfiles)
	Handle(a, Op{Method: "GET", Path: "/v2/scan_profiles/{id}", Tag: "Scan profiles",
		Summary: "Show a scan profile and its settings"}, a.getScanProfile)
}

// scannerRoutes registers scan engines (built-in, agents, nmap, Greenbone) (§2.13).
func (a *API) scannerRoutes() {
	Handle(a, Op{Method: "GET", Path: "/v2/scanners", Tag: "Scanners", List: &scanconfig.ScannerList,
		Summary: "List scanners"}, a.listScanners)
	Handle(a, Op{Method: "POST", Path: "/v2/scanners", Tag: "Scanners", Status: 201,
		Summary: "Create a scanner (agent: the token is returned once)"}, a.createScanner)
	Handle(a, Op{Method: "GET", Path: "/v2/scanners/activated", Tag: "Scanners",
		List: &scanconfig.ScannerList, Summary: "List activated scanners"}, a.listActiveScanners)
	Handle(a, Op{Method: "GET", Path: "/v2/scanners/{id}", Tag: "Scanners",
		Summary: "Show a scanner"}, a.getScanner)
	Handle(a, Op{Method: "PUT", Path: "/v2/scanners/{id}", Tag: "Scanners",
		Summary: "Update a scanner"}, a.updateScanner)
	Handle(a, Op{Method: "DELETE", Path: "/v2/scanners/{id}", Tag: "Scanners",
		Summary: "Delete a scanner"}, a.deleteScanner)
	Handle(a, Op{Method: "POST", Path: "/v2/scanners/{id}/activate", Tag: "Scanners",
		Summary: "Activate a scanner"}, a.activateScanner)
	Handle(a, Op{Method: "POST", Path: "/v2/scanners/{id}/deactivate", Tag: "Scanners",
		Summary: "Deactivate a scanner"}, a.deactivateScanner)
	Handle(a, Op{Method: "PUT", Path: "/v2/scanners/{id}/app_type", Tag: "Scanners",
		Summary: "Change the scanner's engine (agent: a new token is returned once)"}, a.setScannerAppType)
	Handle(a, Op{Method: "POST", Path: "/v2/scanners/{id}/assign", Tag: "Scanners",
		Summary: "Assign the scanner to another organization " +
			"(superadmin, or a partner for its customers)"}, a.assignScanner)
	Handle(a, Op{Method: "POST", Path: "/v2/scanners/{id}/verify", Tag: "Scanners",
		Summary: "Check the engine is reachable and working"}, a.verifyScanner)
}

// portListRoutes registers port lists and their ranges (§2.14).
func (a *API) portListRoutes() {
	Handle(a, Op{Method: "GET", Path: "/v2/port_lists", Tag: "Port lists", List: &scanconfig.PortListListing,
		Summary: "List port lists (the organization's and the built-ins)"}, a.listPortLists)
	Handle(a, Op{Method: "POST", Path: "/v2/port_lists", Tag: "Port lists", Status: 201,
		Summary: "Create a port list (JSON ranges or T:/U: notation; overlaps merged)"}, a.createPortList)
	Handle(a, Op{Method: "GET", Path: "/v2/port_lists/activated", Tag: "Port lists",
		Summary: "List activated port lists", List: &scanconfig.PortListListing}, a.listActivePortLists)
	Handle(a, Op{Method: "POST", Path: "/v2/port_lists/sync", Tag: "Port lists",
		Summary: "Sync port lists with the scanners that " +
			"keep their own (per-scanner result)"}, a.syncPortLists)
	Handle(a, Op{Method: "GET", Path: "/v2/port_lists/{id}", Tag: "Port lists",
		Summary: "Show a port list with its ranges and port_count"}, a.getPortList)
	Handle(a, Op{Method: "PUT", Path: "/v2/port_lists/{id}", Tag: "Port lists",
		Summary: "Update a port list (built-ins are read-only)"}, a.updatePortList)
	Handle(a, Op{Method: "DELETE", Path: "/v2/port_lists/{id}", Tag: "Port lists",
		Summary: "Delete a port list (409 while a target uses it)"}, a.deletePortList)
	Handle(a, Op{Method: "POST", Path: "/v2/port_lists/{id}/port_ranges", Tag: "Port lists", Status: 201,
		Summary: "Add a port range (overlapping and adjacent ranges merge)",
		Description: "Ranges are stored normalized. A range that comes out of a change unchanged keeps its " +
			"id; a range that merges with others, or is cut, is a new range with a new id, and the ids it " +
			"replaced are gone."}, a.addPortRange)
	Handle(a, Op{Method: "DELETE", Path: "/v2/port_lists/{id}/port_ranges/{range_id}", Tag: "Port lists",
		Summary: "Delete a port range (409 for the last one)"}, a.deletePortRange)
	Handle(a, Op{Method: "POST", Path: "/v2/port_lists/{id}/activate", Tag: "Port lists",
		Summary: "Activate a port list"}, a.activatePortList)
	Handle(a, Op{Method: "POST", Path: "/v2/port_lists/{id}/deactivate", Tag: "Port lists",
		Summary: "Deactivate a port list"}, a.deactivatePortList)
	Handle(a, Op{Method: "PUT", Path: "/v2/port_lists/{id}/app_type", Tag: "Port lists",
		Summary: "Set which scanner types may use a port list"}, a.setPortListAppType)
}

// scheduleRoutes registers when scans run (§2.7).
func (a *API) scheduleRoutes() {
	Handle(a, Op{Method: "GET", Path: "/v2/schedules", Tag: "Schedules", List: &scanconfig.ScheduleListing,
		Summary: "List schedules, each with next_run_at"}, a.listSchedules)
	Handle(a, Op{Method: "POST", Path: "/v2/schedules", Tag: "Schedules", Status: 201,
		Summary: "Create a schedule (frequency form or RFC 5545 rrule)",
		Description: "Runs follow the wall clock of timezone. Daily and longer rules run once per matching " +
			"date: a wall time that daylight saving time skips is read with the offset before the gap (RFC " +
			"5545 §3.3.5: 02:30 EST, shown as 03:30 EDT), one that happens twice runs at the first. " +
			"FREQ=HOURLY rrules follow the wall clock and skip the hour that does not exist (RFC 5545 " +
			"§3.3.10). Hourly (frequency form) runs every interval elapsed hours. Monthly on the 31st " +
			"clamps to the last day of shorter months in the frequency form; an rrule skips such months " +
			"(RFC 5545)."}, a.createSchedule)
	Handle(a, Op{Method: "DELETE", Path: "/v2/schedules", Tag: "Schedules",
		Summary: "Delete schedules (all or nothing)"}, a.deleteSchedules)
	Handle(a, Op{Method: "POST", Path: "/v2/schedules/calculate_first_date", Tag: "Schedules",
		Summary: "The first run of a schedule, without saving"}, a.calculateFirstDate)
	Handle(a, Op{Method: "POST", Path: "/v2/schedules/calculate_next_dates", Tag: "Schedules",
		Summary: "The next runs (up to 100) of a schedule, without saving"}, a.calculateNextDates)
	Handle(a, Op{Method: "GET", Path: "/v2/schedules/{id}", Tag: "Schedules",
		Summary: "Show a schedule with next_run_at"}, a.getSchedule)
	Handle(a, Op{Method: "PUT", Path: "/v2/schedules/{id}", Tag: "Schedules",
		Summary: "Update a schedule (recomputes next_run_at)"}, a.updateSchedule)
	Handle(a, Op{Method: "DELETE", Path: "/v2/schedules/{id}", Tag: "Schedules",
		Summary: "Delete a schedule (409 while scans use it unless force=true)",
		Query: []Param{
			{Name: "force", Type: "boolean",
				Doc: "detach the scans that use the schedule instead of refusing"},
		}}, a.deleteSchedule)
}
