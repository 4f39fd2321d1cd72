package report

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"time"
)

// The JSON export: {"report": {...}} with snake_case keys, written as a
// stream. The envelope's small parts are marshalled one by one and the
// findings encoded one at a time, last, so memory stays flat. JSONSchema
// describes exactly this output.

// jsonTime is a UTC RFC 3339 timestamp, null when zero.
type jsonTime time.Time

func (t jsonTime) MarshalJSON() ([]byte, error) {
	tt := time.Time(t)
	if tt.IsZero() {
		return []byte("null"), nil
	}
	return json.Marshal(tt.UTC().Format(time.RFC3339))
}

type jsonParty struct {
	Company string `json:"company"`
	Contact string `json:"contact"`
	Title   string `json:"title"`
	Phone   string `json:"phone"`
	Email   string `json:"email"`
	Address string `json:"address"`
	URL     string `json:"url"`
}

type jsonTarget struct {
	ID    string   `json:"id"`
	Name  string   `json:"name"`
	Hosts []string `json:"hosts"`
}

type jsonRun struct {
	ID         string   `json:"id"`
	ScanID     string   `json:"scan_id"`
	ScanName   string   `json:"scan_name"`
	Product    string   `json:"product"`
	Status     string   `json:"status"`
	StartedAt  jsonTime `json:"started_at"`
	FinishedAt jsonTime `json:"finished_at"`
}

type jsonCounts struct {
	Critical int `json:"critical"`
	High     int `json:"high"`
	Medium   int `json:"medium"`
	Low      int `json:"low"`
	Info     int `json:"info"`
	Total    int `json:"total"`
}

type jsonHost struct {
	IP           string     `json:"ip"`
	Hostname     string     `json:"hostname"`
	OS           string     `json:"os"`
	OpenPorts    []string   `json:"open_ports"`
	Counts       jsonCounts `json:"counts"`
	PCICompliant bool       `json:"pci_compliant"`
}

type jsonException struct {
	ID        string    `json:"id"`
	Type      string    `json:"type"`
	Status    string    `json:"status"`
	CheckID   string    `json:"check_id"`
	Host      string    `json:"host"`
	Port      int       `json:"port"`
	Reason    string    `json:"reason"`
	ExpiresAt *jsonTime `json:"expires_at"`
	Findings  int       `json:"findings"`
}

type jsonTrend struct {
	Date     jsonTime   `json:"date"`
	Counts   jsonCounts `json:"counts"`
	Runs     int        `json:"runs"`
	PCIPass  int        `json:"pci_pass"`
	PCIFails int        `json:"pci_fails"`
}

type jsonAttestation struct {
	ScanCompletedAt        jsonTime `json:"scan_completed_at"`
	ScanExpiresAt          jsonTime `json:"scan_expires_at"`
	ComponentsScanned      int      `json:"components_scanned"`
	FailingVulnerabilities int      `json:"failing_vulnerabilities"`
	ComponentsOutOfScope   int      `json:"components_out_of_scope"`
	ComplianceStatus       string   `json:"compliance_status"`
}

type jsonFinding struct {
	ID          string   `json:"id"`
	IP          string   `json:"ip"`
	Hostname    string   `json:"hostname"`
	Port        int      `json:"port"`
	Protocol    string   `json:"protocol"`
	Service     string   `json:"service"`
	CheckID     string   `json:"check_id"`
	Title       string   `json:"title"`
	Severity    string   `json:"severity"`
	CVSSScore   float64  `json:"cvss_score"`
	CVSSVector  string   `json:"cvss_vector"`
	CVEs        []string `json:"cves"`
	Status      string   `json:"status"`
	PCIFail     bool     `json:"pci_fail"`
	PCIAutoFail bool     `json:"pci_auto_fail"`
	KEV         bool     `json:"kev"`
	EPSS        float64  `json:"epss"`
	FirstSeen   jsonTime `json:"first_seen"`
	LastSeen    jsonTime `json:"last_seen"`
	Target      string   `json:"target"`
	Scan        string   `json:"scan"`
	Solution    string   `json:"solution"`
	Description string   `json:"description"`
	Evidence    string   `json:"evidence"`
	References  []string `json:"references"`
}

func countsJSON(c Counts) jsonCounts {
	return jsonCounts{c.Critical, c.High, c.Medium, c.Low, c.Info, c.Total()}
}

