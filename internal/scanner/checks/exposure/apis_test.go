package exposure

import (
	"context"
	"crypto/tls"
	"encoding/binary"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/perimeterhq/perimeter/internal/scanner/checks"
	"github.com/perimeterhq/perimeter/internal/scanner/result"
)

// apiServer serves h on loopback (over TLS demanding a client certificate
// when clientCerts) and returns a target labelled service.
func apiServer(t *testing.T, service string, clientCerts bool, h http.HandlerFunc) checks.Target {
	t.Helper()
	srv := httptest.NewUnstartedServer(h)
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	if clientCerts {
		srv.TLS = &tls.Config{ClientAuth: tls.RequireAnyClientCert}
		srv.StartTLS()
	} else {
		srv.Start()
	}
	t.Cleanup(srv.Close)
	u, _ := url.Parse(srv.URL)
	port, _ := strconv.Atoi(u.Port())
	return checks.Target{IP: netip.MustParseAddr("127.0.0.1"), Service: result.Service{Port: port, Protocol: "tcp", Service: service, TLS: clientCerts}}
}

// fakeEtcd answers like etcd 3.4's client port: v3 gateway on unless v2only,
// role-based auth when auth.
func fakeEtcd(auth, v2only bool, bodies *[]string, mu *sync.Mutex) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		*bodies = append(*bodies, r.Method+" "+r.URL.Path+" "+string(b))
		mu.Unlock()
		switch {
		case r.URL.Path == "/version":
			io.WriteString(w, `{"etcdserver":"3.4.23","etcdcluster":"3.4.0"}`)
		case r.URL.Path == "/v3/kv/range" && r.Method == http.MethodPost && !v2only:
			if auth {
				w.WriteHeader(http.StatusBadRequest)
				io.WriteString(w, `{"error":"etcdserver: user name is empty","code":3,"message":"etcdserver: user name is empty"}`)
				return
			}
			io.WriteString(w, `{"header":{"cluster_id":"14841639068965178418","member_id":"10276657743932975437","revision":"7","raft_term":"2"},"count":"5"}`)
		case r.URL.Path == "/v3/auth/status" && !v2only:
			io.WriteString(w, `{"header":{"cluster_id":"14841639068965178418"},"enabled":false,"authRevision":"1"}`)
		case r.URL.Path == "/v2/keys/" && v2only:
			if auth {
				w.WriteHeader(http.StatusUnauthorized)
				io.WriteString(w, `{"errorCode":110,"message":"The request requires user authentication","cause":"Insufficient credentials"}`)
				return
			}
			io.WriteString(w, `{"action":"get","node":{"dir":true,"nodes":[{"key":"/registry","dir":true},{"key":"/app","value":"x"}]}}`)
		default:
			http.NotFound(w, r)
		}
	}
}

func TestEtcd(t *testing.T) {
	var mu sync.Mutex
	var bodies []string
	fs := run(t, "exposure.etcd.unauthenticated", apiServer(t, "etcd", false, fakeEtcd(false, false, &bodies, &mu)))
	if len(fs) != 1 || fs[0].Severity != "critical" || !fs[0].PCIAutoFail {
		t.Fatalf("positive: %+v", fs)
	}
	for _, s := range []string{"etcd server 3.4.23", "key count 5", "revision 7", "enabled: false"} {
		if !strings.Contains(fs[0].Evidence, s) {
			t.Errorf("evidence lacks %q: %s", s, fs[0].Evidence)
		}
	}
	// No key or value is read: the range asks for a count only.
	for _, b := range bodies {
		if strings.HasPrefix(b, "POST /v3/kv/range") && !strings.Contains(b, `"count_only":true`) {
			t.Errorf("range request reads data: %s", b)
		}
	}
	fs = run(t, "exposure.etcd.unauthenticated", apiServer(t, "etcd", false, fakeEtcd(false, true, &bodies, &mu)))
	if len(fs) != 1 || !strings.Contains(fs[0].Evidence, "GET /v2/keys/ -> 200 without credentials: 2 top-level nodes") {
		t.Fatalf("v2 positive: %+v", fs)
	}
	for name, tg := range map[string]checks.Target{
		"v3 auth":     apiServer(t, "etcd", false, fakeEtcd(true, false, &bodies, &mu)),
		"v2 auth":     apiServer(t, "etcd", false, fakeEtcd(true, true, &bodies, &mu)),
		"client cert": apiServer(t, "etcd", true, fakeEtcd(false, false, &bodies, &mu)),
	} {
		if fs := run(t, "exposure.etcd.unauthenticated", tg); len(fs) != 0 {
			t.Errorf("%s: %+v", name, fs)
		}
	}
	c, _ := checks.Lookup("exposure.etcd.unauthenticated")
	if _, err := c.Run(context.Background(), esServer(t, false)); err == nil {
		t.Error("Elasticsearch taken for etcd")
	}
	for _, tt := range []struct {
		svc  result.Service
		want bool
	}{
		{result.Service{Port: 2379, Protocol: "tcp", Service: "http"}, true},
		{result.Service{Port: 2379, Protocol: "tcp"}, true},
		{result.Service{Port: 12379, Protocol: "tcp", Service: "etcd"}, true},
		{result.Service{Port: 8080, Protocol: "tcp", Service: "http"}, false},
		{result.Service{Port: 2379, Protocol: "tcp", Service: "ssh"}, false},
	} {
		if c.Applies(tt.svc) != tt.want {
			t.Errorf("Applies(%+v) != %v", tt.svc, tt.want)
		}
	}
}

