package report

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"
)

// checkSchema validates v against the subset of OpenAPI schema JSONSchema
// uses: type, nullable, enum, required, properties, additionalProperties
// false and items. It returns every violation with its path.
func checkSchema(path string, s map[string]any, v any) []string {
	if v == nil {
		if s["nullable"] == true {
			return nil
		}
		return []string{path + ": null where not nullable"}
	}
	var errs []string
	switch s["type"] {
	case "object":
		obj, ok := v.(map[string]any)
		if !ok {
			return []string{fmt.Sprintf("%s: %T, want object", path, v)}
		}
		props, _ := s["properties"].(map[string]any)
		req, _ := s["required"].([]string)
		for _, k := range req {
			if _, ok := obj[k]; !ok {
				errs = append(errs, path+": missing required "+k)
			}
		}
		keys := make([]string, 0, len(obj))
		for k := range obj {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			ps, ok := props[k].(map[string]any)
			if !ok {
				errs = append(errs, path+": undeclared key "+k)
				continue
			}
			errs = append(errs, checkSchema(path+"."+k, ps, obj[k])...)
		}
	case "array":
		arr, ok := v.([]any)
		if !ok {
			return []string{fmt.Sprintf("%s: %T, want array", path, v)}
		}
		for i, e := range arr {
			errs = append(errs, checkSchema(fmt.Sprintf("%s[%d]", path, i), s["items"].(map[string]any), e)...)
		}
	case "string":
		str, ok := v.(string)
		if !ok {
			return []string{fmt.Sprintf("%s: %T, want string", path, v)}
		}
		if enum, ok := s["enum"].([]any); ok && !slices.Contains(enum, any(str)) {
			errs = append(errs, fmt.Sprintf("%s: %q not in %v", path, str, enum))
		}
	case "integer":
		n, ok := v.(float64)
		if !ok || n != float64(int64(n)) {
			errs = append(errs, fmt.Sprintf("%s: %v, want integer", path, v))
		}
	case "number":
		if _, ok := v.(float64); !ok {
			errs = append(errs, fmt.Sprintf("%s: %T, want number", path, v))
		}
	case "boolean":
		if _, ok := v.(bool); !ok {
			errs = append(errs, fmt.Sprintf("%s: %T, want boolean", path, v))
		}
	default:
		errs = append(errs, fmt.Sprintf("%s: schema without a known type: %v", path, s["type"]))
	}
	return errs
}

func TestJSONMatchesSchema(t *testing.T) {
	schema := JSONSchema()
	if _, err := json.Marshal(schema); err != nil {
		t.Fatalf("schema does not marshal: %v", err)
	}
	for _, typ := range append(Types, Advanced) {
		for _, n := range []int{0, 40} {
			d := sampleDoc(t, typ, n, 6)
			out := renderString(t, d, JSON)
			var v any
			if err := json.Unmarshal([]byte(out), &v); err != nil {
				t.Fatalf("%s: invalid JSON: %v", typ, err)
			}
			if errs := checkSchema("$", schema, v); len(errs) > 0 {
				t.Errorf("%s (%d findings) does not match the schema:\n%s", typ, n, strings.Join(errs, "\n"))
			}
			rep := v.(map[string]any)["report"].(map[string]any)
			if got := len(rep["findings"].([]any)); got != n {
				t.Errorf("%s: %d findings, want %d", typ, got, n)
			}
			_, hasAtt := rep["attestation"]
			_, hasTrends := rep["trends"]
			if hasAtt != (typ == AoSC) || hasTrends != (typ == Advanced) {
				t.Errorf("%s: attestation %v trends %v", typ, hasAtt, hasTrends)
			}
		}
	}
}

func TestJSONContent(t *testing.T) {
	d := sampleDoc(t, AoSC, 40, 6)
	var v struct {
		Report struct {
			Type         string `json:"type"`
			PCICompliant bool   `json:"pci_compliant"`
			PCIFailing   int    `json:"pci_failing"`
			Counts       struct {
				Total, Critical int
			} `json:"counts"`
			Organization struct {
				Company string `json:"company"`
			} `json:"organization"`
			ASV struct {
				Company string `json:"company"`
			} `json:"asv"`
			Attestation struct {
				ScanExpiresAt     string `json:"scan_expires_at"`
				ComponentsScanned int    `json:"components_scanned"`
				Failing           int    `json:"failing_vulnerabilities"`
				Status            string `json:"compliance_status"`
			} `json:"attestation"`
			Findings []struct {
				Title    string   `json:"title"`
				Evidence string   `json:"evidence"`
				CVEs     []string `json:"cves"`
			} `json:"findings"`
		} `json:"report"`
	}
	if err := json.Unmarshal([]byte(renderString(t, d, JSON)), &v); err != nil {
		t.Fatal(err)
	}
	r := v.Report
	if r.Type != "aosc" || r.PCICompliant || r.PCIFailing != d.PCIFailing || r.Counts.Total != 40 {
		t.Errorf("envelope: %+v", r)
	}
	if r.Organization.Company != "Example Shop Ltd" || r.ASV.Company != "Acme Security GmbH" {
		t.Errorf("parties: %q %q", r.Organization.Company, r.ASV.Company)
	}
	a := r.Attestation
	if a.ScanExpiresAt != sampleExpires+"T10:30:00Z" || a.ComponentsScanned != 6 || a.Failing != d.PCIFailing || a.Status != "FAIL" {
		t.Errorf("attestation: %+v", a)
	}
	if r.Findings[0].Title != utf8Title || r.Findings[1].Title != scriptTitle {
		t.Errorf("titles: %q %q", r.Findings[0].Title, r.Findings[1].Title)
	}
	if !strings.HasSuffix(r.Findings[1].Evidence, "END-OF-EVIDENCE") {
		t.Error("JSON evidence is not complete")
	}
}

// TestCheckSchemaCatches makes sure the checker above can fail.
func TestCheckSchemaCatches(t *testing.T) {
	s := JSONSchema()
	for _, doc := range []string{
		`{}`,
		`{"report": {"id": 1}}`,
		`{"report": null}`,
		`{"extra": 1, "report": {}}`,
	} {
		var v any
		_ = json.Unmarshal([]byte(doc), &v)
		if len(checkSchema("$", s, v)) == 0 {
			t.Errorf("%s passed the schema", doc)
		}
	}
}
