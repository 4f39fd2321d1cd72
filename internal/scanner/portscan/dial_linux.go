//go:build linux

package portscan

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"os"
	"strconv"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// errSelfConnect reports that the kernel picked the destination port as our
// own source port on the same address (TCP simultaneous open): the "open" port
// was our own socket. Retrying picks another source port.
var errSelfConnect = errors.New("portscan: connected to itself")

// SocketDialer is the Linux Dialer: non-blocking sockets driven with raw system
// calls. Most answers on a LAN or loopback arrive while connect(2) returns, so
// an attempt usually costs connect + getsockopt and no poller round trip;
// attempts still pending are handed to the Go runtime's poller. A socket whose
// connection was refused is dissolved with connect(AF_UNSPEC) and reused, which
// saves socket(2)/close(2) and the kernel's allocation of a socket for nearly
// every closed port. Close releases the reusable sockets.
type SocketDialer struct {
	idle4, idle6 chan int
	closed       atomic.Bool
}

// NewSocketDialer returns a SocketDialer that keeps at most maxIdle reusable
// sockets per address family (0 disables reuse).
func NewSocketDialer(maxIdle int) *SocketDialer {
	return &SocketDialer{idle4: make(chan int, maxIdle), idle6: make(chan int, maxIdle)}
}

// NewDialer returns the fastest Dialer for this platform. Close it (it is an
// io.Closer on Linux) to release cached sockets.
func NewDialer(maxIdle int) Dialer { return NewSocketDialer(maxIdle) }

// Close closes the cached sockets; the dialer stays usable without reuse.
// It never returns an error.
func (d *SocketDialer) Close() error {
	d.closed.Store(true)
	for _, ch := range []chan int{d.idle4, d.idle6} {
		for {
			select {
			case fd := <-ch:
				_ = unix.Close(fd)
				continue
			default:
			}
			break
		}
	}
	return nil
}

// Dial implements Dialer; see Dialer for the errors it returns. Errors from
// system calls are returned as bare syscall.Errno values.
func (d *SocketDialer) Dial(ctx context.Context, addr netip.AddrPort, timeout time.Duration) error {
	sa, idle, family, err := d.sockaddr(addr)
	if err != nil {
		return err
	}
	fd, err := d.socket(idle, family)
	if err != nil {
		return err
	}
	switch err := unix.Connect(fd, sa); err {
	case unix.EINPROGRESS:
	case nil:
		return finishOpen(fd, addr)
	case unix.ECONNREFUSED:
		d.recycle(fd, idle)
		return syscall.ECONNREFUSED
	default:
		_ = unix.Close(fd)
		return err
	}
	// On loopback and fast links the answer has usually been processed by
	// the time connect returns: look before involving the poller.
	soerr, err := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_ERROR)
	switch {
	case err != nil:
		_ = unix.Close(fd)
		return err
	case soerr == int(unix.ECONNREFUSED):
		d.recycle(fd, idle)
		return syscall.ECONNREFUSED
	case handshakeDone(soerr):
		_ = unix.Close(fd)
		return nil
	case soerr != 0:
		_ = unix.Close(fd)
		return syscall.Errno(soerr)
	}
	if tcpState(fd) != tcpSynSent {
		return finishOpen(fd, addr)
	}
	return waitConnect(ctx, fd, addr, timeout)
}

