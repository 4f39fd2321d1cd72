package api_test

import (
	"crypto/tls"
	"github.com/perimeterhq/perimeter/internal/app"
	"net"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/perimeterhq/perimeter/internal/apitest"
	"github.com/perimeterhq/perimeter/internal/scanner/gvmscan/gvmtest"
	"github.com/perimeterhq/perimeter/internal/store/storetest"
)

// fakeGMP is a TLS listener on loopback that answers one GMP request with reply.
func fakeGMP(t *testing.T, reply string) string {
	t.Helper()
	srv := httptest.NewUnstartedServer(nil) // only for its self-signed certificate
	srv.StartTLS()
	cert := srv.TLS.Certificates
	srv.Close()
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: cert})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				buf := make([]byte, 256)
				n, _ := c.Read(buf)
				if strings.Contains(string(buf[:n]), "<get_version") {
					_, _ = c.Write([]byte(reply))
				}
			}()
		}
	}()
	return ln.Addr().String()
}

func TestScanners(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine string) {
		tr := newTree(t, engine)
		builtin := tr.c1Admin.Do("GET", "/v2/scanners", nil)
		if builtin.Get("pagination.total_count").(float64) != 1 || builtin.Str("scanners.0.app_type") != "builtin" || builtin.Str("scanners.0.status") != "active" {
			t.Fatalf("every organization starts with an active built-in scanner: %s", builtin)
		}
		builtinID := builtin.Str("scanners.0.id")

		gmp := gvmtest.Start(t)
		bad := fakeGMP(t, `<get_version_response status="400" status_text="Bogus"/>`)
		badHost, badPort, _ := net.SplitHostPort(bad)
		fakeNmap := filepath.Join(t.TempDir(), "nmap")
		if err := os.WriteFile(fakeNmap, []byte("#!/bin/sh\necho 'Nmap version 7.93 ( https://nmap.org )'\n"), 0o755); err != nil {
			t.Fatal(err)
		}
		var agentID, agentToken, gmpID, badGMPID, nmapID, missingNmapID string
		apitest.Run(t, []apitest.Scenario{
			{Name: "users may read but not create", As: tr.c1User, Method: "POST", Path: "/v2/scanners", Body: map[string]any{"name": "x", "app_type": "agent"}, Status: 403},
			{Name: "bad app type", As: tr.c1Admin, Method: "POST", Path: "/v2/scanners", Body: map[string]any{"name": "x", "app_type": "nessus"}, Status: 422,
				Want: []string{`"app_type":["'nessus' is not one of: builtin, agent, nmap, openvas"]`}},
			{Name: "openvas needs a host", As: tr.c1Admin, Method: "POST", Path: "/v2/scanners", Body: map[string]any{"name": "gvm", "app_type": "openvas"}, Status: 422,
				Want: []string{`"host"`}},
			{Name: "agent token once", As: tr.c1Admin, Method: "POST", Path: "/v2/scanners", Body: map[string]any{"name": "Branch office", "app_type": "agent"}, Status: 201,
				Check: func(t *testing.T, r *apitest.Resp) {
					agentID, agentToken = r.Str("scanner.id"), r.Str("scanner.token")
					if !strings.HasPrefix(agentToken, "pma_") {
						t.Fatalf("agent token %q", agentToken)
					}
				}},
			{Name: "openvas", As: tr.c1Admin, Method: "POST", Path: "/v2/scanners", Body: map[string]any{"name": "GVM", "app_type": "openvas",
				"host": gmp.Host, "port": gmp.Port, "username": "admin", "password": "s3cret", "ca_cert": gmp.CAPEM}, Status: 201,
				Want:  []string{`"username":"admin"`, `"password_set":true`, `"insecure_skip_verify":false`, "BEGIN CERTIFICATE"},
				NotIn: []string{`"token"`, "s3cret", `"password":`}, Check: func(t *testing.T, r *apitest.Resp) { gmpID = r.Str("scanner.id") }},
			{Name: "openvas answering an error", As: tr.c1Admin, Method: "POST", Path: "/v2/scanners", Body: map[string]any{"name": "GVM2", "app_type": "openvas",
				"host": badHost, "port": atoi(badPort), "insecure_skip_verify": true}, Status: 201,
				Want: []string{`"insecure_skip_verify":true`, `"password_set":false`}, Check: func(t *testing.T, r *apitest.Resp) { badGMPID = r.Str("scanner.id") }},
			{Name: "openvas: ca_cert not PEM", As: tr.c1Admin, Method: "POST", Path: "/v2/scanners", Body: map[string]any{"name": "g", "app_type": "openvas",
				"host": gmp.Host, "ca_cert": "not a certificate"}, Status: 422, Want: []string{`"ca_cert":["is not a PEM certificate`}},
			{Name: "openvas: a CA and no verification", As: tr.c1Admin, Method: "POST", Path: "/v2/scanners", Body: map[string]any{"name": "g", "app_type": "openvas",
				"host": gmp.Host, "ca_cert": gmp.CAPEM, "insecure_skip_verify": true}, Status: 422, Want: []string{`"insecure_skip_verify":["contradicts ca_cert`}},
			{Name: "openvas: password without user", As: tr.c1Admin, Method: "POST", Path: "/v2/scanners", Body: map[string]any{"name": "g", "app_type": "openvas",
				"host": gmp.Host, "password": "pw-without-user"}, Status: 422, Want: []string{`"username":["is required with a password`}, NotIn: []string{"pw-without-user"}},
			{Name: "openvas: password not a string", As: tr.c1Admin, Method: "POST", Path: "/v2/scanners", Body: map[string]any{"name": "g", "app_type": "openvas",
				"host": gmp.Host, "username": "u", "password": 12345}, Status: 422, Want: []string{`"password"`}},
			{Name: "nmap", As: tr.c1Admin, Method: "POST", Path: "/v2/scanners", Body: map[string]any{"name": "nmap", "app_type": "nmap", "path": fakeNmap}, Status: 201,
				Check: func(t *testing.T, r *apitest.Resp) { nmapID = r.Str("scanner.id") }},
			{Name: "nmap elsewhere", As: tr.c1Admin, Method: "POST", Path: "/v2/scanners", Body: map[string]any{"name": "nmap2", "app_type": "nmap", "path": "/nonexistent/nmap"}, Status: 201,
				Check: func(t *testing.T, r *apitest.Resp) { missingNmapID = r.Str("scanner.id") }},
		})
		apitest.Run(t, []apitest.Scenario{
			{Name: "token is never shown again", As: tr.c1Admin, Method: "GET", Path: "/v2/scanners/" + agentID, Status: 200, NotIn: []string{agentToken, `"token"`}},
			{Name: "verify builtin runs a self-test scan", As: tr.c1Admin, Method: "POST", Path: "/v2/scanners/" + builtinID + "/verify", Status: 200,
				Want: []string{`"verified":true`, `"version":"test"`}},
			{Name: "verified version is recorded", As: tr.c1User, Method: "GET", Path: "/v2/scanners/" + builtinID, Status: 200, Want: []string{`"version":"test"`}, NotIn: []string{`"verified_at":null`}},
			{Name: "verify agent never seen", As: tr.c1Admin, Method: "POST", Path: "/v2/scanners/" + agentID + "/verify", Status: 200,
				Want: []string{`"verified":false`, "never seen"}},
			{Name: "verify openvas logs in", As: tr.c1Admin, Method: "POST", Path: "/v2/scanners/" + gmpID + "/verify", Status: 200,
				Want: []string{`"verified":true`, `"version":"GMP 22.7"`}},
			{Name: "verify openvas error", As: tr.c1Admin, Method: "POST", Path: "/v2/scanners/" + badGMPID + "/verify", Status: 200,
				Want: []string{`"verified":false`, "400 Bogus"}},
			{Name: "password is never shown", As: tr.c1Admin, Method: "GET", Path: "/v2/scanners/" + gmpID, Status: 200,
				Want: []string{`"password_set":true`}, NotIn: []string{"s3cret", `"password":`}},
			{Name: "wrong password", As: tr.c1Admin, Method: "PUT", Path: "/v2/scanners/" + gmpID, Body: map[string]any{"password": "wrong-pw"}, Status: 200,
				Want: []string{`"password_set":true`}, NotIn: []string{"wrong-pw"}},
			{Name: "verify refused login", As: tr.c1Admin, Method: "POST", Path: "/v2/scanners/" + gmpID + "/verify", Status: 200,
				Want: []string{`"verified":false`, `refused the login of user \"admin\"`, "Authentication failed"}},
			{Name: "no CA: untrusted", As: tr.c1Admin, Method: "PUT", Path: "/v2/scanners/" + gmpID, Body: map[string]any{"password": "s3cret", "ca_cert": ""}, Status: 200,
				Want: []string{`"ca_cert":""`}},
			{Name: "verify untrusted certificate", As: tr.c1Admin, Method: "POST", Path: "/v2/scanners/" + gmpID + "/verify", Status: 200,
				Want: []string{`"verified":false`, "certificate"}},
			{Name: "audit never holds the password", As: tr.c1Admin, Method: "GET", Path: "/v2/audit/events?per_page=100", Status: 200,
				Want: []string{`"password":"changed"`}, NotIn: []string{"s3cret", "wrong-pw"}},
			// A tenant's path must name the server's own nmap (TestNmapPathPolicy).
			{Name: "verify nmap of another path", As: tr.c1Admin, Method: "POST", Path: "/v2/scanners/" + nmapID + "/verify", Status: 200,
				Want: []string{`"verified":false`, "is not the nmap binary this server allows"}},
			{Name: "verify missing nmap", As: tr.c1Admin, Method: "POST", Path: "/v2/scanners/" + missingNmapID + "/verify", Status: 200,
				Want: []string{`"verified":false`, "/nonexistent/nmap"}},
			{Name: "unreachable openvas", As: tr.c1Admin, Method: "PUT", Path: "/v2/scanners/" + gmpID, Body: map[string]any{"port": closedPort(t)}, Status: 200},
			{Name: "verify unreachable", As: tr.c1Admin, Method: "POST", Path: "/v2/scanners/" + gmpID + "/verify", Status: 200,
				Want: []string{`"verified":false`, "cannot connect"}},
			{Name: "deactivate", As: tr.c1Admin, Method: "POST", Path: "/v2/scanners/" + agentID + "/deactivate", Status: 200, Want: []string{`"status":"inactive"`}},
			{Name: "activated excludes it", As: tr.c1User, Method: "GET", Path: "/v2/scanners/activated?per_page=100", Status: 200, NotIn: []string{agentID}},
			{Name: "activate", As: tr.c1Admin, Method: "POST", Path: "/v2/scanners/" + agentID + "/activate", Status: 200, Want: []string{`"status":"active"`}},
			{Name: "becomes nmap: token revoked", As: tr.c1Admin, Method: "PUT", Path: "/v2/scanners/" + agentID + "/app_type", Body: map[string]any{"app_type": "nmap"}, Status: 200,
				NotIn: []string{`"token"`}},
			{Name: "becomes agent again: a new token", As: tr.c1Admin, Method: "PUT", Path: "/v2/scanners/" + agentID + "/app_type", Body: map[string]any{"app_type": "agent"}, Status: 200,
				Want: []string{`"token":"pma_`}, NotIn: []string{agentToken}},
			{Name: "bad app type change", As: tr.c1Admin, Method: "PUT", Path: "/v2/scanners/" + agentID + "/app_type", Body: map[string]any{"app_type": "x"}, Status: 422},
			{Name: "built-in cannot be deleted", As: tr.c1Admin, Method: "DELETE", Path: "/v2/scanners/" + builtinID, Status: 403},
			{Name: "other org: show", As: tr.c2Admin, Method: "GET", Path: "/v2/scanners/" + agentID, Status: 404},
			{Name: "other org: verify", As: tr.c2Admin, Method: "POST", Path: "/v2/scanners/" + agentID + "/verify", Status: 404},
			{Name: "other org: delete", As: tr.c2Admin, Method: "DELETE", Path: "/v2/scanners/" + agentID, Status: 404},
			{Name: "customers do not assign", As: tr.c1Admin, Method: "POST", Path: "/v2/scanners/" + agentID + "/assign", Body: map[string]any{"organization_id": tr.c2}, Status: 403},
			{Name: "delete", As: tr.c1Admin, Method: "DELETE", Path: "/v2/scanners/" + agentID, Status: 204},
		})
		// A partner assigns its scanner to its own customer, never to another organization.
		pScanner := tr.pAdmin.Do("POST", "/v2/scanners", map[string]any{"name": "Partner agent", "app_type": "agent"}).Str("scanner.id")
		apitest.Run(t, []apitest.Scenario{
			{Name: "partner: not to a stranger", As: tr.pAdmin, Method: "POST", Path: "/v2/scanners/" + pScanner + "/assign", Body: map[string]any{"organization_id": tr.c2}, Status: 422},
			{Name: "partner: not to itself", As: tr.pAdmin, Method: "POST", Path: "/v2/scanners/" + pScanner + "/assign", Body: map[string]any{"organization_id": tr.p}, Status: 422},
			{Name: "partner: to its customer", As: tr.pAdmin, Method: "POST", Path: "/v2/scanners/" + pScanner + "/assign", Body: map[string]any{"organization_id": tr.c1}, Status: 200},
			{Name: "customer now has it", As: tr.c1Admin, Method: "GET", Path: "/v2/scanners/" + pScanner, Status: 200},
			{Name: "partner no longer", As: tr.pAdmin, Method: "GET", Path: "/v2/scanners/" + pScanner, Status: 404},
		})
	})
}

