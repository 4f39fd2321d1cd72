package exposure

import (
	"bufio"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/perimeterhq/perimeter/internal/scanner/checks"
	"github.com/perimeterhq/perimeter/internal/scanner/checks/checktest"
	"github.com/perimeterhq/perimeter/internal/scanner/result"
)

// serveConn runs handle for every connection to a loopback listener and
// returns a target labelled service.
func serveConn(t *testing.T, service string, handle func(net.Conn)) checks.Target {
	t.Helper()
	return checktest.Serve(t, result.Service{Service: service}, handle)
}

func run(t *testing.T, id string, tg checks.Target) []result.Finding {
	t.Helper()
	c, ok := checks.Lookup(id)
	if !ok {
		t.Fatalf("no check %s", id)
	}
	if !c.Applies(tg.Service) {
		t.Fatalf("%s does not apply to %+v", id, tg.Service)
	}
	fs, err := c.Run(context.Background(), tg)
	if err != nil {
		t.Fatalf("%s: %v", id, err)
	}
	return fs
}

// fakeRedis speaks RESP; deny is the error every command gets ("" = open).
func fakeRedis(deny string) func(net.Conn) {
	return func(c net.Conn) {
		r := bufio.NewReader(c)
		for {
			var args []string
			line, err := r.ReadString('\n')
			if err != nil {
				return
			}
			n, _ := strconv.Atoi(strings.TrimSpace(line[1:]))
			for range n {
				r.ReadString('\n') // $len
				a, _ := r.ReadString('\n')
				args = append(args, strings.TrimSpace(a))
			}
			switch {
			case deny != "":
				fmt.Fprintf(c, "%s\r\n", deny)
			case args[0] == "PING":
				io.WriteString(c, "+PONG\r\n")
			case args[0] == "INFO":
				info := "# Server\r\nredis_version:7.2.4\r\nredis_mode:standalone\r\nos:Linux 6.1.0 x86_64\r\nrun_id:abc\r\ntcp_port:6379\r\n"
				fmt.Fprintf(c, "$%d\r\n%s\r\n", len(info), info)
			}
		}
	}
}

func TestRedis(t *testing.T) {
	fs := run(t, "exposure.redis.unauthenticated", serveConn(t, "redis", fakeRedis("")))
	if len(fs) != 1 || !strings.Contains(fs[0].Evidence, "redis_version:7.2.4") || strings.Contains(fs[0].Evidence, "run_id") ||
		!fs[0].PCIAutoFail || fs[0].CVSSScore != 9.8 {
		t.Fatalf("positive: %+v", fs)
	}
	for _, deny := range []string{"-NOAUTH Authentication required.", "-DENIED Redis is running in protected mode"} {
		if fs := run(t, "exposure.redis.unauthenticated", serveConn(t, "redis", fakeRedis(deny))); len(fs) != 0 {
			t.Errorf("negative %q: %+v", deny, fs)
		}
	}
}

func TestMemcached(t *testing.T) {
	open := func(c net.Conn) {
		r := bufio.NewReader(c)
		if l, _ := r.ReadString('\n'); l == "stats\r\n" {
			io.WriteString(c, "STAT pid 1\r\nSTAT uptime 42\r\nSTAT version 1.6.21\r\nSTAT curr_items 7\r\nEND\r\n")
		}
		r.ReadString('\n')
	}
	fs := run(t, "exposure.memcached.unauthenticated", serveConn(t, "memcached", open))
	if len(fs) != 1 || !strings.Contains(fs[0].Evidence, "STAT version 1.6.21") || !strings.Contains(fs[0].Evidence, "(4 statistics)") {
		t.Fatalf("positive: %+v", fs)
	}
	sasl := func(c net.Conn) {
		bufio.NewReader(c).ReadString('\n')
		io.WriteString(c, "CLIENT_ERROR unauthenticated\r\n")
	}
	hangup := func(c net.Conn) { bufio.NewReader(c).ReadString('\n') }
	for name, h := range map[string]func(net.Conn){"sasl": sasl, "hangup": hangup} {
		if fs := run(t, "exposure.memcached.unauthenticated", serveConn(t, "memcached", h)); len(fs) != 0 {
			t.Errorf("negative %s: %+v", name, fs)
		}
	}
}

// tdoc is an ordered BSON document for the test's own encoder.
type tdoc []struct {
	k string
	v any
}

// encode is an independent BSON encoder for test replies.
func (d tdoc) encode() []byte {
	var b []byte
	for _, e := range d {
		key := append([]byte(e.k), 0)
		switch v := e.v.(type) {
		case float64:
			b = append(append(append(b, 0x01), key...), binary.LittleEndian.AppendUint64(nil, math.Float64bits(v))...)
		case string:
			b = append(append(b, 0x02), key...)
			b = binary.LittleEndian.AppendUint32(b, uint32(len(v)+1))
			b = append(append(b, v...), 0)
		case tdoc:
			b = append(append(append(b, 0x03), key...), v.encode()...)
		case []tdoc:
			var arr tdoc
			for i, x := range v {
				arr = append(arr, struct {
					k string
					v any
				}{strconv.Itoa(i), x})
			}
			b = append(append(append(b, 0x04), key...), arr.encode()...)
		case bool:
			c := byte(0)
			if v {
				c = 1
			}
			b = append(append(append(b, 0x08), key...), c)
		case int32:
			b = append(append(append(b, 0x10), key...), binary.LittleEndian.AppendUint32(nil, uint32(v))...)
		case int64:
			b = append(append(append(b, 0x12), key...), binary.LittleEndian.AppendUint64(nil, uint64(v))...)
		}
	}
	out := binary.LittleEndian.AppendUint32(nil, uint32(len(b)+5))
	return append(append(out, b...), 0)
}

