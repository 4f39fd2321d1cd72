package exposure

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"sort"
	"strconv"
	"strings"

	"github.com/perimeterhq/perimeter/internal/scanner/checks"
)

// maxESBody bounds an Elasticsearch response read.
const maxESBody = 256 << 10

func esGet(ctx context.Context, t checks.Target, path string) (int, []byte, error) {
	scheme := "http"
	if t.Service.TLS || strings.EqualFold(t.Service.Service, "https") {
		scheme = "https"
	}
	host := t.Name()
	if t.Hostname == "" && t.IP.Is6() {
		host = "[" + host + "]"
	}
	host = net.JoinHostPort(strings.Trim(host, "[]"), strconv.Itoa(t.Service.Port))
	addr := t.Addr()
	var d net.Dialer
	c := &http.Client{
		Transport: &http.Transport{
			DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
				return d.DialContext(ctx, network, addr) // never resolve names
			},
			TLSClientConfig:   &tls.Config{InsecureSkipVerify: true}, // certificates are the TLS family's concern
			DisableKeepAlives: true,
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, scheme+"://"+host+path, nil)
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("User-Agent", "Perimeter-Scanner")
	resp, err := c.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxESBody))
	return resp.StatusCode, body, err
}

// evalElasticsearch reads the cluster banner at "/" and the index list;
// both answering 200 without credentials is the finding. A 401/403 means
// security is enabled.
func evalElasticsearch(ctx context.Context, t checks.Target) (string, bool, error) {
	code, body, err := esGet(ctx, t, "/")
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
	code, body, err = esGet(ctx, t, "/_cat/indices?format=json&h=index")
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
