package exposure

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"

	"github.com/perimeterhq/perimeter/internal/scanner/checks"
)

// evalElasticsearch reads the cluster banner at "/" and the index list;
// both answering 200 without credentials is the finding. A 401/403 means
// security is enabled, also when only the index list refuses: an anonymous
// role that may read the banner but no data is not open access.
func evalElasticsearch(ctx context.Context, t checks.Target) (string, bool, error) {
	code, body, err := apiGet(ctx, t, "/")
	if err != nil {
		return "", false, err
	}
	if code != http.StatusOK {
		return "", false, nil
	}
	var info struct {
		Name        string `json:"name"`
		ClusterName string `json:"cluster_name"`
		Version     struct {
			Number       string `json:"number"`
			Distribution string `json:"distribution"`
		} `json:"version"`
		Tagline string `json:"tagline"`
	}
	if err := json.Unmarshal(body, &info); err != nil || info.ClusterName == "" || info.Version.Number == "" {
		return "", false, fmt.Errorf("not an Elasticsearch banner at /: %q", body[:min(len(body), 200)])
	}
	ev := fmt.Sprintf("GET / -> 200 without credentials: cluster %q, node %q, version %s %s",
		info.ClusterName, info.Name, info.Version.Distribution, info.Version.Number)
	code, body, err = apiGet(ctx, t, "/_cat/indices?format=json&h=index")
	if err == nil && (code == http.StatusUnauthorized || code == http.StatusForbidden) {
		return "", false, nil
	}
	if err == nil && code == http.StatusOK {
		var idx []struct {
			Index string `json:"index"`
		}
		if json.Unmarshal(body, &idx) == nil {
			names := make([]string, 0, len(idx))
			for _, i := range idx {
				names = append(names, i.Index)
			}
			sort.Strings(names)
			ev += fmt.Sprintf("\nGET /_cat/indices -> 200, %d indices: %s", len(names), strings.Join(names[:min(len(names), 20)], ", "))
		}
	}
	return ev, true, nil
}
