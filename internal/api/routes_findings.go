package api

import (
	"github.com/perimeterhq/perimeter/internal/ai"
	"github.com/perimeterhq/perimeter/internal/exception"
	"github.com/perimeterhq/perimeter/internal/scan"
)

// exceptionRoutes registers accepted risks and false positives, which change findings and PCI
// verdicts (§2.6).
func (a *API) exceptionRoutes() {
	Handle(a, Op{Method: "GET", Path: "/v2/exceptions", Tag: "Exceptions", List: &exception.List,
		Summary: "List exceptions"}, a.listExceptions)
	Handle(a, Op{Method: "POST", Path: "/v2/exceptions", Tag: "Exceptions", Status: 201,
		Summary: "Propose an exception (pending unless an admin asks to activate it)"}, a.createException)
	Handle(a, Op{Method: "DELETE", Path: "/v2/exceptions", Tag: "Exceptions",
		Summary: "Delete exceptions (all or nothing; covered findings revert)"}, a.deleteExceptions)
	Handle(a, Op{Method: "POST", Path: "/v2/exceptions/activate", Tag: "Exceptions",
		Summary: "Activate exceptions (admin): " +
			"covered findings and PCI verdicts change at once"}, a.activateExceptions)
	Handle(a, Op{Method: "POST", Path: "/v2/exceptions/reset", Tag: "Exceptions",
		Summary: "Put exceptions back to pending (admin; covered findings revert)"}, a.resetExceptions)
	Handle(a, Op{Method: "GET", Path: "/v2/exceptions/statistics", Tag: "Exceptions",
		Summary: "Counts by status and type, findings covered, expiring soon"}, a.exceptionStatistics)
	Handle(a, Op{Method: "GET", Path: "/v2/exceptions/{id}", Tag: "Exceptions",
		Summary: "Show an exception"}, a.getException)
	Handle(a, Op{Method: "GET", Path: "/v2/exceptions/{id}/details", Tag: "Exceptions",
		Summary: "An exception with the findings it covers now"}, a.exceptionDetails)
	Handle(a, Op{Method: "PUT", Path: "/v2/exceptions/{id}", Tag: "Exceptions",
		Summary: "Update an exception (active ones: admin; a new scope applies at once)"}, a.updateException)
	Handle(a, Op{Method: "DELETE", Path: "/v2/exceptions/{id}", Tag: "Exceptions",
		Summary: "Delete an exception (covered findings revert)"}, a.deleteException)
}

// vulnerabilityRoutes registers organization-wide findings, deduplicated by host, port/protocol and
// check, their widgets and the AI assistant (§2.5).
func (a *API) vulnerabilityRoutes() {
	Handle(a, Op{Method: "GET", Path: "/v2/vulnerabilities", Tag: "Vulnerabilities", List: &scan.FindingList,
		Summary: "List findings (default: most severe first, " +
			"then by address and port)"}, a.listVulnerabilities)
	Handle(a, Op{Method: "GET", Path: "/v2/vulnerabilities/widgets/total", Tag: "Vulnerabilities",
		Summary: "Findings by severity and status; open now vs the start of a period",
		Query: []Param{
			{Name: "period", Doc: "how far back the comparison looks: <n><unit>, " +
				"units s m h d M y q (default 30d)"},
		},
		Description: "open_at_period_start counts the findings first seen by then and not fixed by then. " +
			"Only a finding's latest fix is kept, so one fixed and reopened within the period counts as " +
			"open throughout; accepted and false-positive findings are left out of both " +
			"counts."}, a.vulnerabilityTotals)
	Handle(a, Op{Method: "GET", Path: "/v2/vulnerabilities/widgets/top", Tag: "Vulnerabilities",
		Summary: "Top vulnerabilities by affected hosts × severity weight",
		Query:   []Param{{Name: "limit", Type: "integer", Doc: "1–100, default 10"}},
		Description: "Open findings grouped by check. score = affected hosts × the weight of the check's " +
			"highest severity: critical 10, high 5, medium 2, low 1, info 0."}, a.topVulnerabilities)
	Handle(a, Op{Method: "GET", Path: "/v2/vulnerabilities/widgets/pci_compliant", Tag: "Vulnerabilities",
		Summary: "PCI compliance now, per scan and target, with the failing findings",
		Query: []Param{
			{Name: "product", Doc: "only scans of this product (pci, vrms, penetration)"},
			{Name: "limit", Type: "integer", Doc: "failing findings listed: 1–500, default 100"},
		},
		Description: "Per scan: its latest completed run fails when a finding it saw fails PCI by its " +
			"current status — CVSS ≥ 4.0 unless the finding only threatens availability (DoS), or an " +
			"automatic failure whatever its score; accepted and false-positive findings never count. A " +
			"target is compliant when every scan of it is."}, a.pciCompliant)
	Handle(a, Op{Method: "GET", Path: "/v2/vulnerabilities/{id}", Tag: "Vulnerabilities",
		Summary: "A finding with its texts and the runs that saw it"}, a.getVulnerability)
	Handle(a, Op{Method: "POST", Path: "/v2/vulnerabilities/{id}/ai/prompt", Tag: "Vulnerabilities",
		Summary:     "Ask the AI assistant about remediating this finding (JSON, or server-sent events)",
		Description: aiPromptDoc, Stream: aiStreamDoc, Errors: aiPromptErrors}, a.aiPrompt)
	Handle(a, Op{Method: "GET", Path: "/v2/vulnerabilities/{id}/ai/chat_history", Tag: "Vulnerabilities",
		Summary: "My conversation with the AI assistant about this finding, oldest first",
		List:    &ai.HistoryList,
		Description: "Only the caller's own messages about the finding. Bounded: the oldest turns are " +
			"dropped past the token budget (see ai/prompt)."}, a.aiChatHistory)
}

// hostRoutes registers the asset inventory built from scan results (§2.12).
func (a *API) hostRoutes() {
	Handle(a, Op{Method: "GET", Path: "/v2/hosts", Tag: "Hosts", List: &scan.HostList,
		Summary: "List hosts (one per IP), each with its open findings by severity"}, a.listHosts)
	Handle(a, Op{Method: "GET", Path: "/v2/hosts/most_vulnerable", Tag: "Hosts",
		Summary: "Top hosts by open findings weighted by severity",
		Query:   []Param{{Name: "limit", Type: "integer", Doc: "1–100, default 10"}},
		Description: "risk = the host's open (open or reopened) findings weighted by severity: critical " +
			"10, high 5, medium 2, low 1, info 0. Hosts with no weighted finding are left " +
			"out."}, a.mostVulnerableHosts)
	Handle(a, Op{Method: "GET", Path: "/v2/hosts/{id}", Tag: "Hosts",
		Summary: "A host with its services, open findings and scan history"}, a.getHost)
}
