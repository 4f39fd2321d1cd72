package scanner

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/perimeterhq/perimeter/internal/pci"
	"github.com/perimeterhq/perimeter/internal/scanner/checks"
	"github.com/perimeterhq/perimeter/internal/scanner/portscan"
	"github.com/perimeterhq/perimeter/internal/scanner/result"
)

// scanHost runs every stage for one host and emits its events. It returns
// without EventHostDone when ctx ends.
func (e *engine) scanHost(ctx context.Context, h hostTarget) {
	if ctx.Err() != nil {
		return
	}
	prog := e.progress.start(len(e.p.tcp) + len(e.p.udp))
	defer e.progress.hostDone(prog)
	host := &result.Host{IP: h.addr, Hostnames: h.names, Ports: []result.Service{}, Findings: []result.Finding{}}
	ipEvent := result.Event{IP: h.addr}

	d, err := e.prober.Probe(ctx, h.addr)
	if err != nil {
		if ctx.Err() == nil {
			e.emitError(ctx, ipEvent, "discovery of %s: %v", h.addr, err)
		}
		return
	}
	host.Reason, host.RTT = d.Reason, d.RTT
	if !d.Up {
		host.Status = result.HostDown
		e.emit(ctx, result.Event{Kind: result.EventHostDown, IP: h.addr, Host: cloneHost(host)})
		e.emit(ctx, result.Event{Kind: result.EventHostDone, IP: h.addr, Host: host})
		return
	}
	host.Status = result.HostUp
	e.mu.Lock()
	e.stats.HostsUp++
	e.mu.Unlock()
	e.emit(ctx, result.Event{Kind: result.EventHostUp, IP: h.addr, Host: cloneHost(host)})

	prog.phase.Store(1)
	res, err := e.ports.Scan(ctx, portscan.Target{Addr: h.addr, TCP: e.p.tcp, UDP: e.p.udp, RTT: d.RTT}, portscan.Hooks{
		Open: func(svc result.Service) {
			e.emit(ctx, result.Event{Kind: result.EventPortOpen, IP: h.addr, Service: &svc})
		},
		Done: func(n int) { prog.portsDone.Add(int64(n)) },
	})
	e.mu.Lock()
	e.stats.PortsProbed += res.Probes
	e.mu.Unlock()
	if res.LastError != nil {
		e.emitError(ctx, ipEvent, "%s: %d ports left unclassified after local errors (%v)", h.addr, len(res.Failed), res.LastError)
	}
	if err != nil {
		if ctx.Err() == nil {
			e.emitError(ctx, ipEvent, "port scan of %s: %v", h.addr, err)
		}
		return
	}
	if res.SRTT > 0 {
		host.RTT = res.SRTT
	}
	host.Ports = append(host.Ports, res.Ports...)

	prog.phase.Store(2)
	e.services(ctx, host, prog)
	if ctx.Err() != nil {
		return
	}
	sortFindings(host.Findings)
	e.mu.Lock()
	for _, svc := range host.Ports {
		if svc.State == result.PortOpen {
			e.stats.PortsOpen++
		}
	}
	e.stats.Findings += len(host.Findings)
	for _, f := range host.Findings {
		e.stats.BySeverity[f.Severity]++
	}
	e.mu.Unlock()
	e.emit(ctx, result.Event{Kind: result.EventHostDone, IP: h.addr, Host: host})
}