func kv(k string, v any) struct {
	k string
	v any
} {
	return struct {
		k string
		v any
	}{k, v}
}

// fakeMongo answers one OP_MSG command with reply, checking that the
// command is listDatabases on admin.
func fakeMongo(t *testing.T, reply tdoc) func(net.Conn) {
	return func(c net.Conn) {
		hdr := make([]byte, 16)
		if _, err := io.ReadFull(c, hdr); err != nil {
			return
		}
		body := make([]byte, binary.LittleEndian.Uint32(hdr)-16)
		if _, err := io.ReadFull(c, body); err != nil {
			return
		}
		cmd, err := decodeBSON(body[5:])
		if err != nil || cmd["listDatabases"] != int32(1) || cmd["$db"] != "admin" {
			t.Errorf("command %v %v", cmd, err)
			return
		}
		doc := reply.encode()
		out := binary.LittleEndian.AppendUint32(nil, uint32(16+5+len(doc)))
		out = binary.LittleEndian.AppendUint32(out, 99)
		out = append(out, hdr[4:8]...) // responseTo = requestID
		out = binary.LittleEndian.AppendUint32(out, opMsg)
		out = append(binary.LittleEndian.AppendUint32(out, 0), 0)
		c.Write(append(out, doc...))
	}
}

func TestMongoDB(t *testing.T) {
	open := tdoc{
		kv("databases", []tdoc{{kv("name", "shop"), kv("sizeOnDisk", int64(8192)), kv("empty", false)}, {kv("name", "admin")}}),
		kv("totalSize", float64(16384)),
		kv("ok", float64(1)),
	}
	fs := run(t, "exposure.mongodb.unauthenticated", serveConn(t, "mongodb", fakeMongo(t, open)))
	if len(fs) != 1 || !strings.HasSuffix(fs[0].Evidence, "2 databases: admin, shop") {
		t.Fatalf("positive: %+v", fs)
	}
	denied := tdoc{kv("ok", float64(0)), kv("errmsg", "command listDatabases requires authentication"), kv("code", int32(13)), kv("codeName", "Unauthorized")}
	if fs := run(t, "exposure.mongodb.unauthenticated", serveConn(t, "mongodb", fakeMongo(t, denied))); len(fs) != 0 {
		t.Fatalf("negative: %+v", fs)
	}
}

func esServer(t *testing.T, secured bool) checks.Target {
	return esServerAnon(t, secured, false)
}

// esServerAnon is esServer; anonymousRoot lets anonymous users read the
// banner at "/" but nothing else.
func esServerAnon(t *testing.T, secured, anonymousRoot bool) checks.Target {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if secured && !(anonymousRoot && r.URL.Path == "/") {
			w.Header().Set("WWW-Authenticate", `Basic realm="security"`)
			http.Error(w, `{"error":"missing authentication credentials"}`, http.StatusUnauthorized)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/":
			json.NewEncoder(w).Encode(map[string]any{
				"name": "node-1", "cluster_name": "prod-logs",
				"version": map[string]any{"number": "8.13.0", "distribution": "elasticsearch"},
				"tagline": "You Know, for Search",
			})
		case "/_cat/indices":
			w.Write([]byte(`[{"index":"orders"},{"index":".kibana"}]`))
		}
	}))
	t.Cleanup(srv.Close)
	u, _ := url.Parse(srv.URL)
	port, _ := strconv.Atoi(u.Port())
	return checks.Target{IP: netip.MustParseAddr("127.0.0.1"), Service: result.Service{Port: port, Protocol: "tcp", Service: "elasticsearch"}}
}

func TestElasticsearch(t *testing.T) {
	fs := run(t, "exposure.elasticsearch.unauthenticated", esServer(t, false))
	if len(fs) != 1 || !strings.Contains(fs[0].Evidence, `cluster "prod-logs"`) || !strings.Contains(fs[0].Evidence, "2 indices: .kibana, orders") {
		t.Fatalf("positive: %+v", fs)
	}
	if fs := run(t, "exposure.elasticsearch.unauthenticated", esServer(t, true)); len(fs) != 0 {
		t.Fatalf("negative: %+v", fs)
	}
	if fs := run(t, "exposure.elasticsearch.unauthenticated", esServerAnon(t, true, true)); len(fs) != 0 {
		t.Fatalf("anonymous banner only: %+v", fs)
	}
	// A generic web page on a labelled port is an error, not a finding.
	c, _ := checks.Lookup("exposure.elasticsearch.unauthenticated")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("<html>hello</html>")) }))
	defer srv.Close()
	u, _ := url.Parse(srv.URL)
	port, _ := strconv.Atoi(u.Port())
	if _, err := c.Run(context.Background(), checks.Target{IP: netip.MustParseAddr("127.0.0.1"), Service: result.Service{Port: port, Protocol: "tcp", Service: "elasticsearch"}}); err == nil {
		t.Fatal("HTML page taken for Elasticsearch")
	}
	if !c.Applies(result.Service{Port: 9200, Protocol: "tcp", Service: "http"}) || c.Applies(result.Service{Port: 80, Protocol: "tcp", Service: "http"}) {
		t.Error("applicability")
	}
}

