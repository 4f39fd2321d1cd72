package api

import (
	"strconv"
	"strings"
	"time"

	"github.com/perimeterhq/perimeter/internal/app"
	"github.com/perimeterhq/perimeter/internal/errs"
	"github.com/perimeterhq/perimeter/internal/scan"
	"github.com/perimeterhq/perimeter/internal/tenant"
)

// VulnerabilityView is a finding as the API lists it: with VulnerabilityTexts,
// the one mapping of the domain finding (scan.Finding) to the CG JSON shape,
// whose names are a compatibility contract (LastRunID is last_history_id,
// PCIStatus is derived). TestVulnerabilityViewCoversFinding fails for a field
// of scan.Finding that neither carries nor lists as kept from clients.
type VulnerabilityView struct {
	ID            string     `json:"id"`
	HostID        string     `json:"host_id"`
	IP            string     `json:"ip"`
	Hostname      string     `json:"hostname"`
	Port          int        `json:"port" doc:"0 for a finding about the host as a whole"`
	Protocol      string     `json:"protocol" enum:"tcp,udp,"`
	Service       string     `json:"service"`
	CheckID       string     `json:"check_id"`
	Title         string     `json:"title"`
	Severity      string     `json:"severity" enum:"critical,high,medium,low,info"`
	CVSSScore     float64    `json:"cvss_score"`
	CVSSVector    string     `json:"cvss_vector"`
	CVEs          []string   `json:"cves"`
	CPE           string     `json:"cpe"`
	Confidence    int        `json:"confidence" doc:"0–100"`
	Status        string     `json:"status" enum:"open,fixed,reopened,accepted,false_positive"`
	PCIStatus     string     `json:"pci_status" enum:"pass,fail" doc:"fail: counts against PCI compliance (CVSS ≥ 4.0 unless it only threatens availability, or an automatic failure; never when accepted or a false positive)"`
	PCIAutoFail   bool       `json:"pci_auto_fail" doc:"fails PCI whatever its score"`
	DoSOnly       bool       `json:"dos_only" doc:"only threatens availability (does not count for PCI)"`
	KEV           bool       `json:"kev" doc:"in CISA's Known Exploited Vulnerabilities catalog"`
	EPSS          float64    `json:"epss" doc:"FIRST EPSS probability of exploitation in the next 30 days, 0–1"`
	FirstSeen     time.Time  `json:"first_seen"`
	LastSeen      time.Time  `json:"last_seen"`
	FixedAt       *time.Time `json:"fixed_at"`
	LastHistoryID string     `json:"last_history_id" doc:"the run that saw it last"`
	ScanID        string     `json:"scan_id" doc:"the scan that saw it last"`
	TargetID      string     `json:"target_id"`
	Product       string     `json:"product" enum:"pci,vrms,penetration"`
}

func vulnerabilityView(f scan.Finding) VulnerabilityView {
	v := VulnerabilityView{ID: f.ID, HostID: f.HostID, IP: f.IP, Hostname: f.Hostname, Port: f.Port, Protocol: f.Protocol,
		Service: f.Service, CheckID: f.CheckID, Title: f.Title, Severity: f.Severity, CVSSScore: f.CVSSScore,
		CVSSVector: f.CVSSVector, CVEs: f.CVEs, CPE: f.CPE, Confidence: f.Confidence, Status: f.Status, PCIStatus: "pass",
		PCIAutoFail: f.PCIAutoFail, DoSOnly: f.DoSOnly, KEV: f.KEV, EPSS: f.EPSS, FirstSeen: f.FirstSeen, LastSeen: f.LastSeen,
		FixedAt: f.FixedAt, LastHistoryID: f.LastRunID, ScanID: f.ScanID, TargetID: f.TargetID, Product: f.Product}
	if f.FailsPCI() {
		v.PCIStatus = "fail"
	}
	if v.CVEs == nil {
		v.CVEs = []string{}
	}
	return v
}

// VulnerabilityTexts are the long texts of a finding's detail.
type VulnerabilityTexts struct {
	Description string   `json:"description"`
	Solution    string   `json:"solution"`
	References  []string `json:"references"`
	Evidence    string   `json:"evidence" doc:"what the scan that saw it last observed"`
}

func vulnerabilityTexts(f scan.Finding) VulnerabilityTexts {
	refs := f.References
	if refs == nil {
		refs = []string{}
	}
	return VulnerabilityTexts{Description: f.Description, Solution: f.Solution, References: refs, Evidence: f.Evidence}
}

// OccurrenceView is one run's sighting of a finding.
type OccurrenceView struct {
	HistoryID     string    `json:"history_id"`
	ScanID        string    `json:"scan_id"`
	HistoryStatus string    `json:"history_status" enum:"queued,running,stopping,stopped,completed,failed"`
	SeenAt        time.Time `json:"seen_at"`
	Severity      string    `json:"severity" doc:"as that run rated it"`
	CVSSScore     float64   `json:"cvss_score" doc:"as that run rated it"`
}

