// Package nmapscan runs scans with the nmap binary instead of Perimeter's own
// port scanner and fingerprinting: nmap finds the hosts, open ports and
// services (-sT, -sV), its XML is read as it is written (internal/importer),
// and Perimeter's checks and CVE matching then run against the services nmap
// found, so an nmap scanner's results have the same findings as the
// built-in engine's. It emits the same events as scanner.Run.
//
// nmap runs in its own process group; cancelling the context kills the
// group, so no nmap (or NSE child) outlives its run.
package nmapscan

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/perimeterhq/perimeter/internal/hostspec"
	"github.com/perimeterhq/perimeter/internal/importer"
	"github.com/perimeterhq/perimeter/internal/portspec"
	"github.com/perimeterhq/perimeter/internal/scanner"
	"github.com/perimeterhq/perimeter/internal/scanner/result"
)

// hostWorkers bounds the hosts whose checks run at once.
const hostWorkers = 4

// checkConcurrency bounds the check connections to one service.
const checkConcurrency = 4

// Run scans with the nmap binary at path, with the options scanner.Run takes
// (hosts, exclusions, ports, profile, service detection, checks, CVE
// matching), sending the same events to events (which it does not close).
func Run(ctx context.Context, path string, opts scanner.Options, events chan<- result.Event) (result.Stats, error) {
	stats := result.Stats{Started: time.Now().UTC(), BySeverity: map[string]int{}}
	if err := opts.Validate(); err != nil {
		return stats, err
	}
	if opts.Profile.Name == "" { // as scanner.Run: the default profile
		opts.Profile, _ = scanner.ProfileByName(scanner.DefaultProfileName)
	}
	set, err := hostspec.Parse(opts.Hosts, opts.Exclude)
	if err != nil {
		return stats, err
	}
	excl, err := hostspec.ParseExclude(opts.Exclude)
	if err != nil {
		return stats, err
	}
	ports := opts.Ports
	if len(ports) == 0 {
		ports = opts.Profile.Ports
	}
	if len(ports) == 0 {
		return stats, errors.New("nmap: no ports to scan")
	}
	detect, checks, cve := flag(opts.ServiceDetection, opts.Profile.ServiceDetection),
		flag(opts.Checks, opts.Profile.Checks), flag(opts.CVE, opts.Profile.CVE)
	if n, err := set.Count(); err == nil {
		stats.HostsTotal = int(n) + len(set.Hostnames())
	}
	stats.PortsProbed = int64(stats.HostsTotal) * int64(ports.Count())

	dir, err := os.MkdirTemp("", "perimeter-nmap-")
	if err != nil {
		return stats, err
	}
	defer os.RemoveAll(dir)
	targets, exclude := filepath.Join(dir, "targets"), filepath.Join(dir, "exclude")
	if err := os.WriteFile(targets, []byte(strings.Join(targetLines(set), "\n")+"\n"), 0o600); err != nil {
		return stats, err
	}
	if err := os.WriteFile(exclude, []byte(strings.Join(excludeLines(excl), "\n")+"\n"), 0o600); err != nil {
		return stats, err
	}
	if ports.CountProtocol(portspec.UDP) > 0 && os.Geteuid() != 0 {
		send(ctx, events, result.Event{Kind: result.EventError, Time: time.Now().UTC(),
			Err: "nmap: UDP ports skipped (nmap scans UDP only as root)"})
		ports = tcpOnly(ports)
		if len(ports) == 0 {
			return stats, errors.New("nmap: only UDP ports to scan, and nmap scans UDP only as root")
		}
	}
	args := nmapArgs(opts, ports, detect, targets, exclude)

	cmd := exec.Command(path, args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	var stderr bytes.Buffer
	cmd.Stderr = &limitedWriter{w: &stderr, left: 8 << 10}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return stats, err
	}
	if err := cmd.Start(); err != nil {
		return stats, fmt.Errorf("nmap: %w", err)
	}
	stopKill := context.AfterFunc(ctx, func() { _ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) })
	defer stopKill()

	hosts := make(chan result.Host)
	var wg sync.WaitGroup
	var mu sync.Mutex
	for range hostWorkers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for h := range hosts {
				h = enrich(ctx, h, opts, checks, cve)
				mu.Lock()
				stats.HostsUp++
				stats.PortsOpen += len(h.Ports)
				stats.Findings += len(h.Findings)
				for _, f := range h.Findings {
					stats.BySeverity[f.Severity]++
				}
				mu.Unlock()
				send(ctx, events, result.Event{Kind: result.EventHostDone, Time: time.Now().UTC(), IP: h.IP, Host: &h})
			}
		}()
	}
	phases := &progress{}
	_, readErr := importer.ReadNmap(bufio.NewReaderSize(stdout, 64<<10), func(h result.Host) error {
		if h.Status != result.HostUp || !allowed(set, h.IP) {
			return nil // nmap resolved a name to an excluded address: drop what it saw
		}
		select {
		case hosts <- h:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}, func(task string, pct float64) {
		if p, ok := phases.update(task, pct, detect); ok {
			send(ctx, events, result.Event{Kind: result.EventProgress, Time: time.Now().UTC(), Progress: p})
		}
	})
	close(hosts)
	if readErr != nil {
		_, _ = io.Copy(io.Discard, stdout) // let nmap finish writing before Wait
	}
	waitErr := cmd.Wait()
	wg.Wait()
	stats.Finished = time.Now().UTC()
	stats.Duration = stats.Finished.Sub(stats.Started)
	switch {
	case ctx.Err() != nil:
		return stats, ctx.Err()
	case waitErr != nil:
		return stats, fmt.Errorf("nmap: %v: %s", waitErr, strings.TrimSpace(stderr.String()))
	case readErr != nil:
		return stats, fmt.Errorf("nmap: reading its output: %w", readErr)
	}
	return stats, nil
}

