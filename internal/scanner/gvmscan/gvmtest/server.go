// Package gvmtest is a fake Greenbone manager for tests: a TLS listener on
// 127.0.0.1 with a certificate made for it, speaking enough GMP to run a
// scan (get_version, authenticate, create_target, create_task, start_task,
// get_tasks, get_reports, stop_task, delete_task, delete_target), recording
// every command it received, and serving a report the test builds
// (ReportXML). Knobs inject the faults a real manager has: refused
// credentials, a dropped connection, an answer that never comes.
package gvmtest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"encoding/xml"
	"fmt"
	"math/big"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Command is one command the server received.
type Command struct {
	Name  string
	Attrs map[string]string
	Inner string // the XML inside the command element
	Conn  int    // which connection (1, 2, …) it came on
}

// Server is a fake gvmd. Set its knobs before the code under test connects.
type Server struct {
	Host     string // 127.0.0.1
	Port     int
	CAPEM    string // the self-signed certificate the server presents, as PEM
	Username string // accepted credentials ("admin", "s3cret" unless changed)
	Password string

	// Report is the <report> get_reports answers with (ReportXML).
	Report string
	// PollsBeforeDone is how many get_tasks answer Running before Done;
	// when it is not 0, one more answers Processing (gvmd 21.04+ writing the
	// report) before Done.
	PollsBeforeDone int
	// NeverDone keeps the task Running until it is stopped.
	NeverDone bool
	// EndAs, when set, is the status the task ends with instead of Done
	// (e.g. "Interrupted": the scanner below the manager failed).
	EndAs string
	// DropOn closes the connection when this command arrives; HangOn never
	// answers it (the connection stays open). "get_tasks" is a poll of a
	// task; "get_tasks?filter" the lookup of tasks by name.
	DropOn, HangOn string
	// Leftovers are tasks an earlier attempt left, by name (get_tasks with
	// a name filter lists them).
	Leftovers map[string][]Leftover

	mu       sync.Mutex
	commands []Command
	conns    int
	polls    map[string]int
	stopped  map[string]bool
	ln       net.Listener
}

// Leftover is a task the manager holds from before, with its target.
type Leftover struct{ TaskID, Status, TargetID string }

// Start starts a server; it stops when the test ends.
func Start(t testing.TB) *Server {
	t.Helper()
	cert, certPEM := selfSigned(t)
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12})
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{Host: "127.0.0.1", Port: ln.Addr().(*net.TCPAddr).Port, CAPEM: certPEM, Username: "admin", Password: "s3cret",
		polls: map[string]int{}, stopped: map[string]bool{}, ln: ln}
	t.Cleanup(func() { ln.Close() })
	go s.serve()
	return s
}

// Close stops listening: the manager becomes unreachable.
func (s *Server) Close() { s.ln.Close() }

// Addr is host:port.
func (s *Server) Addr() string { return net.JoinHostPort(s.Host, strconv.Itoa(s.Port)) }

// Commands returns what the server received so far, in order.
func (s *Server) Commands() []Command {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Command(nil), s.commands...)
}

// Find returns the received commands of one name.
func (s *Server) Find(name string) []Command {
	var out []Command
	for _, c := range s.Commands() {
		if c.Name == name {
			out = append(out, c)
		}
	}
	return out
}

func (s *Server) serve() {
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.mu.Lock()
		s.conns++
		n := s.conns
		s.mu.Unlock()
		go s.session(c, n)
	}
}

// raw decodes any command element.
type raw struct {
	XMLName xml.Name
	Attrs   []xml.Attr `xml:",any,attr"`
	Inner   string     `xml:",innerxml"`
}

func (s *Server) session(c net.Conn, n int) {
	defer c.Close()
	dec := xml.NewDecoder(c)
	authed := false
	for {
		var r raw
		if err := dec.Decode(&r); err != nil {
			return
		}
		cmd := Command{Name: r.XMLName.Local, Attrs: map[string]string{}, Inner: r.Inner, Conn: n}
		for _, a := range r.Attrs {
			cmd.Attrs[a.Name.Local] = a.Value
		}
		s.mu.Lock()
		s.commands = append(s.commands, cmd)
		key := cmd.Name
		if _, ok := cmd.Attrs["filter"]; ok && key == "get_tasks" {
			key = "get_tasks?filter" // the lookup by name, not a poll
		}
		drop, hang := s.DropOn == key, s.HangOn == key
		s.mu.Unlock()
		if drop {
			return
		}
		if hang {
			_, _ = dec.Token() // wait for the client to give up
			return
		}
		reply := s.answer(cmd, &authed)
		_ = c.SetWriteDeadline(time.Now().Add(10 * time.Second))
		if _, err := c.Write([]byte(reply)); err != nil {
			return
		}
	}
}

