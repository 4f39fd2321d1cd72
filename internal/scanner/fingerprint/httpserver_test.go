package fingerprint

import (
	"slices"
	"strconv"
	"testing"
)

func TestParseServerHeader(t *testing.T) {
	tests := []struct {
		in               string
		product, version string
		also             []Software
		extra            map[string]string
	}{
		{"Apache/2.4.58 (Ubuntu)", "Apache httpd", "2.4.58", nil, map[string]string{"distro": "Ubuntu"}},
		{"Apache/2.4.41 (Ubuntu) OpenSSL/1.1.1f PHP/7.4.3", "Apache httpd", "2.4.41",
			[]Software{{"OpenSSL", "1.1.1f"}, {"PHP", "7.4.3"}}, nil},
		{"Apache/2.4.6 (CentOS) OpenSSL/1.0.2k-fips", "Apache httpd", "2.4.6", []Software{{"OpenSSL", "1.0.2k"}}, map[string]string{"distro": "CentOS"}},
		{"Apache/2.4.57 (Win64)", "Apache httpd", "2.4.57", nil, map[string]string{"os": "Windows"}},
		{"Apache", "Apache httpd", "", nil, nil},
		{"nginx/1.24.0", "nginx", "1.24.0", nil, nil},
		{"nginx", "nginx", "", nil, nil},
		{"Microsoft-IIS/10.0", "Microsoft IIS", "10.0", nil, nil},
		{"lighttpd/1.4.69", "lighttpd", "1.4.69", nil, nil},
		{"Caddy", "Caddy", "", nil, nil},
		{"openresty/1.21.4.1", "OpenResty", "1.21.4.1", nil, nil},
		{"Apache-Coyote/1.1", "Apache Tomcat", "", nil, nil},
		{"Jetty(9.4.51.v20230217)", "Jetty", "9.4.51", nil, map[string]string{"version_suffix": "v20230217"}},
		{"Werkzeug/2.3.7 Python/3.11.4", "Werkzeug", "2.3.7", []Software{{"Python", "3.11.4"}}, nil},
		{"gunicorn", "gunicorn", "", nil, nil},
		{"PHP/8.1.2-1ubuntu2.14", "PHP", "8.1.2", nil, map[string]string{"distro": "1ubuntu2.14"}},
		{"cloudflare", "cloudflare", "", nil, nil},
		{"AmazonS3", "AmazonS3", "", nil, nil},
		{"CouchDB/3.3.3 (Erlang OTP/24)", "CouchDB", "3.3.3", nil, nil},
		{"", "", "", nil, nil},
		{"((((", "", "", nil, nil},
	}
	for _, tt := range tests {
		m := ParseServerHeader(tt.in)
		if m.Product != tt.product || m.Version != tt.version || !slices.Equal(m.Also, tt.also) {
			t.Errorf("ParseServerHeader(%q) = %q %q %v; want %q %q %v", tt.in, m.Product, m.Version, m.Also, tt.product, tt.version, tt.also)
		}
		for k, v := range tt.extra {
			if m.Extra[k] != v {
				t.Errorf("ParseServerHeader(%q): Extra[%q] = %q, want %q", tt.in, k, m.Extra[k], v)
			}
		}
	}
}

func TestParseHTTPResponse(t *testing.T) {
	tests := []struct {
		name, in                  string
		ok                        bool
		service, product, version string
		extra                     map[string]string
	}{
		{"elasticsearch secured",
			withLength("HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic realm=\"security\" charset=\"UTF-8\"\r\ncontent-type: application/json\r\n",
				`{"error":{"root_cause":[{"type":"security_exception","reason":"missing authentication"}]},"status":401}`),
			true, "elasticsearch", "Elasticsearch", "", map[string]string{"auth": "required"}},
		{"opensearch",
			"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n\r\n" +
				`{"name":"n1","cluster_name":"docker-cluster","version":{"distribution":"opensearch","number":"2.11.0","build_type":"tar"},"tagline":"The OpenSearch Project: https://opensearch.org/"}`,
			true, "elasticsearch", "OpenSearch", "2.11.0", map[string]string{"auth": "none", "elastic_cluster": "docker-cluster"}},
		{"couchdb",
			"HTTP/1.1 200 OK\r\nServer: CouchDB/3.3.3 (Erlang OTP/24)\r\n\r\n" + `{"couchdb":"Welcome","version":"3.3.3","git_sha":"40afbcfc7"}`,
			true, "couchdb", "CouchDB", "3.3.3", nil},
		{"chunked with title",
			"HTTP/1.1 200 OK\r\nServer: Microsoft-IIS/10.0\r\nX-Powered-By: ASP.NET\r\nTransfer-Encoding: chunked\r\n\r\n1c\r\n<title> IIS  Windows</title>\r\n0\r\n\r\n",
			true, "http", "Microsoft IIS", "10.0", map[string]string{"http_title": "IIS Windows", "x_powered_by": "ASP.NET"}},
		{"broken headers", "HTTP/1.1 200 OK\r\nbroken header line\r\n\r\n", true, "http", "", "", map[string]string{"http_status": "200"}},
		{"not http", "SSH-2.0-OpenSSH_9.6\r\n", false, "", "", "", nil},
		{"json but no search engine", "HTTP/1.1 200 OK\r\n\r\n{\"version\":{\"number\":\"1\"}}", true, "http", "", "", nil},
	}
	for _, tt := range tests {
		m, ok := parseHTTPResponse([]byte(tt.in))
		if ok != tt.ok || m.Service != tt.service || m.Product != tt.product || m.Version != tt.version {
			t.Errorf("%s: got %v %q %q %q; want %v %q %q %q", tt.name, ok, m.Service, m.Product, m.Version, tt.ok, tt.service, tt.product, tt.version)
		}
		for k, v := range tt.extra {
			if m.Extra[k] != v {
				t.Errorf("%s: Extra[%q] = %q, want %q", tt.name, k, m.Extra[k], v)
			}
		}
	}
}