// nmapArgs builds nmap's command line. Connect scans need no privilege;
// reverse DNS is off (host names come from the target); output is XML on
// stdout with progress lines every few seconds.
func nmapArgs(opts scanner.Options, ports portspec.List, detect bool, targets, exclude string) []string {
	args := []string{"-oX", "-", "--no-stylesheet", "--stats-every", "5s", "-n", "-sT",
		"-p", ports.String(), "-iL", targets, "--excludefile", exclude, "-T4", "--open"}
	if ports.CountProtocol(portspec.UDP) > 0 {
		args = append(args, "-sU")
	}
	if detect {
		args = append(args, "-sV")
	}
	if opts.NoPing || opts.Profile.Discovery == "none" {
		args = append(args, "-Pn")
	}
	rate := opts.Rate
	if rate == 0 {
		rate = opts.Profile.Rate
	}
	if rate > 0 {
		args = append(args, "--max-rate", strconv.Itoa(rate))
	}
	if opts.Timeout > 0 {
		args = append(args, "--max-rtt-timeout", strconv.FormatInt(opts.Timeout.Milliseconds(), 10)+"ms")
	}
	return args
}

// enrich runs Perimeter's checks and CVE matching on the services nmap found.
func enrich(ctx context.Context, h result.Host, opts scanner.Options, checks, cve bool) result.Host {
	hostname := ""
	if len(h.Hostnames) > 0 {
		hostname = h.Hostnames[0]
	}
	var checker scanner.Checker = scanner.RegisteredChecks{}
	if opts.Checker != nil {
		checker = opts.Checker
	}
	for _, svc := range h.Ports {
		if ctx.Err() != nil {
			break
		}
		if checks && svc.State == result.PortOpen {
			found, _ := checker.Check(ctx, h.IP, hostname, svc, opts.Profile.Families, checkConcurrency)
			h.Findings = append(h.Findings, found...)
		}
		if cve && opts.CVEMatcher != nil && svc.Product != "" {
			h.Findings = append(h.Findings, opts.CVEMatcher.Match(svc)...)
		}
	}
	for i, f := range h.Findings {
		if f.Severity == "" {
			h.Findings[i].Severity = result.SeverityFor(f.CVSSScore)
		}
	}
	return h
}

