package portscan

import (
	"context"
	"net"
	"net/netip"
	"time"

	"github.com/perimeterhq/perimeter/internal/scanner/result"
)

// aLongTimeAgo is a deadline in the past, used to wake a waiting socket.
var aLongTimeAgo = time.Unix(1, 0)

// udp probes each UDP port through a connected socket: an answer proves it
// open, an ICMP port unreachable (reported by the kernel as ECONNREFUSED on
// the connected socket) proves it closed, and silence after every retry
// leaves it open|filtered.
func (hs *hostScan) udp(ctx context.Context, ports []int) error {
	if len(ports) == 0 {
		return nil
	}
	hs.each(ctx, ports, func(port int) {
		hs.probeUDP(ctx, port)
		hs.done(1)
	})
	if err := hs.fatalErr(); err != nil {
		return err
	}
	return ctx.Err()
}

func (hs *hostScan) probeUDP(ctx context.Context, port int) {
	ap := netip.AddrPortFrom(hs.addr, uint16(port))
	conn := hs.dialUDP(ctx, ap)
	if conn == nil {
		return
	}
	defer conn.Close()
	stop := context.AfterFunc(ctx, func() { _ = conn.SetReadDeadline(aLongTimeAgo) })
	defer stop()

	probe := hs.s.udpProbeFor(port)
	// Answers take at least a round trip plus the service's work: wait for
	// UDPTimeout, or longer when the host's measured timeout is longer.
	timeout := hs.s.timing.UDPTimeout
	if hs.est.SRTT() > 0 {
		timeout = max(timeout, hs.est.Timeout())
	}
	buf := make([]byte, 2048)
	for range hs.s.timing.Retries + 1 {
		for _, msg := range probe.requests() {
			if !hs.wait(ctx) {
				return
			}
			hs.probes.Add(1)
			if _, err := conn.Write(msg); err != nil {
				hs.udpError(ctx, port, err)
				return
			}
		}
		if err := conn.SetReadDeadline(time.Now().Add(timeout)); err != nil {
			hs.fail(port, err)
			return
		}
		// A cancel that came before this deadline was set had its wake-up
		// overwritten; one that comes after wakes the read below.
		if ctx.Err() != nil {
			return
		}
		n, err := conn.Read(buf)
		if err == nil {
			svc := result.Service{Port: port, Protocol: result.UDP, State: result.PortOpen}
			if name, banner, ok := probe.parse(buf[:n]); ok {
				svc.Service, svc.Banner = name, banner
			}
			hs.found(svc)
			return
		}
		if Classify(err) != OutcomeFiltered || ctx.Err() != nil {
			hs.udpError(ctx, port, err)
			return
		}
	}
	hs.found(result.Service{Port: port, Protocol: result.UDP, State: result.PortOpenFiltered})
}

// dialUDP opens a connected UDP socket, backing off on resource errors. It
// returns nil (with the port recorded as failed) when it cannot.
func (hs *hostScan) dialUDP(ctx context.Context, ap netip.AddrPort) *net.UDPConn {
	for attempt := 0; ; attempt++ {
		conn, err := net.DialUDP("udp", nil, net.UDPAddrFromAddrPort(ap))
		if err == nil {
			return conn
		}
		if Classify(err) != OutcomeRetry || attempt >= hs.s.resRetry {
			hs.fail(int(ap.Port()), err)
			return nil
		}
		if !Backoff(ctx, attempt) {
			return nil
		}
	}
}

// udpError records what a failed UDP read or write says about the port.
func (hs *hostScan) udpError(ctx context.Context, port int, err error) {
	if ctx.Err() != nil {
		return
	}
	switch Classify(err) {
	case OutcomeClosed:
		hs.closed.Add(1)
	case OutcomeUnreachable:
		hs.mu.Lock()
		hs.filtered++
		hs.mu.Unlock()
	default:
		hs.fail(port, err)
	}
}