func atoi(s string) int {
	n := 0
	for _, c := range s {
		n = n*10 + int(c-'0')
	}
	return n
}

// closedPort is a loopback port with nothing listening.
func closedPort(t *testing.T) int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	return p
}

func TestScannerVerifyWithRealNmap(t *testing.T) {
	if _, err := exec.LookPath("nmap"); err != nil {
		t.Skip("nmap is not installed")
	}
	e := apitest.New(t, "sqlite")
	id := e.Admin.Do("POST", "/v2/scanners", map[string]any{"name": "nmap", "app_type": "nmap"}).Str("scanner.id")
	r := e.Admin.Do("POST", "/v2/scanners/"+id+"/verify", nil)
	if r.Status != 200 || r.Get("verified") != true || r.Str("version") == "" {
		t.Fatalf("verify real nmap: %s", r)
	}
}

func TestScanProfiles(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine string) {
		e := apitest.New(t, engine)
		apitest.Run(t, []apitest.Scenario{
			{Name: "all built-ins", As: e.Admin, Method: "GET", Path: "/v2/scan_profiles", Status: 200,
				Want: []string{`"total_count":5`, `"name":"PCI ASV"`, `"fixed":true`, `"ports":"T:1-65535,U:`, `"name":"Aggressive"`,
					`"port_list_id":"01900000-0000-7000-9001-000000000004"`, `"port_list_id":"01900000-0000-7000-9001-000000000001"`}},
			{Name: "by product", As: e.Admin, Method: "GET", Path: "/v2/scan_profiles?q[product]=vrms&sort_by=name", Status: 200,
				Want: []string{`"total_count":3`, `"Discovery"`, `"Full and deep"`, `"Full and fast"`}, NotIn: []string{`"PCI ASV"`}},
			{Name: "activated", As: e.Admin, Method: "GET", Path: "/v2/scan_profiles/activated", Status: 200, Want: []string{`"total_count":5`}},
			{Name: "show", As: e.Admin, Method: "GET", Path: "/v2/scan_profiles/01900000-0000-7000-8001-000000000002", Status: 200,
				Want: []string{`"name":"Discovery"`, `"checks":false`, `"service_detection":true`}},
			{Name: "unknown", As: e.Admin, Method: "GET", Path: "/v2/scan_profiles/01900000-0000-7000-8001-0000000000ff", Status: 404},
		})
	})
}