func fakeDocker(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Server", "Docker/24.0.7 (linux)")
	w.Header().Set("Api-Version", "1.43")
	switch r.URL.Path {
	case "/version":
		io.WriteString(w, `{"Platform":{"Name":"Docker Engine - Community"},"Version":"24.0.7","ApiVersion":"1.43","MinAPIVersion":"1.12","Os":"linux","Arch":"amd64","KernelVersion":"6.1.0-18-amd64"}`)
	case "/info":
		io.WriteString(w, `{"Name":"build-01","OperatingSystem":"Debian GNU/Linux 12 (bookworm)","Containers":3,"ContainersRunning":1,"Images":12,"SecurityOptions":["name=apparmor","name=seccomp,profile=builtin"]}`)
	default:
		w.WriteHeader(http.StatusNotFound)
		io.WriteString(w, `{"message":"page not found"}`)
	}
}

func TestDocker(t *testing.T) {
	tg := apiServer(t, "http", false, fakeDocker)
	tg.Service.Product = "Docker"
	fs := run(t, "exposure.docker.unauthenticated", tg)
	if len(fs) != 1 || fs[0].Severity != "critical" || fs[0].CVSSScore != 10 || !fs[0].PCIAutoFail {
		t.Fatalf("positive: %+v", fs)
	}
	for _, s := range []string{"Docker Engine - Community 24.0.7, API 1.43", `host "build-01"`, "3 containers (1 running), 12 images"} {
		if !strings.Contains(fs[0].Evidence, s) {
			t.Errorf("evidence lacks %q: %s", s, fs[0].Evidence)
		}
	}
	// --tlsverify: the TLS handshake demands a client certificate.
	if fs := run(t, "exposure.docker.unauthenticated", apiServer(t, "docker", true, fakeDocker)); len(fs) != 0 {
		t.Fatalf("tlsverify: %+v", fs)
	}
	// An authorization proxy in front.
	denied := apiServer(t, "docker", false, func(w http.ResponseWriter, r *http.Request) { http.Error(w, "forbidden", http.StatusForbidden) })
	if fs := run(t, "exposure.docker.unauthenticated", denied); len(fs) != 0 {
		t.Fatalf("forbidden: %+v", fs)
	}
	c, _ := checks.Lookup("exposure.docker.unauthenticated")
	if _, err := c.Run(context.Background(), esServer(t, false)); err == nil {
		t.Error("Elasticsearch taken for Docker")
	}
	for _, tt := range []struct {
		svc  result.Service
		want bool
	}{
		{result.Service{Port: 2375, Protocol: "tcp", Service: "http"}, true},
		{result.Service{Port: 2376, Protocol: "tcp"}, true},
		{result.Service{Port: 8080, Protocol: "tcp", Service: "http", Product: "Docker"}, true},
		{result.Service{Port: 8080, Protocol: "tcp", Service: "http", Product: "nginx"}, false},
		{result.Service{Port: 2375, Protocol: "udp", Service: "http"}, false},
	} {
		if c.Applies(tt.svc) != tt.want {
			t.Errorf("Applies(%+v) != %v", tt.svc, tt.want)
		}
	}
}

// fakeMongoLegacy is a MongoDB before 3.6: it drops a connection that sends
// OP_MSG and answers OP_QUERY on admin.$cmd with OP_REPLY.
func fakeMongoLegacy(t *testing.T, reply tdoc) func(net.Conn) {
	return func(c net.Conn) {
		hdr := make([]byte, 16)
		if _, err := io.ReadFull(c, hdr); err != nil {
			return
		}
		body := make([]byte, binary.LittleEndian.Uint32(hdr)-16)
		if _, err := io.ReadFull(c, body); err != nil {
			return
		}
		if op := binary.LittleEndian.Uint32(hdr[12:]); op != opQuery {
			return // "operation isn't supported": connection closed
		}
		ns, rest, _ := strings.Cut(string(body[4:]), "\x00")
		cmd, err := decodeBSON([]byte(rest[8:]))
		if ns != "admin.$cmd" || err != nil || cmd["listDatabases"] != int32(1) {
			t.Errorf("legacy command %q %v %v", ns, cmd, err)
			return
		}
		doc := reply.encode()
		out := binary.LittleEndian.AppendUint32(nil, uint32(16+20+len(doc)))
		out = binary.LittleEndian.AppendUint32(out, 77)
		out = append(out, hdr[4:8]...)
		out = binary.LittleEndian.AppendUint32(out, opReply)
		out = append(out, make([]byte, 16)...) // flags, cursor id, starting from
		out = binary.LittleEndian.AppendUint32(out, 1)
		c.Write(append(out, doc...))
	}
}

func TestMongoDBLegacy(t *testing.T) {
	open := tdoc{kv("databases", []tdoc{{kv("name", "local")}, {kv("name", "crm")}}), kv("ok", float64(1))}
	fs := run(t, "exposure.mongodb.unauthenticated", serveConn(t, "mongodb", fakeMongoLegacy(t, open)))
	if len(fs) != 1 || !strings.Contains(fs[0].Evidence, "(OP_QUERY)") || !strings.HasSuffix(fs[0].Evidence, "2 databases: crm, local") {
		t.Fatalf("positive: %+v", fs)
	}
	denied := tdoc{kv("ok", float64(0)), kv("errmsg", "not authorized on admin to execute command { listDatabases: 1 }"), kv("code", int32(13))}
	if fs := run(t, "exposure.mongodb.unauthenticated", serveConn(t, "mongodb", fakeMongoLegacy(t, denied))); len(fs) != 0 {
		t.Fatalf("negative: %+v", fs)
	}
	// Neither protocol answers: the OP_MSG error is reported.
	c, _ := checks.Lookup("exposure.mongodb.unauthenticated")
	if _, err := c.Run(context.Background(), serveConn(t, "mongodb", func(net.Conn) {})); err == nil {
		t.Fatal("silent server gave a verdict")
	}
}