// VulnerabilityDetailView is a finding with its long texts and the runs that saw it.
type VulnerabilityDetailView struct {
	VulnerabilityView
	VulnerabilityTexts
	Occurrences      []OccurrenceView `json:"occurrences" doc:"the runs that saw it, newest first (at most 100)"`
	OccurrencesCount int              `json:"occurrences_count" doc:"how many runs saw it in all"`
}

type vulnerabilityList struct {
	Vulnerabilities []VulnerabilityView `json:"vulnerabilities"`
	Pagination      Pagination          `json:"pagination"`
}

type vulnerabilityEnvelope struct {
	Vulnerability VulnerabilityDetailView `json:"vulnerability"`
}

func (a *API) listVulnerabilities(c *Ctx, _ *NoBody) (*vulnerabilityList, error) {
	fs, total, err := a.app.ListVulnerabilities(c.Context(), c.Actor, c.List)
	if err != nil {
		return nil, err
	}
	return &vulnerabilityList{Vulnerabilities: views(fs, vulnerabilityView), Pagination: pagination(c.List, total)}, nil
}

func (a *API) getVulnerability(c *Ctx, _ *NoBody) (*vulnerabilityEnvelope, error) {
	d, err := a.app.GetVulnerability(c.Context(), c.Actor, c.Path("id"))
	if err != nil {
		return nil, err
	}
	v := VulnerabilityDetailView{VulnerabilityView: vulnerabilityView(d.Finding), VulnerabilityTexts: vulnerabilityTexts(d.Finding),
		OccurrencesCount: d.SeenByRuns}
	v.Occurrences = views(d.Occurrences, func(o scan.Occurrence) OccurrenceView {
		return OccurrenceView{HistoryID: o.RunID, ScanID: o.ScanID, HistoryStatus: o.RunStatus, SeenAt: o.SeenAt,
			Severity: o.Severity, CVSSScore: o.CVSSScore}
	})
	return &vulnerabilityEnvelope{v}, nil
}

// limitParam reads ?limit= (0 when absent); anything but an integer in
// 1…maxN is a 400.
func limitParam(c *Ctx, maxN int) (int, error) {
	s := strings.TrimSpace(c.Query("limit"))
	if s == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > maxN {
		return 0, &errs.Error{Code: errs.Malformed, Message: "Invalid query parameter limit",
			Fields: map[string][]string{"limit": {"'" + s + "' must be an integer between 1 and " + strconv.Itoa(maxN)}}}
	}
	return n, nil
}

// TotalsView counts the organization's findings now and at the start of a period.
type TotalsView struct {
	Open             SeverityCounts `json:"open" doc:"open now (open or reopened), by severity"`
	ByStatus         map[string]int `json:"by_status" doc:"every finding by status: open, reopened, fixed, accepted, false_positive"`
	Period           string         `json:"period"`
	PeriodStart      time.Time      `json:"period_start"`
	OpenAtStart      SeverityCounts `json:"open_at_period_start" doc:"open at period_start: first seen by then and not fixed by then"`
	Change           int            `json:"change" doc:"open now minus open at period_start"`
	ChangePercentage *float64       `json:"change_percentage" doc:"change relative to open at period_start; null when none were open then"`
	AsOf             time.Time      `json:"as_of" doc:"when this was computed: for very large organizations, a value up to one recomputation old while a new one is computed"`
}

type totalsEnvelope struct {
	Totals TotalsView `json:"totals"`
}

func (a *API) vulnerabilityTotals(c *Ctx, _ *NoBody) (*totalsEnvelope, error) {
	t, err := a.app.GetVulnerabilityTotals(c.Context(), c.Actor, strings.TrimSpace(c.Query("period")))
	if err != nil {
		return nil, err
	}
	v := TotalsView{Open: severityCounts(t.Open), ByStatus: t.ByStatus, Period: t.Period, PeriodStart: t.PeriodStart,
		OpenAtStart: severityCounts(t.OpenThen), Change: t.Open.Findings - t.OpenThen.Findings, AsOf: t.AsOf}
	if t.OpenThen.Findings > 0 {
		pct := float64(v.Change) * 100 / float64(t.OpenThen.Findings)
		v.ChangePercentage = &pct
	}
	return &totalsEnvelope{v}, nil
}

