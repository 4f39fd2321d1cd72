package fingerprint

import (
	"bufio"
	"bytes"
	"io"
	"net/http"
	"net/netip"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// maxHTTPResponse bounds the bytes read for one HTTP answer: enough for the
// headers and the start of a page or a JSON document.
const maxHTTPResponse = 64 << 10

var httpProbe = &probe{
	name:     "http",
	ports:    []int{80, 81, 591, 2375, 3000, 5000, 5601, 5984, 7001, 8000, 8008, 8080, 8081, 8088, 8888, 8983, 9000, 9090, 9200, 9201, 10255, 15672},
	tlsPorts: []int{443, 2376, 4443, 5601, 5986, 6443, 7443, 8443, 8834, 9200, 9443, 10250, 10443},
	inTLS:    true,
	patient:  true,
	vague:    true,
	run:      runHTTP,
}

// runHTTP sends GET / and parses the answer.
func runHTTP(c *conversation) (Match, bool) {
	req := "GET / HTTP/1.1\r\nHost: " + hostHeader(c.target, c.port, c.tls) +
		"\r\nUser-Agent: Mozilla/5.0 (compatible; Perimeter service detection)\r\nAccept: */*\r\nConnection: close\r\n\r\n"
	b, _ := c.roundTrip([]byte(req), readSpec{max: maxHTTPResponse, done: httpDone, idle: 500 * time.Millisecond})
	return parseHTTPResponse(b)
}

// hostHeader names the target for the Host header: its host name if known,
// else its address, with the port unless it is the scheme's default.
func hostHeader(t Target, port int, isTLS bool) string {
	host := t.Hostname
	if host == "" {
		host = t.IP.WithZone("").String()
	}
	if a, err := netip.ParseAddr(host); err == nil && a.Is6() && !a.Is4In6() {
		host = "[" + host + "]"
	}
	if (port == 80 && !isTLS) || (port == 443 && isTLS) {
		return host
	}
	return host + ":" + strconv.Itoa(port)
}

// httpDone reports whether b holds a whole HTTP response: headers and a
// body as long as Content-Length says, or a chunked body's last chunk.
// Close-delimited bodies end at EOF or idleness.
func httpDone(b []byte) bool {
	end := bytes.Index(b, []byte("\r\n\r\n"))
	if end < 0 {
		return false
	}
	head := string(b[:end])
	body := b[end+4:]
	code := 0
	if len(head) >= 12 {
		code, _ = strconv.Atoi(head[9:12])
	}
	if code/100 == 1 || code == 204 || code == 304 {
		return true
	}
	for _, line := range strings.Split(head, "\r\n")[1:] {
		name, value, _ := strings.Cut(line, ":")
		value = strings.TrimSpace(value)
		switch strings.ToLower(strings.TrimSpace(name)) {
		case "content-length":
			n, err := strconv.Atoi(value)
			return err == nil && len(body) >= n
		case "transfer-encoding":
			if strings.Contains(strings.ToLower(value), "chunked") {
				return bytes.HasSuffix(body, []byte("0\r\n\r\n"))
			}
		}
	}
	return false
}

var (
	statusLineRe = regexp.MustCompile(`^HTTP/[0-9](?:\.[0-9])? ([0-9]{3})`)
	titleRe      = regexp.MustCompile(`(?is)<title[^>]*>(.*?)</title>`)
)

// parseHTTPResponse reads an HTTP/1.x response: status, Server and
// X-Powered-By headers, page title, and the JSON banners of Elasticsearch,
// OpenSearch and CouchDB. It reports false unless b starts with a status line.
func parseHTTPResponse(b []byte) (Match, bool) {
	sl := statusLineRe.FindSubmatch(b)
	if sl == nil {
		return Match{}, false
	}
	head := b
	if i := bytes.Index(b, []byte("\r\n\r\n")); i >= 0 {
		head = b[:i]
	}
	m := Match{Service: "http", Banner: Printable(head)}
	m.set("http_status", string(sl[1]))
	resp, err := http.ReadResponse(bufio.NewReader(bytes.NewReader(b)), nil)
	if err != nil {
		return m, true // a status line, but headers we cannot parse: still HTTP
	}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, maxHTTPResponse))
	resp.Body.Close()
	server := resp.Header.Get("Server")
	m.set("http_server", Printable([]byte(server)))
	if server != "" {
		sm := ParseServerHeader(server)
		m.Product, m.Version, m.Also = sm.Product, sm.Version, sm.Also
		for k, v := range sm.Extra {
			m.set(k, v)
		}
	}
	if pb := resp.Header.Get("X-Powered-By"); pb != "" {
		m.set("x_powered_by", Printable([]byte(pb)))
		pm := ParseServerHeader(pb)
		if pm.Product != "" {
			m.Also = append(m.Also, Software{pm.Product, pm.Version})
		}
		m.Also = append(m.Also, pm.Also...)
	}
	m.set("www_authenticate", Printable([]byte(resp.Header.Get("WWW-Authenticate"))))
	if t := titleRe.FindSubmatch(body); t != nil {
		title := strings.Join(strings.Fields(string(t[1])), " ")
		if len(title) > 200 {
			title = title[:200]
		}
		m.set("http_title", Printable([]byte(title)))
	}
	m.goBare404 = resp.StatusCode == http.StatusNotFound && server == "" && strings.TrimSpace(string(body)) == "404 page not found"
	jsonServices(&m, resp, body)
	engineAPI(&m, resp)
	return m, true
}