// services runs detection, checks and CVE matching over the host's ports.
// Workers × check concurrency stays within the per-host limit, so the limit
// bounds connections to the host in this stage as in the port scan (the
// detector and each check hold one connection at a time).
func (e *engine) services(ctx context.Context, host *result.Host, prog *hostProgress) {
	if len(host.Ports) == 0 || (!e.p.detect && !e.p.checks && !e.p.cve) {
		return
	}
	perHost := e.p.profile.PerHost
	checkConc := 1 // detection holds one connection at a time
	if e.p.checks {
		checkConc = min(checks.DefaultConcurrency, perHost)
	}
	workers := min(max(1, perHost/checkConc), 16, len(host.Ports))
	prog.svcTotal.Store(int64(len(host.Ports)))
	hostname := ""
	if len(host.Hostnames) > 0 {
		hostname = host.Hostnames[0]
	}

	found := make([][]result.Finding, len(host.Ports))
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for ctx.Err() == nil {
				i := int(next.Add(1) - 1)
				if i >= len(host.Ports) {
					return
				}
				host.Ports[i], found[i] = e.service(ctx, host, hostname, host.Ports[i], checkConc)
				prog.svcDone.Add(1)
			}
		})
	}
	wg.Wait()
	for _, fs := range found {
		host.Findings = append(host.Findings, fs...)
	}
}

// service handles one port: detection, then checks and CVE matching when the
// port is open.
func (e *engine) service(ctx context.Context, host *result.Host, hostname string, svc result.Service, checkConc int) (result.Service, []result.Finding) {
	ev := result.Event{IP: host.IP}
	if e.p.detect && e.detector != nil {
		dctx, cancel := context.WithTimeout(ctx, e.p.profile.DetectTimeout)
		svc = e.detector.Detect(dctx, host.IP, hostname, svc)
		cancel()
		if ctx.Err() != nil {
			return svc, nil
		}
		s := svc
		e.emit(ctx, result.Event{Kind: result.EventService, IP: host.IP, Service: &s})
	}
	if svc.State != result.PortOpen {
		return svc, nil
	}
	var findings []result.Finding
	if e.p.checks {
		fs, errs := e.checker.Check(ctx, host.IP, hostname, svc, e.p.profile.Families, checkConc)
		findings = append(findings, fs...)
		for _, err := range errs {
			if ctx.Err() != nil || errors.Is(err, context.Canceled) {
				break
			}
			e.emitError(ctx, ev, "%v", err)
		}
	}
	if e.p.cve && e.cve != nil {
		findings = append(findings, e.cve.Match(svc)...)
	}
	for i := range findings {
		normalizeFinding(&findings[i], svc)
		f := findings[i]
		e.emit(ctx, result.Event{Kind: result.EventFinding, IP: host.IP, Finding: &f})
	}
	return svc, findings
}

// normalizeFinding derives what the engine owns: severity from the score,
// the PCI verdict (pci.Fails), and the port the finding was made on.
func normalizeFinding(f *result.Finding, svc result.Service) {
	f.Severity = result.SeverityFor(f.CVSSScore)
	f.PCIFail = pci.Fails(pci.Facts{Score: f.CVSSScore, DoSOnly: f.DoSOnly, AutoFail: f.PCIAutoFail})
	if f.Port == 0 && f.Protocol == "" {
		f.Port, f.Protocol = svc.Port, svc.Protocol
	}
	if f.Service == "" {
		f.Service = svc.Service
	}
	if f.CVEs == nil {
		f.CVEs = []string{}
	}
	if f.References == nil {
		f.References = []string{}
	}
}

// sortFindings orders findings by score (highest first), then port and
// check ID, so the most severe come first everywhere.
func sortFindings(fs []result.Finding) {
	slices.SortStableFunc(fs, func(a, b result.Finding) int {
		return cmp.Or(
			cmp.Compare(b.CVSSScore, a.CVSSScore),
			cmp.Compare(a.Port, b.Port),
			cmp.Compare(a.Protocol, b.Protocol),
			cmp.Compare(a.CheckID, b.CheckID),
		)
	})
}

// cloneHost copies the host's top level for an event, so later changes by
// the engine do not show through the event a consumer already holds.
func cloneHost(h *result.Host) *result.Host {
	c := *h
	c.Hostnames = slices.Clone(h.Hostnames)
	c.Ports = slices.Clone(h.Ports)
	c.Findings = slices.Clone(h.Findings)
	return &c
}