func partyJSON(p Party) jsonParty {
	return jsonParty{p.Company, p.Contact, p.Title, p.Phone, p.Email, p.Address, p.URL}
}

// strs keeps empty lists as [] rather than null, as the schema says.
func strs(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// jsonFields are the envelope's members before "findings", in output order.
func jsonFields(d *Document) []jsonField {
	fs := []jsonField{
		{"id", d.ID}, {"type", string(d.Type)}, {"title", d.title()}, {"generated_at", jsonTime(d.GeneratedAt)},
		{"organization", partyJSON(d.Customer)},
	}
	if d.Type == AoSC {
		fs = append(fs, jsonField{"asv", partyJSON(d.ASV)})
	}
	var target, run any // null for advanced reports, which span targets and runs
	if d.Type != Advanced {
		target = jsonTarget{d.Target.ID, d.Target.Name, strs(d.Target.Hosts)}
		r := d.Run
		run = jsonRun{r.ID, r.ScanID, r.ScanName, r.Product, r.Status, jsonTime(r.StartedAt), jsonTime(r.FinishedAt)}
	}
	hosts := make([]jsonHost, 0, len(d.Hosts))
	for _, h := range d.Hosts {
		hosts = append(hosts, jsonHost{h.IP, h.Hostname, h.OS, strs(h.OpenPorts), countsJSON(h.Counts), h.PCICompliant})
	}
	exc := make([]jsonException, 0, len(d.Exceptions))
	for _, e := range d.Exceptions {
		var exp *jsonTime
		if e.ExpiresAt != nil {
			t := jsonTime(*e.ExpiresAt)
			exp = &t
		}
		exc = append(exc, jsonException{e.ID, e.Type, e.Status, e.CheckID, e.Host, e.Port, e.Reason, exp, e.Findings})
	}
	fs = append(fs, jsonField{"target", target}, jsonField{"run", run},
		jsonField{"pci_compliant", d.PCICompliant}, jsonField{"pci_failing", d.PCIFailing},
		jsonField{"counts", countsJSON(d.Counts)}, jsonField{"hosts", hosts}, jsonField{"exceptions", exc})
	if d.Type == Advanced {
		tr := make([]jsonTrend, 0, len(d.Trends))
		for _, t := range d.Trends {
			tr = append(tr, jsonTrend{jsonTime(t.Date), countsJSON(t.Counts), t.Runs, t.PCIPass, t.PCIFails})
		}
		fs = append(fs, jsonField{"description", d.Description}, jsonField{"filters", strs(d.Filters)},
			jsonField{"sections", strs(d.Sections)}, jsonField{"trends", tr})
	}
	if d.Type == AoSC {
		fs = append(fs, jsonField{"attestation", jsonAttestation{jsonTime(d.Run.FinishedAt), jsonTime(d.scanExpires()),
			len(d.Hosts), d.PCIFailing, 0, verdict(d.PCICompliant)}})
	}
	return fs
}

type jsonField struct {
	key   string
	value any
}

func renderJSON(w io.Writer, d *Document) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	bw.WriteString(`{"report":{`)
	for _, f := range jsonFields(d) {
		b, err := json.Marshal(f.value)
		if err != nil {
			return fmt.Errorf("report: json %s: %w", f.key, err)
		}
		bw.WriteString(`"` + f.key + `":`)
		bw.Write(b)
		bw.WriteByte(',')
	}
	bw.WriteString(`"findings":[`)
	enc := json.NewEncoder(bw)
	n := 0
	err := d.walk(func(f *Finding) error {
		if n > 0 {
			bw.WriteByte(',')
		}
		n++
		return enc.Encode(jsonFinding{f.ID, f.IP, f.Hostname, f.Port, f.Protocol, f.Service, f.CheckID, f.Title,
			f.Severity, finite(f.CVSSScore), f.CVSSVector, strs(f.CVEs), f.Status, f.PCIFail, f.PCIAutoFail, f.KEV, finite(f.EPSS),
			jsonTime(f.FirstSeen), jsonTime(f.LastSeen), f.TargetName, f.ScanName, f.Solution, f.Description,
			f.Evidence, strs(f.References)})
	})
	if err != nil {
		return err
	}
	bw.WriteString("]}}\n")
	return bw.Flush()
}
