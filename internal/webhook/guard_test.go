package webhook

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"
)

// noDial fails the test if the guard ever dials: refusals must happen before
// any connection, and tests may only ever reach loopback anyway.
func noDial(t *testing.T, dialed *atomic.Int32) func(ctx context.Context, network, addr string) (net.Conn, error) {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		dialed.Add(1)
		t.Errorf("dialed %s although it must be refused", addr)
		return nil, errors.New("test: dialing is not allowed")
	}
}

func TestGuardRefusesInternalAddressesBeforeDialing(t *testing.T) {
	cases := []struct{ addr, reason string }{
		{"127.0.0.1:80", "loopback"},
		{"127.9.9.9:80", "loopback"},
		{"[::1]:443", "loopback"},
		{"10.0.0.1:80", "private"},
		{"172.16.5.4:80", "private"},
		{"192.168.1.1:80", "private"},
		{"[fd12::1]:80", "private"},
		{"169.254.169.254:80", "metadata"},
		{"169.254.1.1:80", "link-local"},
		{"[fe80::1]:80", "link-local"},
		{"100.64.0.1:80", "carrier-grade NAT"},
		{"100.100.100.200:80", "metadata"},
		{"0.0.0.0:80", "unspecified"},
		{"[::]:80", "unspecified"},
		{"224.0.0.1:80", "multicast"},
		{"[ff02::1]:80", "multicast"},
		{"[::ffff:127.0.0.1]:80", "loopback"},
		{"[::ffff:169.254.169.254]:80", "metadata"},
		{"[64:ff9b::a00:1]:80", "private"},  // NAT64 of 10.0.0.1
		{"[2002:7f00:1::1]:80", "loopback"}, // 6to4 of 127.0.0.1
		{"255.255.255.255:80", "reserved"},
	}
	var dialed atomic.Int32
	g := &Guard{Dial: noDial(t, &dialed)}
	for _, c := range cases {
		_, err := g.DialContext(context.Background(), "tcp", c.addr)
		if !IsRefused(err) || !strings.Contains(err.Error(), c.reason) {
			t.Errorf("%s: err = %v, want a refusal naming %q", c.addr, err, c.reason)
		}
	}
	if dialed.Load() != 0 {
		t.Fatalf("%d dials", dialed.Load())
	}
}

func TestGuardResolvesOnceAndDialsTheCheckedAddress(t *testing.T) {
	var dialed atomic.Int32
	// A name that resolves only to internal addresses is refused without a dial.
	g := &Guard{Dial: noDial(t, &dialed), Resolve: func(context.Context, string) ([]netip.Addr, error) {
		return []netip.Addr{netip.MustParseAddr("10.0.0.1"), netip.MustParseAddr("169.254.169.254")}, nil
	}}
	_, err := g.DialContext(context.Background(), "tcp", "evil.example:80")
	if !IsRefused(err) || !strings.Contains(err.Error(), "evil.example resolves to") {
		t.Fatalf("err = %v", err)
	}
	// localhost, with the real resolver: loopback, refused.
	if _, err := g.DialContext(context.Background(), "tcp", "localhost:80"); !IsRefused(err) {
		t.Fatalf("localhost: %v", err)
	}
	if dialed.Load() != 0 {
		t.Fatal("dialed a refused address")
	}

	// Rebinding: the first answer is public, every later one loopback. The
	// connection must go to the address that was checked, and only one lookup
	// is made per connection.
	lookups := 0
	var target string
	g = &Guard{
		Resolve: func(context.Context, string) ([]netip.Addr, error) {
			lookups++
			if lookups == 1 {
				return []netip.Addr{netip.MustParseAddr("203.0.113.7"), netip.MustParseAddr("127.0.0.1")}, nil
			}
			return []netip.Addr{netip.MustParseAddr("127.0.0.1")}, nil
		},
		Dial: func(_ context.Context, _, addr string) (net.Conn, error) {
			target = addr
			return nil, errors.New("test: not connecting anywhere")
		},
	}
	_, _ = g.DialContext(context.Background(), "tcp", "rebind.example:8443")
	if lookups != 1 || target != "203.0.113.7:8443" {
		t.Fatalf("lookups %d, dialed %q; want one lookup and the checked public address only", lookups, target)
	}
}

func TestGuardAllowList(t *testing.T) {
	allow, err := ParseAllowList("127.0.0.1/32, 10.1.0.0/16 ::1")
	if err != nil {
		t.Fatal(err)
	}
	g := &Guard{Allow: allow}
	for _, ok := range []string{"127.0.0.1", "10.1.2.3", "::1", "::ffff:127.0.0.1", "93.184.216.34", "2606:4700::1"} {
		if err := g.Check("", netip.MustParseAddr(ok)); err != nil {
			t.Errorf("%s refused: %v", ok, err)
		}
	}
	for _, bad := range []string{"127.0.0.2", "10.2.0.1", "169.254.169.254"} {
		if err := g.Check("", netip.MustParseAddr(bad)); err == nil {
			t.Errorf("%s allowed", bad)
		}
	}
	if _, err := ParseAllowList("10.0.0.0/33"); err == nil {
		t.Error("invalid CIDR accepted")
	}
	// The dialer's Control hook refuses on its own, whatever led to the dial.
	if err := g.control("tcp4", "127.0.0.2:80", nil); !IsRefused(err) {
		t.Errorf("control allowed 127.0.0.2: %v", err)
	}
	if err := g.control("tcp4", "127.0.0.1:80", nil); err != nil {
		t.Errorf("control refused an allowed address: %v", err)
	}
}

func TestSignVerify(t *testing.T) {
	body := []byte(`{"event":"scan_completed"}`)
	sig := Sign("s3cret-s3cret-s3", body)
	if !strings.HasPrefix(sig, "sha256=") || len(sig) != len("sha256=")+64 {
		t.Fatalf("signature %q", sig)
	}
	if !Verify("s3cret-s3cret-s3", body, sig) || Verify("other-secret-xxxx", body, sig) || Verify("s3cret-s3cret-s3", append(body, ' '), sig) {
		t.Fatal("verification is wrong")
	}
}
