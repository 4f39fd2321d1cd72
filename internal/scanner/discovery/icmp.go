package discovery

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"sync"
	"syscall"
	"time"

	probing "github.com/prometheus-community/pro-bing"
	"golang.org/x/net/icmp"
)

// ErrICMPNotPermitted means this process may not send ICMP echo: on Linux,
// unprivileged "ping sockets" are limited to the groups in
// net.ipv4.ping_group_range and raw sockets need CAP_NET_RAW.
var ErrICMPNotPermitted = errors.New("discovery: ICMP echo not permitted")

// icmp pings addr, asking for a TCP fallback when ICMP is not permitted.
func (p *Prober) icmp(ctx context.Context, addr netip.Addr) answer {
	pinger := p.Pinger
	if pinger == nil {
		pinger = SystemPinger
	}
	if err := p.wait(ctx); err != nil {
		return answer{err: err}
	}
	rtt, ok, err := pinger.Ping(ctx, addr, p.timeout())
	switch {
	case errors.Is(err, ErrICMPNotPermitted):
		return answer{fallback: true}
	case ctx.Err() != nil:
		return answer{err: ctx.Err()}
	case ok:
		return answer{result: Result{Up: true, Reason: ReasonEchoReply, RTT: rtt}}
	}
	// No reply, or a local error: no proof either way.
	return answer{result: Result{Reason: ReasonNoResponse}}
}

// SystemPinger pings with pro-bing: unprivileged ICMP ("ping") sockets where
// the system allows them, raw sockets when the process may open those, and
// ErrICMPNotPermitted otherwise. What is permitted is found out once per
// address family.
var SystemPinger Pinger = &systemPinger{}

type systemPinger struct {
	v4, v6 icmpMode
}

// icmpMode caches which kind of ICMP socket one address family may use.
type icmpMode struct {
	once       sync.Once
	privileged bool
	permitted  bool
}

func (m *icmpMode) detect(v4 bool) {
	m.once.Do(func() {
		unpriv, priv := "udp6", "ip6:ipv6-icmp"
		addr := "::"
		if v4 {
			unpriv, priv, addr = "udp4", "ip4:icmp", "0.0.0.0"
		}
		for _, mode := range []struct {
			network    string
			privileged bool
		}{{unpriv, false}, {priv, true}} {
			c, err := icmp.ListenPacket(mode.network, addr)
			if err == nil {
				c.Close()
				m.permitted, m.privileged = true, mode.privileged
				return
			}
			if !permissionDenied(err) {
				// Another failure (no IPv6, for instance): ICMP is not
				// usable, which the caller treats the same way.
				return
			}
		}
	})
}

func permissionDenied(err error) bool {
	return errors.Is(err, syscall.EPERM) || errors.Is(err, syscall.EACCES) ||
		errors.Is(err, syscall.EPROTONOSUPPORT) || errors.Is(err, syscall.EAFNOSUPPORT)
}

// Ping implements Pinger.
func (s *systemPinger) Ping(ctx context.Context, addr netip.Addr, timeout time.Duration) (time.Duration, bool, error) {
	addr = addr.Unmap()
	mode := &s.v6
	if addr.Is4() {
		mode = &s.v4
	}
	mode.detect(addr.Is4())
	if !mode.permitted {
		return 0, false, ErrICMPNotPermitted
	}
	pinger := probing.New(addr.String())
	pinger.SetIPAddr(&net.IPAddr{IP: addr.AsSlice(), Zone: addr.Zone()})
	pinger.SetPrivileged(mode.privileged)
	pinger.SetLogger(probing.NoopLogger{})
	// Two echoes half the timeout apart: one lost packet does not make a
	// host look down.
	pinger.Count = 2
	pinger.Interval = timeout / 2
	pinger.Timeout = timeout
	var once sync.Once
	var rtt time.Duration
	pinger.OnRecv = func(pkt *probing.Packet) {
		once.Do(func() { rtt = pkt.Rtt })
		pinger.Stop() // one reply is proof enough
	}
	if err := pinger.RunWithContext(ctx); err != nil {
		if ctx.Err() != nil {
			return 0, false, ctx.Err()
		}
		if permissionDenied(err) {
			return 0, false, ErrICMPNotPermitted
		}
		return 0, false, err
	}
	stats := pinger.Statistics()
	if stats.PacketsRecv == 0 {
		return 0, false, nil
	}
	return rtt, true, nil
}
