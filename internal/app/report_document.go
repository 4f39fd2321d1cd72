package app

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/perimeterhq/perimeter/internal/exception"
	"github.com/perimeterhq/perimeter/internal/report"
	"github.com/perimeterhq/perimeter/internal/scan"
	"github.com/perimeterhq/perimeter/internal/store"
	"github.com/perimeterhq/perimeter/internal/tenant"
)

// document gathers what a file's renderer needs. Findings are not loaded
// here: the document streams them from the store while it renders.
func (a *App) document(ctx context.Context, f report.File) (*report.Document, error) {
	q := a.store.R()
	org, err := q.OrganizationByID(ctx, f.OrganizationID)
	if err != nil {
		return nil, err
	}
	b, err := brandingOf(ctx, q, org.Path)
	if err != nil {
		return nil, err
	}
	platform, err := q.PlatformOrganization(ctx)
	if err != nil {
		return nil, err
	}
	pb, err := brandingOf(ctx, q, platform.Path)
	if err != nil {
		return nil, err
	}
	d := &report.Document{ID: f.ID, Type: f.Type, GeneratedAt: a.now(), Branding: brandingDoc(b.Effective),
		Customer: party(org, tenant.Whitelabel{}), ASV: party(platform, pb.Effective)}
	if f.AdvancedReportID != "" {
		return d, a.advancedDocument(ctx, q, f, d)
	}
	rep, err := q.FindReport(ctx, f.OrganizationID, f.ReportID)
	if err != nil {
		return nil, err
	}
	return d, a.runDocument(ctx, q, rep, d)
}

func brandingDoc(w tenant.Whitelabel) report.Branding {
	return report.Branding{CompanyName: w.CompanyName, PrimaryColor: w.PrimaryColor, SecondaryColor: w.SecondaryColor,
		SupportEmail: w.SupportEmail, SupportURL: w.SupportURL, FooterText: w.FooterText, Logo: w.Logo, LogoType: w.LogoType}
}

// party describes an organization in an attestation; a brand's company name
// and support contacts win over the organization's own.
func party(o tenant.Organization, w tenant.Whitelabel) report.Party {
	p := report.Party{Company: o.Name, Phone: o.Phone, Email: o.Email, URL: o.Website}
	var addr []string
	for _, s := range []string{o.Address, strings.TrimSpace(o.Zip + " " + o.City), o.State, o.Country} {
		if s = strings.TrimSpace(s); s != "" {
			addr = append(addr, s)
		}
	}
	p.Address = strings.Join(addr, ", ")
	if w.CompanyName != "" {
		p.Company = w.CompanyName
	}
	if w.SupportEmail != "" {
		p.Email = w.SupportEmail
	}
	if w.SupportURL != "" {
		p.URL = w.SupportURL
	}
	return p
}

func (a *App) runDocument(ctx context.Context, q *store.Q, rep report.Report, d *report.Document) error {
	run, err := q.RunByID(ctx, rep.RunID)
	if err != nil {
		return err
	}
	target, err := q.FindTarget(ctx, rep.OrganizationID, rep.TargetID)
	if err != nil {
		return err
	}
	d.Target = report.Target{ID: target.ID, Name: target.Name, Hosts: strings.FieldsFunc(target.Hosts, func(r rune) bool {
		return r == ',' || r == ' ' || r == '\n' || r == '\t' || r == '\r'
	})}
	d.Run = report.Run{ID: run.ID, ScanID: run.ScanID, ScanName: rep.ScanName, Product: rep.Product, Status: run.Status}
	if run.StartedAt != nil {
		d.Run.StartedAt = *run.StartedAt
	}
	if run.FinishedAt != nil {
		d.Run.FinishedAt = *run.FinishedAt
	}
	d.Title = titleOf(d.Type)
	hosts, err := q.RunReportHosts(ctx, rep.OrganizationID, rep.RunID)
	if err != nil {
		return err
	}
	for _, h := range hosts {
		rh := report.Host{IP: h.IP, OS: h.OS, PCICompliant: h.PCIFailing == 0,
			Counts: report.Counts{Critical: h.Counts.Critical, High: h.Counts.High, Medium: h.Counts.Medium, Low: h.Counts.Low, Info: h.Counts.Info}}
		if len(h.Hostnames) > 0 {
			rh.Hostname = h.Hostnames[0]
		}
		for _, s := range h.Services {
			rh.OpenPorts = append(rh.OpenPorts, strings.TrimSpace(fmt.Sprintf("%d/%s %s", s.Port, s.Protocol, s.Service)))
		}
		d.Hosts = append(d.Hosts, rh)
		d.PCIFailing += h.PCIFailing
	}
	st := run.Stats
	d.Counts = report.Counts{Critical: st.Critical, High: st.High, Medium: st.Medium, Low: st.Low, Info: st.Info}
	// The verdict is the run's as decided now (exceptions apply); a stopped
	// run has none, and a report cannot call it compliant.
	d.PCICompliant = run.PCICompliant != nil && *run.PCICompliant
	exs, err := q.RunExceptions(ctx, rep.OrganizationID, rep.RunID)
	if err != nil {
		return err
	}
	d.Exceptions = exceptionDocs(exs)
	orgID, runID := rep.OrganizationID, rep.RunID
	d.Findings = func(fn func(*report.Finding) error) error {
		return a.store.R().StreamRunFindings(ctx, orgID, runID, func(f *scan.Finding) error {
			rf := findingDoc(f)
			rf.TargetName, rf.ScanName = target.Name, rep.ScanName
			return fn(&rf)
		})
	}
	return nil
}

