package portscan

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"os"
	"syscall"
	"time"
)

// Dialer makes one TCP connection attempt and closes the connection at once:
// a connect scan only needs to know how the handshake ended.
//
// Dial returns nil when the handshake completed, an error wrapping
// syscall.ECONNREFUSED when the port answered with a reset, an error wrapping
// os.ErrDeadlineExceeded when nothing answered within timeout, ctx.Err() when
// ctx ended first, and any other error (EMFILE, EADDRNOTAVAIL, EHOSTUNREACH, …)
// as the system reported it, so that Classify can tell "retry" from "filtered".
// Implementations must be safe for concurrent use.
type Dialer interface {
	Dial(ctx context.Context, addr netip.AddrPort, timeout time.Duration) error
}

// Outcome is what one connection attempt says about a port.
type Outcome uint8

// Outcomes of Classify.
const (
	// OutcomeOpen: the handshake completed.
	OutcomeOpen Outcome = iota
	// OutcomeClosed: the host answered with a reset.
	OutcomeClosed
	// OutcomeFiltered: nothing answered in time; worth another try.
	OutcomeFiltered
	// OutcomeUnreachable: the network or host reported itself unreachable
	// (ICMP unreachable, local firewall); the port counts as filtered without
	// another try.
	OutcomeUnreachable
	// OutcomeRetry: a local resource ran out (descriptors, ephemeral ports,
	// buffers); back off and try the same port again. Never "closed".
	OutcomeRetry
	// OutcomeCanceled: the scan's context ended.
	OutcomeCanceled
	// OutcomeError: an error the scanner does not understand; reported, not
	// classified.
	OutcomeError
)

// Classify maps the error of a Dial to what it means for the port.
func Classify(err error) Outcome {
	if err == nil {
		return OutcomeOpen
	}
	// The common cases first, without errors.Is walking wrappers: the fast
	// dialer returns bare Errno values.
	if errno, ok := err.(syscall.Errno); ok {
		return classifyErrno(errno)
	}
	switch {
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return OutcomeCanceled
	case errors.Is(err, os.ErrDeadlineExceeded):
		return OutcomeFiltered
	case errors.Is(err, errSelfConnect):
		return OutcomeRetry
	}
	var errno syscall.Errno
	if errors.As(err, &errno) {
		return classifyErrno(errno)
	}
	var nerr net.Error
	if errors.As(err, &nerr) && nerr.Timeout() {
		return OutcomeFiltered
	}
	return OutcomeError
}

func classifyErrno(errno syscall.Errno) Outcome {
	switch errno {
	case syscall.ECONNREFUSED:
		return OutcomeClosed
	case syscall.ETIMEDOUT:
		return OutcomeFiltered
	case syscall.EMFILE, syscall.ENFILE, syscall.ENOBUFS, syscall.ENOMEM,
		syscall.EADDRNOTAVAIL, syscall.EADDRINUSE, syscall.EAGAIN, syscall.EINTR:
		return OutcomeRetry
	case syscall.EHOSTUNREACH, syscall.ENETUNREACH, syscall.EHOSTDOWN, syscall.ENETDOWN,
		syscall.EACCES, syscall.EPERM, syscall.ECONNRESET, syscall.ECONNABORTED:
		// ECONNRESET/ABORTED during a handshake come from middleboxes, not
		// from a closed port: count them as filtered.
		return OutcomeUnreachable
	}
	return OutcomeError
}

// NetDialer is the portable Dialer built on net.Dialer. It is slower than the
// Linux socket dialer (more system calls and allocations per attempt) but
// works everywhere Go does.
type NetDialer struct{}

// Dial implements Dialer; see Dialer for the errors it returns.
func (NetDialer) Dial(ctx context.Context, addr netip.AddrPort, timeout time.Duration) error {
	d := net.Dialer{Timeout: timeout, KeepAlive: -1}
	c, err := d.DialContext(ctx, "tcp", addr.String())
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return err
	}
	if tc, ok := c.(*net.TCPConn); ok {
		// Reset instead of FIN: no TIME_WAIT left behind on our side.
		_ = tc.SetLinger(0)
	}
	return c.Close()
}
