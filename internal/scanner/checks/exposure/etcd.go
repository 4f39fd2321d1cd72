package exposure

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/perimeterhq/perimeter/internal/scanner/checks"
	"github.com/perimeterhq/perimeter/internal/scanner/result"
)

// etcdApplies: a service named etcd, or the client port 2379 when detection
// named nothing or only HTTP (etcd answers GET / with a bare 404, so a web
// fingerprint cannot tell it apart).
func etcdApplies(svc result.Service) bool {
	if svc.Protocol == result.UDP {
		return false
	}
	switch name := strings.ToLower(svc.Service); name {
	case "etcd", "etcd-client":
		return true
	case "http", "https", "", "unknown":
		return svc.Port == 2379 || strings.EqualFold(svc.Product, "etcd")
	}
	return false
}

// evalEtcd identifies etcd by GET /version and then counts the keys through
// the v3 gateway (POST /v3/kv/range over the whole key space with
// count_only: no key or value is read). Where the v3 gateway is missing it
// lists the v2 root (GET /v2/keys). A count or listing without credentials
// is the finding; "user name is empty" or 401 means auth is enabled. A TLS
// server demanding a client certificate (--client-cert-auth) is protected.
func evalEtcd(ctx context.Context, t checks.Target) (string, bool, error) {
	code, body, err := apiGet(ctx, t, "/version")
	if err != nil {
		if clientCertRequired(err) {
			return "", false, nil
		}
		return "", false, err
	}
	var ver struct {
		Server  string `json:"etcdserver"`
		Cluster string `json:"etcdcluster"`
	}
	if code != http.StatusOK || json.Unmarshal(body, &ver) != nil || ver.Server == "" {
		return "", false, fmt.Errorf("no etcd at /version: status %d, %q", code, body[:min(len(body), 120)])
	}
	ev := fmt.Sprintf("GET /version -> etcd server %s, cluster %s", ver.Server, ver.Cluster)

	// key "\x00" to range_end "\x00": every key (base64 in the gateway's JSON).
	code, body, err = apiRequest(ctx, t, http.MethodPost, "/v3/kv/range", []byte(`{"key":"AA==","range_end":"AA==","count_only":true}`))
	if err != nil {
		return "", false, err
	}
	var rng struct {
		Header *struct {
			ClusterID string `json:"cluster_id"`
			Revision  string `json:"revision"`
		} `json:"header"`
		Count   json.Number `json:"count"`
		Error   string      `json:"error"`
		Message string      `json:"message"`
	}
	if code != http.StatusNotFound {
		if json.Unmarshal(body, &rng) != nil {
			return "", false, fmt.Errorf("etcd /v3/kv/range: status %d, %q", code, body[:min(len(body), 120)])
		}
		if code != http.StatusOK || rng.Header == nil || rng.Error != "" {
			return "", false, nil // "etcdserver: user name is empty" (auth enabled) or another refusal
		}
		count := rng.Count.String()
		if count == "" {
			count = "0"
		}
		ev += fmt.Sprintf("\nPOST /v3/kv/range over all keys (count_only) -> 200 without credentials: key count %s, cluster id %s, revision %s", count, rng.Header.ClusterID, rng.Header.Revision)
		if code, body, err := apiRequest(ctx, t, http.MethodPost, "/v3/auth/status", []byte(`{}`)); err == nil && code == http.StatusOK {
			var st struct {
				Enabled bool `json:"enabled"`
			}
			if json.Unmarshal(body, &st) == nil {
				ev += fmt.Sprintf("\nPOST /v3/auth/status -> enabled: %v", st.Enabled)
			}
		}
		return ev, true, nil
	}
	// No v3 gateway (etcd 2, or 3.x with the gateway off): the v2 API.
	code, body, err = apiGet(ctx, t, "/v2/keys/")
	if err != nil {
		return "", false, err
	}
	var v2 struct {
		Action string `json:"action"`
		Node   struct {
			Nodes []json.RawMessage `json:"nodes"`
		} `json:"node"`
	}
	if code != http.StatusOK || json.Unmarshal(body, &v2) != nil || v2.Action != "get" {
		return "", false, nil // v2 disabled (404) or auth enabled (401)
	}
	ev += fmt.Sprintf("\nGET /v2/keys/ -> 200 without credentials: %d top-level nodes", len(v2.Node.Nodes))
	return ev, true, nil
}
