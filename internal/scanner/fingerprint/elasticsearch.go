package fingerprint

import (
	"encoding/json"
	"net/http"
	"strings"
)

// rootDocument is the JSON that Elasticsearch, OpenSearch and CouchDB
// return for GET /.
type rootDocument struct {
	Name        string          `json:"name"`
	ClusterName string          `json:"cluster_name"`
	Tagline     string          `json:"tagline"`
	Version     json.RawMessage `json:"version"` // an object for search engines, a string for CouchDB
	CouchDB     string          `json:"couchdb"`
	Error       struct {
		RootCause []struct {
			Type string `json:"type"`
		} `json:"root_cause"`
	} `json:"error"`
}

// searchVersion is the "version" object of Elasticsearch and OpenSearch.
type searchVersion struct {
	Number       string `json:"number"`
	Distribution string `json:"distribution"`
	BuildFlavor  string `json:"build_flavor"`
}

// jsonServices recognises search engines and databases that answer GET /
// with JSON, turning the generic "http" match into theirs.
func jsonServices(m *Match, resp *http.Response, body []byte) {
	var doc rootDocument
	isJSON := json.Unmarshal(body, &doc) == nil
	var sv searchVersion
	var plainVersion string
	if json.Unmarshal(doc.Version, &sv) != nil {
		_ = json.Unmarshal(doc.Version, &plainVersion)
	}
	elasticHeader := strings.EqualFold(resp.Header.Get("X-Elastic-Product"), "Elasticsearch")
	switch {
	case isJSON && doc.CouchDB != "" && strings.Contains(doc.CouchDB, "Welcome"):
		*m = retarget(*m, "couchdb", "CouchDB", plainVersion)
		m.set("auth", "none")
	case isJSON && sv.Number != "" && (doc.Tagline != "" || sv.BuildFlavor != "") && doc.ClusterName != "":
		product := "Elasticsearch"
		if strings.EqualFold(sv.Distribution, "opensearch") || strings.Contains(doc.Tagline, "OpenSearch") {
			product = "OpenSearch"
		}
		*m = retarget(*m, "elasticsearch", product, sv.Number)
		m.set("elastic_cluster", Printable([]byte(doc.ClusterName)))
		m.set("auth", "none")
	case elasticHeader || (resp.StatusCode == http.StatusUnauthorized && isJSON && len(doc.Error.RootCause) > 0 &&
		doc.Error.RootCause[0].Type == "security_exception"):
		*m = retarget(*m, "elasticsearch", "Elasticsearch", "")
		if resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden {
			m.set("auth", "required")
		}
	}
}

// retarget turns an HTTP match into a match for the application behind it,
// keeping the web server as further software and the HTTP facts.
func retarget(m Match, service, product, version string) Match {
	out := Match{Service: service, Product: product, Banner: m.Banner, Extra: m.Extra}
	out.setVersion(version)
	if m.Product != "" && m.Product != product {
		out.Also = append(out.Also, Software{m.Product, m.Version})
	}
	out.Also = append(out.Also, m.Also...)
	return out
}