// targetLines lists the target for nmap -iL: each address span as CIDR
// blocks (nmap has no a.b.c.d-e.f.g.h form), then the host names.
func targetLines(set *hostspec.Set) []string {
	var out []string
	for _, sp := range set.Spans() {
		for _, p := range spanPrefixes(sp.First, sp.Last) {
			out = append(out, p.String())
		}
	}
	return append(out, set.Hostnames()...)
}

// excludeLines lists the exclusions for nmap --excludefile: nmap applies
// them to the addresses it resolves host names to as well.
func excludeLines(excl *hostspec.Set) []string {
	out := []string{"255.255.255.255"} // never empty: nmap refuses an empty exclude file
	for _, sp := range excl.Spans() {
		for _, p := range spanPrefixes(sp.First, sp.Last) {
			out = append(out, p.String())
		}
	}
	return out
}

// allowed reports whether an address nmap reports may be kept: not excluded,
// and in the target — or, when the target names hosts, possibly one of their
// addresses (nmap resolved them; which name gave which address it does not
// say).
func allowed(set *hostspec.Set, ip netip.Addr) bool {
	if set.Excludes(ip) {
		return false
	}
	return set.Contains(ip) || len(set.Hostnames()) > 0
}

// spanPrefixes splits [first, last] into the fewest CIDR prefixes.
func spanPrefixes(first, last netip.Addr) []netip.Prefix {
	var out []netip.Prefix
	for first.IsValid() && first.Compare(last) <= 0 {
		bits := first.BitLen()
		for bits > 0 {
			p := netip.PrefixFrom(first, bits-1).Masked()
			if p.Addr() != first || lastOf(p).Compare(last) > 0 {
				break
			}
			bits--
		}
		p := netip.PrefixFrom(first, bits)
		out = append(out, p)
		end := lastOf(p)
		if end == last {
			break
		}
		first = end.Next()
	}
	return out
}

// lastOf is a prefix's last address.
func lastOf(p netip.Prefix) netip.Addr {
	b := p.Addr().AsSlice()
	for i := p.Bits(); i < len(b)*8; i++ {
		b[i/8] |= 1 << (7 - i%8)
	}
	a, _ := netip.AddrFromSlice(b)
	return a
}

func tcpOnly(l portspec.List) portspec.List {
	var out portspec.List
	for _, r := range l {
		if r.Protocol == portspec.TCP {
			out = append(out, r)
		}
	}
	return out
}

func flag(override *bool, profile bool) bool {
	if override != nil {
		return *override
	}
	return profile
}

func send(ctx context.Context, events chan<- result.Event, ev result.Event) {
	select {
	case events <- ev:
	case <-ctx.Done():
	}
}

// progress turns nmap's per-task percentages into one figure: the port scan
// is the first 60 % (all of it without service detection), the service scan
// the rest.
type progress struct {
	mu   sync.Mutex
	last float64
}

func (p *progress) update(task string, pct float64, detect bool) (float64, bool) {
	var v float64
	switch {
	case strings.Contains(task, "Service scan"):
		v = 60 + pct*0.39
	case strings.Contains(task, "Scan") && detect:
		v = pct * 0.6
	case strings.Contains(task, "Scan"):
		v = pct * 0.99
	default:
		return 0, false // ping, DNS, NSE: brief
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if v <= p.last {
		return 0, false
	}
	p.last = v
	return v, true
}

// limitedWriter keeps the first left bytes (nmap's stderr, for the error).
type limitedWriter struct {
	w    io.Writer
	left int
}

func (l *limitedWriter) Write(p []byte) (int, error) {
	n := len(p)
	if l.left > 0 {
		k := min(l.left, len(p))
		_, _ = l.w.Write(p[:k])
		l.left -= k
	}
	return n, nil
}