func titleOf(t report.Type) string {
	switch t {
	case report.Executive:
		return "Executive summary"
	case report.Detailed:
		return "Detailed vulnerability report"
	case report.Remediation:
		return "Remediation plan"
	case report.AoSC:
		return "Attestation of Scan Compliance"
	}
	return "Vulnerability report"
}

func findingDoc(f *scan.Finding) report.Finding {
	return report.Finding{ID: f.ID, IP: f.IP, Hostname: f.Hostname, Port: f.Port, Protocol: f.Protocol, Service: f.Service,
		CheckID: f.CheckID, Title: f.Title, Description: f.Description, Solution: f.Solution, Evidence: f.Evidence,
		References: f.References, CVEs: f.CVEs, CVSSScore: f.CVSSScore, CVSSVector: f.CVSSVector, Severity: f.Severity,
		Status: f.Status, PCIFail: f.FailsPCI(), PCIAutoFail: f.PCIAutoFail, KEV: f.KEV, EPSS: f.EPSS,
		FirstSeen: f.FirstSeen, LastSeen: f.LastSeen}
}

func exceptionDocs(es []exception.Exception) []report.Exception {
	out := make([]report.Exception, 0, len(es))
	for _, e := range es {
		re := report.Exception{ID: e.ID, Type: e.Type, Status: e.Status, CheckID: e.CheckID, Host: e.Host, Reason: e.Reason,
			ExpiresAt: e.ExpiresAt, Findings: e.Findings}
		if e.Port != nil {
			re.Port = *e.Port
		}
		out = append(out, re)
	}
	return out
}

