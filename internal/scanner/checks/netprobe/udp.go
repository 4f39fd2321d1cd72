package netprobe

import (
	"context"
	"errors"
	"fmt"
	"net"
	"time"
)

// ErrNoResponse is returned by Exchange when no acceptable datagram arrived.
// For UDP services silence is the normal answer to a refused request (a wrong
// SNMP community, a resolver ignoring strangers), so callers usually treat it
// as "not vulnerable" rather than as a failure.
var ErrNoResponse = errors.New("netprobe: no response")

// MaxDatagram is the largest datagram Exchange reads.
const MaxDatagram = 65535

// Exchange sends req to addr over UDP up to tries times, waiting perTry for a
// datagram that accept approves (wrong IDs, stray packets are skipped), and
// returns it. It returns ErrNoResponse after the last try, ctx.Err() when the
// context ends first, or the socket error (an ICMP port unreachable shows up
// as a read error on a connected UDP socket).
func Exchange(ctx context.Context, addr string, req []byte, tries int, perTry time.Duration, accept func([]byte) bool) ([]byte, error) {
	if tries < 1 {
		tries = 1
	}
	var d net.Dialer
	nc, err := d.DialContext(ctx, "udp", addr)
	if err != nil {
		return nil, fmt.Errorf("dial udp %s: %w", addr, err)
	}
	defer nc.Close()
	stop := context.AfterFunc(ctx, func() { _ = nc.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	buf := make([]byte, MaxDatagram)
	for try := 0; try < tries; try++ {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if _, err := nc.Write(req); err != nil {
			return nil, fmt.Errorf("write udp %s: %w", addr, err)
		}
		deadline := time.Now().Add(perTry)
		if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
			deadline = d
		}
		_ = nc.SetReadDeadline(deadline)
		for {
			n, err := nc.Read(buf)
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				break // next try
			}
			if err != nil {
				return nil, fmt.Errorf("read udp %s: %w", addr, err)
			}
			if accept == nil || accept(buf[:n]) {
				return append([]byte(nil), buf[:n]...), nil
			}
		}
	}
	return nil, ErrNoResponse
}
