package mysqlcheck

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"

	"github.com/perimeterhq/perimeter/internal/scanner/checks"
	"github.com/perimeterhq/perimeter/internal/scanner/checks/netprobe"
)

// Capability flags (MySQL client/server protocol).
const (
	capLongPassword     = 0x00000001
	capProtocol41       = 0x00000200
	capSSL              = 0x00000800
	capTransactions     = 0x00002000
	capSecureConnection = 0x00008000
	capPluginAuth       = 0x00080000
)

// maxPacket bounds a packet read; handshakes and OK/ERR packets are tiny.
const maxPacket = 64 << 10

var errProtocol = errors.New("not a MySQL answer")

// greeting is the server's handshake v10.
type greeting struct {
	version string
	caps    uint32
	plugin  string
}

// attempt is the outcome of one login.
type attempt struct {
	greeting
	user     string
	tls      bool
	accepted bool   // OK packet
	plugin   string // the plugin whose (empty) response was accepted or refused
	errCode  int    // ERR packet code
	errText  string
	stopped  string // why we left without a verdict (a plugin that needs a secret)
}

// packetConn reads and writes MySQL packets: 3-byte length, sequence id.
type packetConn struct {
	rw  io.ReadWriter
	seq byte
}

func (p *packetConn) read() ([]byte, error) {
	var hdr [4]byte
	if _, err := io.ReadFull(p.rw, hdr[:]); err != nil {
		return nil, fmt.Errorf("reading MySQL packet: %w", err)
	}
	n := int(hdr[0]) | int(hdr[1])<<8 | int(hdr[2])<<16
	if n > maxPacket {
		return nil, fmt.Errorf("%w: packet of %d bytes", errProtocol, n)
	}
	b := make([]byte, n)
	if _, err := io.ReadFull(p.rw, b); err != nil {
		return nil, fmt.Errorf("reading MySQL packet: %w", err)
	}
	p.seq = hdr[3] + 1
	return b, nil
}

func (p *packetConn) write(payload []byte) error {
	b := []byte{byte(len(payload)), byte(len(payload) >> 8), byte(len(payload) >> 16), p.seq}
	p.seq++
	_, err := p.rw.Write(append(b, payload...))
	return err
}

// parseGreeting reads a handshake v10 payload.
func parseGreeting(p []byte) (greeting, error) {
	var g greeting
	if len(p) < 1 || p[0] != 0x0a {
		return g, fmt.Errorf("%w: handshake protocol %x", errProtocol, p[:min(len(p), 1)])
	}
	end := bytes.IndexByte(p[1:], 0)
	if end < 1 || end > 128 {
		return g, fmt.Errorf("%w: server version", errProtocol)
	}
	g.version = string(p[1 : 1+end])
	rest := p[1+end+1:]
	// thread id (4), auth data 1 (8), filler (1), capabilities low (2)
	if len(rest) < 15 {
		return g, fmt.Errorf("%w: short handshake", errProtocol)
	}
	g.caps = uint32(binary.LittleEndian.Uint16(rest[13:15]))
	// charset (1), status (2), capabilities high (2), auth data length (1), reserved (10), auth data 2
	if len(rest) >= 20 {
		g.caps |= uint32(binary.LittleEndian.Uint16(rest[18:20])) << 16
	}
	if g.caps&capPluginAuth != 0 && len(rest) > 31 {
		skip := 31 + max(13, int(rest[20])-8)
		if skip < len(rest) {
			name := rest[skip:]
			if i := bytes.IndexByte(name, 0); i >= 0 {
				name = name[:i]
			}
			g.plugin = string(name)
		}
	}
	return g, nil
}

// handshakeResponse builds a HandshakeResponse41 for user with an empty
// auth response (an empty password gives an empty scramble for
// mysql_native_password, and caching_sha2_password sends nothing either).
// With ssl only the first 32 bytes, the SSLRequest, are returned.
func handshakeResponse(caps uint32, user, plugin string, ssl bool) []byte {
	b := binary.LittleEndian.AppendUint32(nil, caps)
	b = binary.LittleEndian.AppendUint32(b, 1<<24) // max packet size
	b = append(b, 0x21)                            // utf8_general_ci
	b = append(b, make([]byte, 23)...)
	if ssl {
		return b
	}
	b = append(b, user...)
	b = append(b, 0, 0) // user terminator; auth response length 0
	if caps&capPluginAuth != 0 {
		b = append(b, plugin...)
		b = append(b, 0)
	}
	return b
}

