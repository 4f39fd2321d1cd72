package fingerprint

import (
	"encoding/json"
	"net/http"
	"strings"
	"time"
)

// etcdProbe asks an etcd client port for GET /version. etcd answers GET /
// with a bare "404 page not found", which the HTTP probe cannot tell from
// any Go server, so this probe runs only where the port suggests etcd.
var etcdProbe = &probe{
	name:       "etcd",
	ports:      []int{2379},
	tlsPorts:   []int{2379},
	inTLS:      true,
	hintedOnly: true,
	run:        runEtcd,
}

func runEtcd(c *conversation) (Match, bool) {
	req := "GET /version HTTP/1.1\r\nHost: " + hostHeader(c.target, c.port, c.tls) +
		"\r\nUser-Agent: Mozilla/5.0 (compatible; Perimeter service detection)\r\nAccept: application/json\r\nConnection: close\r\n\r\n"
	b, _ := c.roundTrip([]byte(req), readSpec{max: maxHTTPResponse, done: httpDone, idle: 500 * time.Millisecond})
	return parseEtcdVersion(b)
}

// parseEtcdVersion reads etcd's answer to GET /version,
// {"etcdserver":"3.4.23","etcdcluster":"3.4.0"}. Anything else is not etcd
// (a plain HTTP server on the port is left to the HTTP probe).
func parseEtcdVersion(b []byte) (Match, bool) {
	m, ok := parseHTTPResponse(b)
	if !ok || m.Extra["http_status"] != "200" {
		return Match{}, false
	}
	_, body, _ := strings.Cut(string(b), "\r\n\r\n")
	var v struct {
		Server  string `json:"etcdserver"`
		Cluster string `json:"etcdcluster"`
	}
	if json.Unmarshal([]byte(strings.TrimSpace(body)), &v) != nil || v.Server == "" || !versionRe.MatchString(v.Server) {
		return Match{}, false
	}
	out := retarget(m, "etcd", "etcd", v.Server)
	out.set("etcd_cluster_version", Printable([]byte(v.Cluster)))
	return out, true
}

// engineAPI turns an HTTP match into the container engine's when the
// answer carries the Engine API's Api-Version header and the server names
// Docker (or Podman's Libpod, which serves the same API).
func engineAPI(m *Match, resp *http.Response) {
	api := resp.Header.Get("Api-Version")
	if api == "" {
		return
	}
	product := ""
	switch {
	case strings.HasPrefix(m.Product, "Docker"):
		product = "Docker Engine"
	case strings.EqualFold(m.Product, "Libpod"):
		product = "Podman"
	default:
		return
	}
	*m = retarget(*m, "docker", product, m.Version)
	m.set("docker_api_version", Printable([]byte(api)))
	if os := resp.Header.Get("Ostype"); os != "" {
		m.set("os", Printable([]byte(os)))
	}
}
