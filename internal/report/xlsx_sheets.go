package report

import (
	"strings"

	"github.com/xuri/excelize/v2"
)

// The XLSX sheets other than the findings list.

// summary is the overview sheet: what was scanned, the verdict and the
// counts by severity.
func (x *xlsxDoc) summary() error {
	d := x.d
	return x.sheet("Summary", []float64{30, 60}, nil, func(row func(...any) error) error {
		label := func(s string) excelize.Cell { return excelize.Cell{StyleID: x.st.label, Value: s} }
		rows := [][]any{
			{excelize.Cell{StyleID: x.st.title, Value: d.title()}},
			{label("Prepared by"), d.brand()},
			{label("Organization"), d.Customer.Company},
		}
		if d.Type == Advanced {
			rows = append(rows, []any{label("Description"), x.wrapped(d.Description)},
				[]any{label("Filters"), x.wrapped(strings.Join(d.Filters, "\n"))})
		} else {
			rows = append(rows, []any{label("Target"), d.Target.Name}, []any{label("Scan"), d.Run.ScanName},
				[]any{label("Scan completed"), d.Run.FinishedAt},
				[]any{label("PCI DSS status"), x.verdictCell(d.PCICompliant)},
				[]any{label("Failing PCI DSS"), d.PCIFailing})
		}
		rows = append(rows, []any{label("Generated"), d.GeneratedAt}, []any{label("Report ID"), d.ID},
			[]any{label("Hosts"), len(d.Hosts)}, []any{}, []any{excelize.Cell{StyleID: x.st.bold, Value: "Findings by severity"}})
		for _, s := range severities {
			rows = append(rows, []any{x.severity(s), d.Counts.of(s)})
		}
		rows = append(rows, []any{excelize.Cell{StyleID: x.st.bold, Value: "Total"}, d.Counts.Total()})
		if d.Type == Advanced {
			pass, fail, runs := trendVerdicts(d.Trends)
			rows = append(rows, []any{}, []any{label("Runs in period"), runs}, []any{label("Runs passing PCI"), pass},
				[]any{label("Runs failing PCI"), fail})
		}
		for _, r := range rows {
			if err := row(r...); err != nil {
				return err
			}
		}
		return nil
	}, false)
}

func (x *xlsxDoc) hosts() error {
	header := []string{"IP address", "Hostname", "Operating system", "Open ports", "Critical", "High", "Medium", "Low", "Info", "PCI"}
	return x.sheet("Hosts", []float64{16, 30, 24, 40, 9, 9, 9, 9, 9, 8}, header, func(row func(...any) error) error {
		for _, h := range x.d.Hosts {
			c := h.Counts
			pci := "Fail"
			if h.PCICompliant {
				pci = "Pass"
			}
			if err := row(h.IP, h.Hostname, h.OS, x.wrapped(strings.Join(h.OpenPorts, ", ")),
				c.Critical, c.High, c.Medium, c.Low, c.Info, pci); err != nil {
				return err
			}
		}
		return nil
	}, true)
}

func (x *xlsxDoc) trends() error {
	header := []string{"Period", "Runs", "Critical", "High", "Medium", "Low", "Info", "Total", "PCI pass", "PCI fail"}
	return x.sheet("Trends", []float64{17, 8, 9, 9, 9, 9, 9, 9, 9, 9}, header, func(row func(...any) error) error {
		for _, t := range x.d.Trends {
			c := t.Counts
			if err := row(t.Date, t.Runs, c.Critical, c.High, c.Medium, c.Low, c.Info, c.Total(), t.PCIPass, t.PCIFails); err != nil {
				return err
			}
		}
		return nil
	}, true)
}

// remediation is the advanced report's grouped work list: one row per
// check.
func (x *xlsxDoc) remediation() error {
	items, err := x.d.remediationList()
	if err != nil {
		return err
	}
	header := []string{"Priority", "Severity", "Max CVSS", "Vulnerability", "Check ID", "Findings", "Hosts/ports",
		"Affected", "CVEs", "PCI fail", "Solution"}
	return x.sheet("Remediation", []float64{8, 11, 9, 48, 14, 9, 11, 40, 24, 9, 70}, header, func(row func(...any) error) error {
		for i, it := range items {
			if err := row(i+1, x.severity(it.Severity), finite(it.CVSS), x.wrapped(it.Title), it.CheckID, it.Count,
				len(it.Hosts), x.wrapped(strings.Join(it.Hosts, ", ")), strings.Join(it.CVEs, ", "), yesNo(it.PCIFail),
				x.wrapped(it.Solution)); err != nil {
				return err
			}
		}
		return nil
	}, true)
}

func (x *xlsxDoc) exceptions() error {
	header := []string{"Type", "Status", "Check ID", "Host", "Port", "Reason", "Expires", "Findings"}
	return x.sheet("Exceptions", []float64{22, 12, 14, 18, 7, 60, 17, 9}, header, func(row func(...any) error) error {
		for _, e := range x.d.Exceptions {
			var exp any = "Never"
			if e.ExpiresAt != nil {
				exp = *e.ExpiresAt
			}
			var port any
			if e.Port > 0 {
				port = e.Port
			}
			if err := row(exceptionTypeLabel(cleanLine(e.Type)), statusLabel(cleanLine(e.Status)), e.CheckID, e.Host, port,
				x.wrapped(e.Reason), exp, e.Findings); err != nil {
				return err
			}
		}
		return nil
	}, true)
}