// socket returns a reusable socket of the family or a new one.
func (d *SocketDialer) socket(idle chan int, family int) (int, error) {
	select {
	case fd := <-idle:
		return fd, nil
	default:
	}
	return unix.Socket(family, unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
}

// recycle dissolves a refused socket's association and keeps it for reuse.
func (d *SocketDialer) recycle(fd int, idle chan int) {
	if d.closed.Load() || disconnect(fd) != nil {
		_ = unix.Close(fd)
		return
	}
	select {
	case idle <- fd:
	default:
		_ = unix.Close(fd)
	}
}

// disconnect is connect(2) with an AF_UNSPEC address: documented to dissolve
// a TCP socket's association so that it can connect again.
func disconnect(fd int) error {
	sa := unix.RawSockaddr{Family: unix.AF_UNSPEC}
	_, _, e := unix.Syscall(unix.SYS_CONNECT, uintptr(fd), uintptr(unsafe.Pointer(&sa)), unsafe.Sizeof(sa))
	if e != 0 {
		return e
	}
	return nil
}

// tcpSynSent is TCP_SYN_SENT (include/net/tcp_states.h): the only state in
// which a connect is still waiting for its answer. Any other state with no
// pending error means the handshake completed; the peer may already have
// closed (CLOSE_WAIT) when the server accepts and hangs up at once.
const tcpSynSent = 2

// handshakeDone tells whether a socket error proves the handshake completed:
// Linux reports a reset as ECONNREFUSED only in SYN_SENT, and as ECONNRESET
// (or EPIPE after the peer's FIN) once the connection was established — a
// server that accepts and resets at once is still an open port.
func handshakeDone(soerr int) bool {
	return soerr == int(unix.ECONNRESET) || soerr == int(unix.EPIPE)
}

// tcpState returns the socket's TCP state, or 0 if it cannot be read.
func tcpState(fd int) uint8 {
	info, err := unix.GetsockoptTCPInfo(fd, unix.IPPROTO_TCP, unix.TCP_INFO)
	if err != nil {
		return 0
	}
	return info.State
}

// finishOpen closes an established connection with a reset (SO_LINGER 0) so
// neither side keeps TIME_WAIT state, after making sure it is not a
// self-connection.
func finishOpen(fd int, addr netip.AddrPort) error {
	defer unix.Close(fd)
	return openCheck(fd, addr)
}

func isSelfConnect(fd int, addr netip.AddrPort) bool {
	local, err := unix.Getsockname(fd)
	if err != nil {
		return false
	}
	switch sa := local.(type) {
	case *unix.SockaddrInet4:
		return sa.Port == int(addr.Port()) && netip.AddrFrom4(sa.Addr) == addr.Addr()
	case *unix.SockaddrInet6:
		return sa.Port == int(addr.Port()) && netip.AddrFrom16(sa.Addr) == addr.Addr().WithZone("")
	}
	return false
}

// waitConnect waits for a pending connect through the runtime poller, so a
// slow host costs a parked goroutine rather than an OS thread.
func waitConnect(ctx context.Context, fd int, addr netip.AddrPort, timeout time.Duration) error {
	f := os.NewFile(uintptr(fd), "tcp-connect")
	defer f.Close()
	if err := f.SetWriteDeadline(time.Now().Add(timeout)); err != nil {
		return err // the descriptor could not join the poller
	}
	stop := context.AfterFunc(ctx, func() { _ = f.SetWriteDeadline(aLongTimeAgo) })
	defer stop()
	rc, err := f.SyscallConn()
	if err != nil {
		return err
	}
	var result error
	reset := false // the peer reset an established connection
	werr := rc.Write(func(fd uintptr) bool {
		soerr, err := unix.GetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_ERROR)
		switch {
		case err != nil:
			result = err
		case handshakeDone(soerr):
			result, reset = nil, true
		case soerr != 0:
			result = syscall.Errno(soerr)
		case tcpState(int(fd)) == tcpSynSent:
			return false // still in the handshake: keep waiting
		default:
			result = nil
		}
		return true
	})
	if werr != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return werr // os.ErrDeadlineExceeded
	}
	if result != nil || reset {
		return result
	}
	var open error
	if cerr := rc.Control(func(fd uintptr) { open = openCheck(int(fd), addr) }); cerr != nil {
		return cerr
	}
	return open
}

// openCheck rejects self-connections and arms the reset-on-close.
func openCheck(fd int, addr netip.AddrPort) error {
	if isSelfConnect(fd, addr) {
		return errSelfConnect
	}
	_ = unix.SetsockoptLinger(fd, unix.SOL_SOCKET, unix.SO_LINGER, &unix.Linger{Onoff: 1, Linger: 0})
	return nil
}

// sockaddr converts addr for connect(2) and picks the socket family and the
// matching cache of reusable sockets.
func (d *SocketDialer) sockaddr(addr netip.AddrPort) (unix.Sockaddr, chan int, int, error) {
	ip := addr.Addr().Unmap()
	if ip.Is4() {
		return &unix.SockaddrInet4{Port: int(addr.Port()), Addr: ip.As4()}, d.idle4, unix.AF_INET, nil
	}
	if !ip.Is6() {
		return nil, nil, 0, errors.New("portscan: invalid address")
	}
	zone, err := zoneIndex(ip.Zone())
	if err != nil {
		return nil, nil, 0, err
	}
	return &unix.SockaddrInet6{Port: int(addr.Port()), Addr: ip.As16(), ZoneId: zone}, d.idle6, unix.AF_INET6, nil
}

func zoneIndex(zone string) (uint32, error) {
	if zone == "" {
		return 0, nil
	}
	if n, err := strconv.ParseUint(zone, 10, 32); err == nil {
		return uint32(n), nil
	}
	ifi, err := net.InterfaceByName(zone)
	if err != nil {
		return 0, err
	}
	return uint32(ifi.Index), nil
}