// withLength completes a response head with the body's Content-Length.
func withLength(head, body string) string {
	return head + "Content-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n" + body
}

func TestHTTPDone(t *testing.T) {
	tests := []struct {
		in   string
		done bool
	}{
		{"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello", true},
		{"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhel", false},
		{"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\n\r\n", true},
		{"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n", false},
		{"HTTP/1.1 204 No Content\r\n\r\n", true},
		{"HTTP/1.0 200 OK\r\n\r\nbody until close", false},
		{"HTTP/1.1 200 OK\r\nContent-Len", false},
	}
	for _, tt := range tests {
		if got := httpDone([]byte(tt.in)); got != tt.done {
			t.Errorf("httpDone(%q) = %v, want %v", tt.in, got, tt.done)
		}
	}
}

func TestHostHeader(t *testing.T) {
	tests := []struct {
		t     Target
		port  int
		isTLS bool
		want  string
	}{
		{Target{IP: loopback}, 80, false, "127.0.0.1"},
		{Target{IP: loopback}, 8080, false, "127.0.0.1:8080"},
		{Target{IP: loopback, Hostname: "www.example.test"}, 443, true, "www.example.test"},
		{Target{IP: loopback, Hostname: "www.example.test"}, 80, true, "www.example.test:80"},
		{Target{IP: mustAddr("::1")}, 8443, true, "[::1]:8443"},
		{Target{IP: mustAddr("::1")}, 80, false, "[::1]"},
	}
	for _, tt := range tests {
		if got := hostHeader(tt.t, tt.port, tt.isTLS); got != tt.want {
			t.Errorf("hostHeader(%v, %d, %v) = %q, want %q", tt.t, tt.port, tt.isTLS, got, tt.want)
		}
	}
}

func TestParseEngineAPIs(t *testing.T) {
	docker := withLength("HTTP/1.1 404 Not Found\r\nApi-Version: 1.43\r\nContent-Type: application/json\r\nDocker-Experimental: false\r\nOstype: linux\r\nServer: Docker/24.0.7 (linux)\r\n", `{"message":"page not found"}`)
	m, ok := parseHTTPResponse([]byte(docker))
	if !ok || m.Service != "docker" || m.Product != "Docker Engine" || m.Version != "24.0.7" || m.Extra["docker_api_version"] != "1.43" || m.Extra["os"] != "linux" {
		t.Errorf("docker: %+v", m)
	}
	podman := withLength("HTTP/1.1 404 Not Found\r\nApi-Version: 1.41\r\nLibpod-Api-Version: 4.3.1\r\nServer: Libpod/4.3.1 (linux)\r\n", `{"cause":"not found"}`)
	if m, ok := parseHTTPResponse([]byte(podman)); !ok || m.Service != "docker" || m.Product != "Podman" || m.Version != "4.3.1" {
		t.Errorf("podman: %+v", m)
	}
	// An Api-Version header alone is not the Engine API.
	other := withLength("HTTP/1.1 200 OK\r\nApi-Version: 2\r\nServer: nginx/1.24.0\r\n", "{}")
	if m, _ := parseHTTPResponse([]byte(other)); m.Service != "http" || m.Product != "nginx" {
		t.Errorf("nginx with Api-Version: %+v", m)
	}

	etcd := withLength("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nDate: Mon, 07 Dec 2026 04:54:32 GMT\r\n", `{"etcdserver":"3.4.23","etcdcluster":"3.4.0"}`)
	m, ok = parseEtcdVersion([]byte(etcd))
	if !ok || m.Service != "etcd" || m.Product != "etcd" || m.Version != "3.4.23" || m.Extra["etcd_cluster_version"] != "3.4.0" {
		t.Errorf("etcd: %v %+v", ok, m)
	}
	for _, bad := range []string{
		withLength("HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\n", "404 page not found\n"),
		withLength("HTTP/1.1 200 OK\r\n", `{"version":"1.2"}`),
		withLength("HTTP/1.1 200 OK\r\n", `{"etcdserver":"<script>"}`),
		"SSH-2.0-OpenSSH_9.6\r\n",
	} {
		if m, ok := parseEtcdVersion([]byte(bad)); ok {
			t.Errorf("parseEtcdVersion(%q) = %+v", bad, m)
		}
	}
}

func TestEtcdProbeOnlyWhereHinted(t *testing.T) {
	has := func(pl plan) (bool, int) {
		for i, p := range pl.steps {
			if p == etcdProbe {
				return true, i
			}
		}
		return false, -1
	}
	if ok, i := has(planTCP(2379, false, "")); !ok || i != 0 {
		t.Errorf("port 2379: etcd probe at %d", i)
	}
	if ok, _ := has(planTCP(2379, true, "")); !ok {
		t.Error("port 2379 in TLS: no etcd probe")
	}
	if ok, _ := has(planTCP(8080, false, "")); ok {
		t.Error("port 8080: etcd probe planned")
	}
}
