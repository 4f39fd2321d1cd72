package api

// The vulnerability list writes its own JSON (see jsonAppender): it is the
// most requested list, 25–100 findings of 29 fields per page.

func (l *vulnerabilityList) appendJSON(b []byte) []byte {
	o := openObject(b)
	o.key("vulnerabilities")
	if l.Vulnerabilities == nil {
		o.b = append(o.b, "null"...)
	} else {
		o.b = append(o.b, '[')
		for i := range l.Vulnerabilities {
			if i > 0 {
				o.b = append(o.b, ',')
			}
			o.b = l.Vulnerabilities[i].appendJSON(o.b)
		}
		o.b = append(o.b, ']')
	}
	o.key("pagination")
	o.b = l.Pagination.appendJSON(o.b)
	return o.close()
}

func (p Pagination) appendJSON(b []byte) []byte {
	o := openObject(b)
	o.int("total_count", p.TotalCount)
	o.int("total_pages", p.TotalPages)
	o.int("current_page", p.CurrentPage)
	o.int("per_page", p.PerPage)
	return o.close()
}

func (v *VulnerabilityView) appendJSON(b []byte) []byte {
	o := openObject(b)
	o.str("id", v.ID)
	o.str("host_id", v.HostID)
	o.str("ip", v.IP)
	o.str("hostname", v.Hostname)
	o.int("port", v.Port)
	o.str("protocol", v.Protocol)
	o.str("service", v.Service)
	o.str("check_id", v.CheckID)
	o.str("title", v.Title)
	o.str("severity", v.Severity)
	o.float("cvss_score", v.CVSSScore)
	o.str("cvss_vector", v.CVSSVector)
	o.strings("cves", v.CVEs)
	o.str("cpe", v.CPE)
	o.int("confidence", v.Confidence)
	o.str("status", v.Status)
	o.str("pci_status", v.PCIStatus)
	o.bool("pci_auto_fail", v.PCIAutoFail)
	o.bool("dos_only", v.DoSOnly)
	o.bool("kev", v.KEV)
	o.float("epss", v.EPSS)
	o.time("first_seen", v.FirstSeen)
	o.time("last_seen", v.LastSeen)
	o.timePtr("fixed_at", v.FixedAt)
	o.str("last_history_id", v.LastHistoryID)
	o.str("scan_id", v.ScanID)
	o.str("target_id", v.TargetID)
	o.str("product", v.Product)
	return o.close()
}