func status(name string, code int, text, body string) string {
	return fmt.Sprintf(`<%s_response status="%d" status_text="%s">%s</%s_response>`, name, code, esc(text), body, name)
}

func (s *Server) answer(cmd Command, authed *bool) string {
	switch cmd.Name {
	case "get_version":
		return status(cmd.Name, 200, "OK", "<version>22.7</version>")
	case "authenticate":
		var cr struct {
			User string `xml:"credentials>username"`
			Pass string `xml:"credentials>password"`
		}
		_ = xml.Unmarshal([]byte("<a>"+cmd.Inner+"</a>"), &cr)
		if cr.User != s.Username || cr.Pass != s.Password {
			return status(cmd.Name, 400, "Authentication failed", "")
		}
		*authed = true
		return status(cmd.Name, 200, "OK", "<role>Admin</role><timezone>UTC</timezone>")
	}
	if !*authed {
		return status(cmd.Name, 401, "Authenticate first", "")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	switch cmd.Name {
	case "create_target":
		return fmt.Sprintf(`<create_target_response status="201" status_text="OK, resource created" id="%s"/>`, targetID)
	case "create_task":
		return fmt.Sprintf(`<create_task_response status="201" status_text="OK, resource created" id="%s"/>`, taskID)
	case "start_task":
		return status(cmd.Name, 202, "OK, request submitted", "<report_id>"+reportID+"</report_id>")
	case "get_tasks":
		if f, ok := cmd.Attrs["filter"]; ok {
			name, _, _ := strings.Cut(strings.TrimPrefix(f, `name="`), `"`)
			var b strings.Builder
			for _, l := range s.Leftovers[name] {
				fmt.Fprintf(&b, `<task id="%s"><name>%s</name><status>%s</status><target id="%s"/></task>`,
					esc(l.TaskID), esc(name), esc(l.Status), esc(l.TargetID))
			}
			return status(cmd.Name, 200, "OK", b.String())
		}
		id := cmd.Attrs["task_id"]
		st, progress := "Running", 0
		switch {
		case s.stopped[id]:
			st, progress = "Stopped", 50
		case !s.NeverDone && s.polls[id] >= s.PollsBeforeDone && s.EndAs != "":
			st, progress = s.EndAs, 40
		case !s.NeverDone && s.polls[id] == s.PollsBeforeDone && s.PollsBeforeDone > 0:
			s.polls[id]++
			st, progress = "Processing", 100
		case !s.NeverDone && s.polls[id] >= s.PollsBeforeDone:
			st, progress = "Done", -1
		default:
			s.polls[id]++
			progress = min(10*s.polls[id], 90)
		}
		return status(cmd.Name, 200, "OK", fmt.Sprintf(`<task id="%s"><name>t</name><status>%s</status><progress>%d</progress></task>`,
			esc(id), st, progress))
	case "get_reports":
		return status(cmd.Name, 200, "OK", s.Report)
	case "stop_task":
		s.stopped[cmd.Attrs["task_id"]] = true
		return status(cmd.Name, 202, "OK, request submitted", "")
	case "delete_task", "delete_target":
		return status(cmd.Name, 200, "OK", "")
	}
	return status(cmd.Name, 400, "Bogus command name", "")
}

// The ids the fake creates.
const (
	targetID = "b493b7a8-7489-11df-a3ec-002264764cea"
	taskID   = "0cd7a4c2-1b5f-4f3c-9b29-7c5d0a8b2f01"
	reportID = "f0fdf522-276d-4893-9274-fb8699dc2270"
)

// selfSigned makes a certificate for 127.0.0.1 that is its own CA.
func selfSigned(t testing.TB) (tls.Certificate, string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: "fake gvmd"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IsCA: true, BasicConstraintsValid: true,
		KeyUsage:    x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key},
		string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
}