// TestNmapPathPolicy: nmap scanners run the binary the operator configured
// (app.Config.NmapPath, serve --nmap-path); a scanner's path may only name it.
func TestNmapPathPolicy(t *testing.T) {
	t.Parallel()
	fakeNmap := filepath.Join(t.TempDir(), "nmap")
	if err := os.WriteFile(fakeNmap, []byte("#!/bin/sh\necho 'Nmap version 7.93 ( https://nmap.org )'\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	e := apitest.NewWithConfig(t, "sqlite", app.Config{NmapPath: fakeNmap})
	for _, tc := range []struct {
		path string
		want []string
	}{
		{"", []string{`"verified":true`, `"version":"7.93"`}},
		{fakeNmap, []string{`"verified":true`, `"version":"7.93"`}},
		{"/bin/sh", []string{`"verified":false`, "/bin/sh is not the nmap binary this server allows"}},
	} {
		sc := e.Admin.Do("POST", "/v2/scanners", map[string]any{"name": "nmap " + tc.path, "app_type": "nmap", "path": tc.path})
		if sc.Status != 201 {
			t.Fatalf("create: %s", sc)
		}
		v := e.Admin.Do("POST", "/v2/scanners/"+sc.Str("scanner.id")+"/verify", nil)
		mustContain(t, v, tc.want...)
	}
}