// advancedDocument fills the document of an advanced report: findings of the
// whole organization under the definition's filters, hosts aggregated from
// them, and the trend of the matching runs per period.
func (a *App) advancedDocument(ctx context.Context, q *store.Q, f report.File, d *report.Document) error {
	def, err := q.FindDefinition(ctx, f.OrganizationID, f.AdvancedReportID)
	if err != nil {
		return err
	}
	d.Title, d.Description, d.Sections = def.Name, def.Description, def.Sections
	ff := store.FindingFilter{TargetIDs: def.Filters.TargetIDs, ScanIDs: def.Filters.ScanIDs, Severities: def.Filters.Severities,
		Statuses: def.Filters.Statuses, Products: def.Filters.Products}
	ff.From, ff.To = def.Filters.Window(a.now())
	d.Filters = a.describeFilters(ctx, q, f.OrganizationID, def.Filters, ff)

	// One pass over the findings for the summary and the hosts; the
	// renderer streams them again for the finding sections.
	hosts := map[string]*report.Host{}
	var order []string
	err = q.StreamFindings(ctx, f.OrganizationID, ff, func(fd *scan.Finding, _, _ string) error {
		d.Counts.Add(fd.Severity)
		fails := fd.FailsPCI()
		if fails {
			d.PCIFailing++
		}
		h, ok := hosts[fd.IP]
		if !ok {
			h = &report.Host{IP: fd.IP, Hostname: fd.Hostname, PCICompliant: true}
			hosts[fd.IP] = h
			order = append(order, fd.IP)
		}
		h.Counts.Add(fd.Severity)
		h.PCICompliant = h.PCICompliant && !fails
		if fd.Port != 0 {
			p := fmt.Sprintf("%d/%s %s", fd.Port, fd.Protocol, fd.Service)
			if !slices.Contains(h.OpenPorts, p) {
				h.OpenPorts = append(h.OpenPorts, p)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	slices.Sort(order)
	for _, ip := range order {
		d.Hosts = append(d.Hosts, *hosts[ip])
	}
	d.PCICompliant = d.PCIFailing == 0
	runs, err := q.TrendRuns(ctx, f.OrganizationID, ff)
	if err != nil {
		return err
	}
	d.Trends = trendPoints(runs)
	exs, err := q.OrgExceptions(ctx, f.OrganizationID, 500)
	if err != nil {
		return err
	}
	d.Exceptions = exceptionDocs(exs)
	orgID := f.OrganizationID
	d.Findings = func(fn func(*report.Finding) error) error {
		return a.store.R().StreamFindings(ctx, orgID, ff, func(fd *scan.Finding, target, scanName string) error {
			rf := findingDoc(fd)
			rf.TargetName, rf.ScanName = target, scanName
			return fn(&rf)
		})
	}
	return nil
}

// trendPoints buckets runs per day, or per week when they span more than 60
// days, so a chart has a readable number of points.
func trendPoints(runs []store.TrendRun) []report.TrendPoint {
	if len(runs) == 0 {
		return nil
	}
	week := runs[len(runs)-1].FinishedAt.Sub(runs[0].FinishedAt) > 60*24*time.Hour
	var out []report.TrendPoint
	for _, r := range runs {
		day := r.FinishedAt.UTC().Truncate(24 * time.Hour)
		if week {
			day = day.AddDate(0, 0, -int((day.Weekday()+6)%7)) // Monday
		}
		if len(out) == 0 || !out[len(out)-1].Date.Equal(day) {
			out = append(out, report.TrendPoint{Date: day})
		}
		p := &out[len(out)-1]
		p.Runs++
		p.Counts.Critical += r.Counts.Critical
		p.Counts.High += r.Counts.High
		p.Counts.Medium += r.Counts.Medium
		p.Counts.Low += r.Counts.Low
		p.Counts.Info += r.Counts.Info
		if r.PCICompliant != nil && *r.PCICompliant {
			p.PCIPass++
		} else {
			p.PCIFails++
		}
	}
	return out
}

// describeFilters says in words what an advanced report covers.
func (a *App) describeFilters(ctx context.Context, q *store.Q, orgID string, f report.Filters, ff store.FindingFilter) []string {
	var out []string
	names := func(label, table string, ids []string) {
		if len(ids) == 0 {
			return
		}
		var ns []string
		for _, id := range ids {
			switch table {
			case "targets":
				if t, err := q.FindTarget(ctx, orgID, id); err == nil {
					ns = append(ns, t.Name)
				}
			case "scans":
				if s, err := q.FindScan(ctx, orgID, id); err == nil {
					ns = append(ns, s.Name)
				}
			}
		}
		out = append(out, label+": "+strings.Join(ns, ", "))
	}
	names("Targets", "targets", f.TargetIDs)
	names("Scans", "scans", f.ScanIDs)
	for _, l := range []struct {
		label string
		vals  []string
	}{{"Severities", f.Severities}, {"Statuses", f.Statuses}, {"Products", f.Products}} {
		if len(l.vals) > 0 {
			out = append(out, l.label+": "+strings.Join(l.vals, ", "))
		}
	}
	switch {
	case ff.From != nil && ff.To != nil:
		out = append(out, "Last seen: "+ff.From.Format("2006-01-02")+" to "+ff.To.Format("2006-01-02"))
	case ff.From != nil:
		out = append(out, "Last seen since "+ff.From.Format("2006-01-02"))
	case ff.To != nil:
		out = append(out, "Last seen until "+ff.To.Format("2006-01-02"))
	}
	if len(out) == 0 {
		out = append(out, "All findings of the organization")
	}
	return out
}