// TopVulnerabilityView is one check's open findings across the organization.
type TopVulnerabilityView struct {
	CheckID       string  `json:"check_id"`
	Title         string  `json:"title"`
	Severity      string  `json:"severity" enum:"critical,high,medium,low,info" doc:"the highest among its findings"`
	AffectedHosts int     `json:"affected_hosts"`
	Findings      int     `json:"findings"`
	MaxCVSSScore  float64 `json:"max_cvss_score"`
	Score         int     `json:"score" doc:"affected_hosts × severity weight (critical 10, high 5, medium 2, low 1, info 0)"`
}

type topList struct {
	Vulnerabilities []TopVulnerabilityView `json:"vulnerabilities"`
	AsOf            time.Time              `json:"as_of" doc:"when this was computed: for very large organizations, a value up to one recomputation old while a new one is computed"`
}

func (a *API) topVulnerabilities(c *Ctx, _ *NoBody) (*topList, error) {
	limit, err := limitParam(c, app.TopLimit.Max)
	if err != nil {
		return nil, err
	}
	ts, asOf, err := a.app.TopVulnerabilities(c.Context(), c.Actor, limit)
	if err != nil {
		return nil, err
	}
	return &topList{AsOf: asOf, Vulnerabilities: views(ts, func(t scan.TopFinding) TopVulnerabilityView {
		return TopVulnerabilityView{CheckID: t.CheckID, Title: t.Title, Severity: t.Severity, AffectedHosts: t.AffectedHosts,
			Findings: t.Findings, MaxCVSSScore: t.MaxCVSS, Score: t.Score}
	})}, nil
}

// PCIScanView is a scan's PCI verdict now.
type PCIScanView struct {
	ScanID     string    `json:"scan_id"`
	ScanName   string    `json:"scan_name"`
	Product    string    `json:"product" enum:"pci,vrms,penetration"`
	TargetID   string    `json:"target_id"`
	TargetName string    `json:"target_name"`
	HistoryID  string    `json:"history_id" doc:"the scan's latest completed run"`
	FinishedAt time.Time `json:"finished_at"`
	Failing    int       `json:"failing" doc:"findings of that run failing PCI by their current status"`
	Compliant  bool      `json:"compliant"`
}

// PCITargetView is a target's PCI verdict now.
type PCITargetView struct {
	TargetID   string `json:"target_id"`
	TargetName string `json:"target_name"`
	Scans      int    `json:"scans"`
	Failing    int    `json:"failing"`
	Compliant  bool   `json:"compliant" doc:"the latest completed run of every scan of the target is compliant"`
}

// PCIComplianceView is the organization's PCI compliance now.
type PCIComplianceView struct {
	Compliant              bool                `json:"compliant" doc:"every scan with a completed run is compliant"`
	Scans                  []PCIScanView       `json:"scans"`
	Targets                []PCITargetView     `json:"targets"`
	FailingVulnerabilities []VulnerabilityView `json:"failing_vulnerabilities" doc:"distinct failing findings, highest CVSS first (at most limit)"`
	FailingCount           int                 `json:"failing_count" doc:"distinct failing findings in all"`
	AsOf                   time.Time           `json:"as_of" doc:"when this was computed: for very large organizations, a value up to one recomputation old while a new one is computed"`
}

type pciEnvelope struct {
	PCICompliant PCIComplianceView `json:"pci_compliant"`
}

func (a *API) pciCompliant(c *Ctx, _ *NoBody) (*pciEnvelope, error) {
	limit, err := limitParam(c, app.PCIFailingLimit.Max)
	if err != nil {
		return nil, err
	}
	product := strings.TrimSpace(c.Query("product"))
	if product != "" && !tenant.ValidProduct(product) {
		return nil, &errs.Error{Code: errs.Malformed, Message: "Invalid query parameter product",
			Fields: map[string][]string{"product": {"'" + product + "' is not one of: " + strings.Join(tenant.Products, ", ")}}}
	}
	p, err := a.app.GetPCICompliance(c.Context(), c.Actor, product, limit)
	if err != nil {
		return nil, err
	}
	v := PCIComplianceView{Compliant: p.Compliant, FailingVulnerabilities: views(p.Failing, vulnerabilityView), FailingCount: p.FailingCount,
		AsOf: p.AsOf}
	v.Scans = views(p.Scans, func(s app.PCIScanVerdict) PCIScanView {
		return PCIScanView{ScanID: s.ScanID, ScanName: s.ScanName, Product: s.Product, TargetID: s.TargetID, TargetName: s.TargetName,
			HistoryID: s.RunID, FinishedAt: s.FinishedAt, Failing: s.Failing, Compliant: s.Compliant}
	})
	v.Targets = views(p.Targets, func(t app.PCITargetVerdict) PCITargetView {
		return PCITargetView{TargetID: t.TargetID, TargetName: t.TargetName, Scans: t.Scans, Failing: t.Failing, Compliant: t.Compliant}
	})
	return &pciEnvelope{v}, nil
}