// emptyResponse is what a client with an empty password answers an auth
// (switch) request of plugin with, and false for plugins whose answer
// would need a secret or a key we do not send.
func emptyResponse(plugin string) ([]byte, bool) {
	switch plugin {
	case "mysql_native_password", "":
		return []byte{}, true
	case "caching_sha2_password", "sha256_password", "mysql_clear_password":
		return []byte{0}, true // the empty password, NUL-terminated
	}
	return nil, false
}

// tryEmptyPassword connects, upgrades to TLS when the server offers it
// (require_secure_transport refuses plain connections), and logs in as user
// with an empty password. Only empty responses are ever sent.
func tryEmptyPassword(ctx context.Context, t checks.Target, user string) (*attempt, error) {
	c, err := netprobe.Dial(ctx, "tcp", t.Addr())
	if err != nil {
		return nil, err
	}
	defer c.Close()
	pc := &packetConn{rw: c}
	first, err := pc.read()
	if err != nil {
		return nil, err
	}
	a := &attempt{user: user}
	if len(first) > 0 && first[0] == 0xff { // refused before the handshake ("Host is not allowed")
		a.errCode, a.errText = parseErr(first)
		return a, nil
	}
	if a.greeting, err = parseGreeting(first); err != nil {
		return nil, err
	}
	if a.caps&capProtocol41 == 0 || a.caps&capSecureConnection == 0 {
		return nil, fmt.Errorf("%w: server %q lacks protocol 4.1 authentication", errProtocol, a.version)
	}
	caps := uint32(capLongPassword | capProtocol41 | capTransactions | capSecureConnection)
	a.plugin = "mysql_native_password"
	if a.greeting.caps&capPluginAuth != 0 {
		caps |= capPluginAuth
		if _, ok := emptyResponse(a.greeting.plugin); ok && a.greeting.plugin != "" {
			a.plugin = a.greeting.plugin
		}
	}
	if a.greeting.caps&capSSL != 0 {
		if err := pc.write(handshakeResponse(caps|capSSL, "", "", true)); err != nil {
			return nil, err
		}
		sni := t.Hostname
		if net.ParseIP(sni) != nil {
			sni = ""
		}
		tc := tls.Client(c, &tls.Config{InsecureSkipVerify: true, ServerName: sni}) // certificates are the TLS family's concern
		if err := tc.HandshakeContext(ctx); err != nil {
			return nil, fmt.Errorf("mysql TLS: %w", err)
		}
		pc.rw, a.tls = tc, true
		caps |= capSSL
	}
	if err := pc.write(handshakeResponse(caps, user, a.plugin, false)); err != nil {
		return nil, err
	}
	for range 8 {
		p, err := pc.read()
		if err != nil {
			return nil, err
		}
		if len(p) == 0 {
			return nil, fmt.Errorf("%w: empty packet", errProtocol)
		}
		switch p[0] {
		case 0x00:
			a.accepted = true
			_ = (&packetConn{rw: pc.rw}).write([]byte{0x01}) // COM_QUIT
			return a, nil
		case 0xff:
			a.errCode, a.errText = parseErr(p)
			return a, nil
		case 0xfe: // AuthSwitchRequest: plugin name, NUL, its data
			name := p[1:]
			if i := bytes.IndexByte(name, 0); i >= 0 {
				name = name[:i]
			}
			a.plugin = string(name)
			resp, ok := emptyResponse(a.plugin)
			if !ok {
				a.stopped = fmt.Sprintf("the server switched to the %q plugin, which an empty password cannot answer without key material", a.plugin)
				return a, nil
			}
			if err := pc.write(resp); err != nil {
				return nil, err
			}
		case 0x01: // AuthMoreData (caching_sha2_password)
			if len(p) >= 2 && p[1] == 0x03 {
				continue // fast authentication succeeded: OK follows
			}
			a.stopped = "the server asked for full authentication (a password it would check)"
			return a, nil
		default:
			return nil, fmt.Errorf("%w: packet %#x after the handshake response", errProtocol, p[0])
		}
	}
	return nil, fmt.Errorf("%w: authentication did not end", errProtocol)
}

// parseErr reads an ERR packet: 0xff, code, "#" and SQL state, message.
func parseErr(p []byte) (int, string) {
	if len(p) < 3 {
		return 0, ""
	}
	code := int(binary.LittleEndian.Uint16(p[1:3]))
	msg := p[3:]
	if len(msg) >= 6 && msg[0] == '#' {
		msg = msg[6:]
	}
	return code, string(msg)
}