func TestDatabaseReachable(t *testing.T) {
	tg := serveConn(t, "mysql", func(net.Conn) {})
	tg.Service.Product, tg.Service.Version = "MySQL", "8.0.36"
	fs := run(t, "exposure.database.reachable", tg)
	if len(fs) != 1 || !fs[0].PCIAutoFail || fs[0].Confidence != 100 || !strings.Contains(fs[0].Evidence, "mysql (MySQL 8.0.36)") {
		t.Fatalf("positive: %+v", fs)
	}
	c, _ := checks.Lookup("exposure.database.reachable")
	// Port-only identification lowers the confidence.
	unnamed := serveConn(t, "", func(net.Conn) {})
	fs, err := c.Run(context.Background(), unnamed)
	if err != nil || len(fs) != 1 || fs[0].Confidence != 70 {
		t.Fatalf("port-only: %+v %v", fs, err)
	}
	// Refused: not reachable, no error.
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	tg.Service.Port = ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	if fs, err := c.Run(context.Background(), tg); err != nil || len(fs) != 0 {
		t.Fatalf("refused: %+v %v", fs, err)
	}
	for _, tt := range []struct {
		svc  result.Service
		want bool
	}{
		{result.Service{Port: 5432, Protocol: "tcp"}, true},
		{result.Service{Port: 1433, Protocol: "tcp", Service: "ms-sql-s"}, true},
		{result.Service{Port: 8080, Protocol: "tcp", Service: "http"}, false},
		{result.Service{Port: 5432, Protocol: "tcp", Service: "http"}, false},
		{result.Service{Port: 11211, Protocol: "udp", Service: "memcached"}, false},
		// Memcached is a cache, not a database; it has its own finding.
		{result.Service{Port: 11211, Protocol: "tcp", Service: "memcached"}, false},
		{result.Service{Port: 11211, Protocol: "tcp"}, false},
	} {
		if c.Applies(tt.svc) != tt.want {
			t.Errorf("Applies(%+v) != %v", tt.svc, tt.want)
		}
	}
}

func TestBSON(t *testing.T) {
	doc := tdoc{kv("a", int32(-5)), kv("b", "x"), kv("c", tdoc{kv("d", true)}), kv("e", []tdoc{{kv("f", int64(7))}}), kv("g", 1.5)}.encode()
	m, err := decodeBSON(doc)
	if err != nil {
		t.Fatal(err)
	}
	if m["a"] != int32(-5) || m["b"] != "x" || m["c"].(map[string]any)["d"] != true || m["e"].([]any)[0].(map[string]any)["f"] != int64(7) || m["g"] != 1.5 {
		t.Fatalf("%v", m)
	}
	for _, bad := range [][]byte{nil, doc[:len(doc)-1], {5, 0, 0, 0, 1}, {12, 0, 0, 0, 0x02, 'a', 0, 0xff, 0xff, 0xff, 0x7f, 0}} {
		if _, err := decodeBSON(bad); err == nil {
			t.Errorf("decodeBSON(%x) accepted", bad)
		}
	}
	// Deep nesting is refused, not recursed into.
	deep := tdoc{kv("x", int32(1))}
	for range maxBSONDepth + 2 {
		deep = tdoc{kv("n", deep)}
	}
	if _, err := decodeBSON(deep.encode()); err == nil {
		t.Error("nesting beyond the limit accepted")
	}
}

func FuzzBSON(f *testing.F) {
	f.Add(tdoc{kv("ok", 1.0), kv("databases", []tdoc{{kv("name", "a")}})}.encode())
	f.Add(append([]byte{0, 0, 0, 0, 0}, tdoc{kv("ok", 0.0)}.encode()...))
	f.Fuzz(func(t *testing.T, data []byte) {
		if m, err := decodeBSON(data); err == nil && m == nil {
			t.Fatal("nil map without error")
		}
		_, _ = parseOpMsgBody(data)
		if len(data) >= 16 {
			_, _ = parseMongoReply(data[:16], func(n int) ([]byte, error) {
				if n > len(data)-16 {
					return nil, io.ErrUnexpectedEOF
				}
				return data[16 : 16+n], nil
			}, binary.LittleEndian.Uint32(data[8:]))
			_, _ = parseLegacyReply(data[:16], func(n int) ([]byte, error) {
				if n > len(data)-16 {
					return nil, io.ErrUnexpectedEOF
				}
				return data[16 : 16+n], nil
			}, binary.LittleEndian.Uint32(data[8:]))
		}
	})
}
