package sshcheck

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/perimeterhq/perimeter/internal/scanner/checks"
	"github.com/perimeterhq/perimeter/internal/scanner/checks/netprobe"
)

// clientBanner is the identification string the checks send (RFC 4253 §4.2).
const clientBanner = "SSH-2.0-PerimeterScanner"

const (
	msgKexInit = 20
	// maxPacket is the largest packet an implementation must accept
	// (RFC 4253 §6.1); a KEXINIT is far smaller.
	maxPacket = 35000
	// maxPreBanner bounds the lines a server may send before its
	// identification string.
	maxPreBanner = 20
)

var errMalformed = errors.New("malformed SSH packet")

// kexInit is a parsed SSH_MSG_KEXINIT (RFC 4253 §7.1).
type kexInit struct {
	kex, hostKey                   []string
	ciphersC2S, ciphersS2C         []string
	macsC2S, macsS2C               []string
	compressionC2S, compressionS2C []string
	firstKexFollows                bool
}

// handshake is what the SSH checks share per target: the server's
// identification line and, for protocol 2 servers, its KEXINIT.
type handshake struct {
	banner  string
	version string   // protocol version from the banner: "2.0", "1.99", "1.5"
	kex     *kexInit // nil for protocol 1 only servers
}

// parseKexInit decodes a KEXINIT payload (message type byte included).
func parseKexInit(p []byte) (*kexInit, error) {
	if len(p) < 1+16 || p[0] != msgKexInit {
		return nil, fmt.Errorf("%w: not a KEXINIT", errMalformed)
	}
	p = p[17:] // type and cookie
	var lists [10][]string
	for i := range lists {
		if len(p) < 4 {
			return nil, fmt.Errorf("%w: truncated name-list", errMalformed)
		}
		n := binary.BigEndian.Uint32(p)
		if uint64(n) > uint64(len(p)-4) {
			return nil, fmt.Errorf("%w: name-list longer than packet", errMalformed)
		}
		s := string(p[4 : 4+n])
		p = p[4+n:]
		if s != "" {
			lists[i] = strings.Split(s, ",")
		}
	}
	if len(p) < 5 {
		return nil, fmt.Errorf("%w: truncated KEXINIT trailer", errMalformed)
	}
	return &kexInit{
		kex: lists[0], hostKey: lists[1],
		ciphersC2S: lists[2], ciphersS2C: lists[3],
		macsC2S: lists[4], macsS2C: lists[5],
		compressionC2S: lists[6], compressionS2C: lists[7],
		firstKexFollows: p[0] != 0,
	}, nil
}

// readPacket reads one unencrypted binary packet and returns its payload.
func readPacket(r io.Reader) ([]byte, error) {
	var hdr [5]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return nil, fmt.Errorf("reading SSH packet: %w", err)
	}
	length := binary.BigEndian.Uint32(hdr[:4])
	pad := uint32(hdr[4])
	if length < 5 || length > maxPacket || pad+1 > length {
		return nil, fmt.Errorf("%w: packet length %d padding %d", errMalformed, length, pad)
	}
	rest := make([]byte, length-1)
	if _, err := io.ReadFull(r, rest); err != nil {
		return nil, fmt.Errorf("reading SSH packet: %w", err)
	}
	return rest[:length-1-pad], nil
}

// parseBanner splits "SSH-protoversion-softwareversion comments".
func parseBanner(line string) (version string, ok bool) {
	rest, found := strings.CutPrefix(line, "SSH-")
	if !found {
		return "", false
	}
	version, _, found = strings.Cut(rest, "-")
	return version, found && version != ""
}

// exchange sends the client banner, reads the server's identification and,
// for protocol 2, its KEXINIT. Nothing is negotiated; the connection closes.
func exchange(ctx context.Context, t checks.Target) (*handshake, error) {
	c, err := netprobe.Dial(ctx, "tcp", t.Addr())
	if err != nil {
		return nil, err
	}
	defer c.Close()
	if err := c.WriteString(clientBanner + "\r\n"); err != nil {
		return nil, err
	}
	h := &handshake{}
	for i := 0; ; i++ {
		if i == maxPreBanner {
			return nil, errors.New("no SSH identification string")
		}
		line, err := c.ReadLine(1024)
		if err != nil {
			return nil, fmt.Errorf("reading SSH identification: %w", err)
		}
		if v, ok := parseBanner(line); ok {
			h.banner, h.version = line, v
			break
		}
	}
	if !strings.HasPrefix(h.version, "2.") && h.version != "1.99" {
		return h, nil // protocol 1 only: the server now waits for an SSH-1 client
	}
	payload, err := readPacket(c)
	if err != nil {
		return nil, err
	}
	if h.kex, err = parseKexInit(payload); err != nil {
		return nil, err
	}
	return h, nil
}

func shared(ctx context.Context, t checks.Target) (*handshake, error) {
	return checks.Shared(ctx, t, "ssh.handshake", func(ctx context.Context) (*handshake, error) {
		return exchange(ctx, t)
	})
}
