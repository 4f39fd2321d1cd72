package report

import (
	"math"
	"slices"
)

// JSONSchema returns the schema of the JSON export as an OpenAPI 3.0 schema
// object (type, properties, required, nullable, enum), so the API's OpenAPI
// document can include it. It describes exactly what renderJSON writes:
// every key written is declared, and every key always written is required.
// The result is a fresh map the caller may modify.
func JSONSchema() map[string]any {
	// Constructors rather than shared values: every node is its own map.
	party := func() map[string]any {
		return object(map[string]any{
			"company": str(), "contact": str(), "title": str(), "phone": str(),
			"email": str(), "address": str(), "url": str(),
		})
	}
	counts := func() map[string]any {
		return object(map[string]any{
			"critical": integer(), "high": integer(), "medium": integer(), "low": integer(), "info": integer(), "total": integer(),
		})
	}
	target := nullable(object(map[string]any{"id": str(), "name": str(), "hosts": array(str())}))
	target["description"] = "The scanned target; null for advanced reports, which span targets."
	run := nullable(object(map[string]any{
		"id": str(), "scan_id": str(), "scan_name": str(), "product": str(), "status": str(),
		"started_at": dateTime(), "finished_at": dateTime(),
	}))
	run["description"] = "The scan run; null for advanced reports, which span runs."
	host := object(map[string]any{
		"ip": str(), "hostname": str(), "os": str(), "open_ports": array(str()),
		"counts": counts(), "pci_compliant": boolean(),
	})
	exception := object(map[string]any{
		"id": str(), "type": str(), "status": str(), "check_id": str(), "host": str(), "port": integer(),
		"reason": str(), "expires_at": dateTime(), "findings": integer(),
	})
	trend := object(map[string]any{
		"date": dateTime(), "counts": counts(), "runs": integer(),
		"pci_pass": integer(), "pci_fails": integer(),
	})
	attestation := object(map[string]any{
		"scan_completed_at": dateTime(), "scan_expires_at": dateTime(), "components_scanned": integer(),
		"failing_vulnerabilities": integer(), "components_out_of_scope": integer(),
		"compliance_status": enum("PASS", "FAIL"),
	})
	attestation["description"] = "PCI ASV attestation figures (aosc reports only); the scan expires 90 days after completion."
	finding := object(map[string]any{
		"id": str(), "ip": str(), "hostname": str(), "port": integer(), "protocol": str(), "service": str(),
		"check_id": str(), "title": str(), "severity": enum(severities...), "cvss_score": number(),
		"cvss_vector": str(), "cves": array(str()), "status": str(), "pci_fail": boolean(),
		"pci_auto_fail": boolean(), "kev": boolean(), "epss": number(), "first_seen": dateTime(),
		"last_seen": dateTime(), "target": str(), "scan": str(), "solution": str(), "description": str(),
		"evidence": str(), "references": array(str()),
	})
	types := make([]string, 0, len(Types)+1)
	for _, t := range append(Types, Advanced) {
		types = append(types, string(t))
	}
	report := object(map[string]any{
		"id": str(), "type": enum(types...), "title": str(), "generated_at": dateTime(),
		"organization": party(), "asv": party(),
		"target": target, "run": run, "pci_compliant": boolean(), "pci_failing": integer(),
		"counts": counts(), "hosts": array(host), "exceptions": array(exception),
		"description": str(), "filters": array(str()), "sections": array(str()), "trends": array(trend),
		"attestation": attestation, "findings": array(finding),
	})
	// Keys written only for some types: asv and attestation for aosc;
	// description, filters, sections and trends for advanced.
	report["required"] = []string{"id", "type", "title", "generated_at", "organization", "target", "run",
		"pci_compliant", "pci_failing", "counts", "hosts", "exceptions", "findings"}
	out := object(map[string]any{"report": report})
	out["title"] = "Perimeter report"
	return out
}

// object is a closed object schema whose properties are all required; the
// caller narrows "required" where keys are optional.
func object(props map[string]any) map[string]any {
	req := make([]string, 0, len(props))
	for k := range props {
		req = append(req, k)
	}
	slices.Sort(req)
	return map[string]any{"type": "object", "properties": props, "required": req, "additionalProperties": false}
}

func str() map[string]any     { return map[string]any{"type": "string"} }
func integer() map[string]any { return map[string]any{"type": "integer"} }
func number() map[string]any  { return map[string]any{"type": "number"} }
func boolean() map[string]any { return map[string]any{"type": "boolean"} }
func dateTime() map[string]any {
	return map[string]any{"type": "string", "format": "date-time", "nullable": true}
}

func array(items map[string]any) map[string]any {
	return map[string]any{"type": "array", "items": items}
}

func enum(values ...string) map[string]any {
	vs := make([]any, len(values))
	for i, v := range values {
		vs[i] = v
	}
	return map[string]any{"type": "string", "enum": vs}
}

func nullable(s map[string]any) map[string]any {
	s["nullable"] = true
	return s
}

// finite maps NaN and infinities, which JSON cannot carry, to 0.
func finite(v float64) float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return 0
	}
	return v
}
