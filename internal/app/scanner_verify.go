package app

import (
	"context"
	"fmt"
	"net"
	"os/exec"
	"regexp"
	"time"

	"github.com/perimeterhq/perimeter/internal/portspec"
	"github.com/perimeterhq/perimeter/internal/scanconfig"
	"github.com/perimeterhq/perimeter/internal/scanner"
	"github.com/perimeterhq/perimeter/internal/scanner/gvmscan"
	"github.com/perimeterhq/perimeter/internal/scanner/result"
	"github.com/perimeterhq/perimeter/internal/store"
)

// Verification is the answer of POST /v2/scanners/{id}/verify. A failed
// verification is a result (Verified false, Error says why), not an error.
type Verification struct {
	Verified  bool
	Version   string
	LatencyMS int64
	Error     string
}

// AgentFreshness is how recent an agent's heartbeat must be to count as alive.
const AgentFreshness = 2 * time.Minute

// verifyTimeout bounds one verification.
const verifyTimeout = 15 * time.Second

// VerifyScanner checks, for real, that a scanner's engine is reachable and
// working, and records the version it reports.
func (a *App) VerifyScanner(ctx context.Context, act *Actor, id string) (Verification, error) {
	s, err := a.GetScanner(ctx, act, id)
	if err != nil {
		return Verification{}, err
	}
	vctx, cancel := context.WithTimeout(ctx, verifyTimeout)
	defer cancel()
	start := time.Now()
	var v Verification
	switch s.AppType {
	case scanconfig.AppBuiltin:
		v = a.selfTest(vctx)
	case scanconfig.AppNmap:
		v = a.verifyNmap(vctx, s.Path)
	case scanconfig.AppAgent:
		v = verifyAgent(s, a.now())
	case scanconfig.AppOpenVAS:
		v = a.verifyGMP(vctx, s)
	}
	v.LatencyMS = time.Since(start).Milliseconds()
	now := a.now()
	err = a.store.Tx(ctx, func(q *store.Q) error {
		cur, err := q.FindScanner(ctx, act.Org.ID, id)
		if err != nil {
			return err
		}
		if v.Verified {
			cur.Version, cur.VerifiedAt = v.Version, &now
			if err := q.UpdateScanner(ctx, cur.OrganizationID, cur, nil); err != nil {
				return err
			}
		}
		return a.record(ctx, q, act, "", "scanner.verify", "scanner", id,
			map[string]any{"verified": v.Verified, "version": v.Version, "error": v.Error})
	})
	return v, err
}

// selfTest scans a loopback listener opened for the purpose with the real engine
// and expects to find it open.
func (a *App) selfTest(ctx context.Context) Verification {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return Verification{Error: "self-test: cannot open a loopback listener: " + err.Error()}
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	port := ln.Addr().(*net.TCPAddr).Port
	off := false
	events := make(chan result.Event, 64)
	found := make(chan bool, 1)
	go func() {
		open := false
		for ev := range events {
			if ev.Kind == result.EventPortOpen && ev.Service != nil && ev.Service.Port == port {
				open = true
			}
		}
		found <- open
	}()
	_, err = scanner.Run(ctx, scanner.Options{Hosts: "127.0.0.1", Ports: portspec.List{{Protocol: portspec.TCP, Start: port, End: port}},
		NoPing: true, ServiceDetection: &off, Checks: &off, CVE: &off}, events)
	close(events)
	open := <-found
	switch {
	case err != nil:
		return Verification{Error: "self-test scan failed: " + err.Error()}
	case !open:
		return Verification{Error: fmt.Sprintf("self-test: the engine did not find the open loopback port %d", port)}
	}
	return Verification{Verified: true, Version: a.cfg.Version}
}

var nmapVersionRE = regexp.MustCompile(`Nmap version ([0-9][0-9A-Za-z.\-]*)`)

// verifyNmap finds the nmap binary and reads its version.
func (a *App) verifyNmap(ctx context.Context, requested string) Verification {
	path, err := a.nmapBinary(requested)
	if err != nil {
		return Verification{Error: err.Error()}
	}
	out, err := exec.CommandContext(ctx, path, "--version").Output()
	if err != nil {
		return Verification{Error: fmt.Sprintf("running %s --version: %v", path, err)}
	}
	m := nmapVersionRE.FindSubmatch(out)
	if m == nil {
		return Verification{Error: fmt.Sprintf("%s did not report an nmap version", path)}
	}
	return Verification{Verified: true, Version: string(m[1])}
}

// verifyAgent reports whether the agent heartbeated recently.
func verifyAgent(s scanconfig.Scanner, now time.Time) Verification {
	switch {
	case s.LastSeenAt == nil:
		return Verification{Error: "never seen: no agent has connected with this scanner's token"}
	case now.Sub(*s.LastSeenAt) > AgentFreshness:
		return Verification{Version: s.Version, Error: fmt.Sprintf("last seen %s ago (at %s)",
			now.Sub(*s.LastSeenAt).Round(time.Second), s.LastSeenAt.Format(time.RFC3339))}
	}
	return Verification{Verified: true, Version: s.Version}
}

// verifyGMP connects to a Greenbone manager with TLS (its certificate
// verified unless the scanner opts out), asks its GMP version and logs in
// with the scanner's credentials: what a scan will do first.
func (a *App) verifyGMP(ctx context.Context, s scanconfig.Scanner) Verification {
	cfg, err := a.gmpConfig(s)
	if err != nil {
		return Verification{Error: err.Error()}
	}
	c, err := gvmscan.Dial(ctx, cfg)
	if err != nil {
		return Verification{Error: err.Error()}
	}
	defer c.Close()
	version, err := c.Version(ctx)
	if err != nil {
		return Verification{Error: err.Error()}
	}
	if cfg.Username == "" || cfg.Password == "" {
		return Verification{Version: "GMP " + version, Error: "no GMP username and password set: scans cannot log in"}
	}
	if err := c.Authenticate(ctx, cfg.Username, cfg.Password); err != nil {
		return Verification{Version: "GMP " + version, Error: fmt.Sprintf("the manager refused the login of user %q: %v", cfg.Username, err)}
	}
	return Verification{Verified: true, Version: "GMP " + version}
}
