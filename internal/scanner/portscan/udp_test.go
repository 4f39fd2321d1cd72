package portscan

import (
	"bytes"
	"context"
	"encoding/binary"
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/perimeterhq/perimeter/internal/scanner/result"
)

// udpResponder serves on a loopback UDP port, answering each datagram with
// what answer returns (nothing when it returns nil).
func udpResponder(t *testing.T, answer func(req []byte) []byte) int {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pc.Close() })
	go func() {
		buf := make([]byte, 2048)
		for {
			n, from, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			if reply := answer(bytes.Clone(buf[:n])); reply != nil {
				_, _ = pc.WriteTo(reply, from)
			}
		}
	}()
	return pc.LocalAddr().(*net.UDPAddr).Port
}

// dnsServer answers a query with a header-only response carrying the same ID.
func dnsServer(setQR bool) func([]byte) []byte {
	return func(req []byte) []byte {
		if len(req) < 12 || binary.BigEndian.Uint16(req[4:]) != 1 {
			return nil
		}
		resp := bytes.Clone(req)
		if setQR {
			resp[2] |= 0x80
		}
		resp[3] = 5 // REFUSED: an answer all the same
		return resp
	}
}

func ntpServer(req []byte) []byte {
	if len(req) != 48 || req[0]&0x07 != 3 {
		return nil
	}
	resp := make([]byte, 48)
	resp[0] = 4<<3 | 4 // v4, server
	resp[1] = 2        // stratum
	return resp
}

// snmpAgent answers only a v2c GetRequest for sysDescr.0 with community
// "public", checked byte for byte against the encoding written out by hand.
func snmpAgent(req []byte) []byte {
	want := []byte{0x30, 0x29, 0x02, 0x01, 0x01, 0x04, 0x06, 'p', 'u', 'b', 'l', 'i', 'c', 0xa0, 0x1c, 0x02, 0x04}
	if len(req) != 0x2b || !bytes.Equal(req[:len(want)], want) {
		return nil
	}
	reqID := req[len(want) : len(want)+4]
	tail := []byte{0x02, 0x01, 0x00, 0x02, 0x01, 0x00, 0x30, 0x0e, 0x30, 0x0c, 0x06, 0x08, 0x2b, 6, 1, 2, 1, 1, 1, 0, 0x05, 0x00}
	if !bytes.Equal(req[len(want)+4:], tail) {
		return nil
	}
	descr := "Linux test-agent 6.1"
	varbind := append([]byte{0x30, byte(10 + 2 + len(descr)), 0x06, 0x08, 0x2b, 6, 1, 2, 1, 1, 1, 0, 0x04, byte(len(descr))}, descr...)
	list := append([]byte{0x30, byte(len(varbind))}, varbind...)
	pdu := append(append([]byte{0x02, 0x04}, reqID...), 0x02, 0x01, 0x00, 0x02, 0x01, 0x00)
	pdu = append([]byte{0xa2, byte(len(pdu) + len(list))}, append(pdu, list...)...)
	msg := append([]byte{0x02, 0x01, 0x01, 0x04, 0x06, 'p', 'u', 'b', 'l', 'i', 'c'}, pdu...)
	return append([]byte{0x30, byte(len(msg))}, msg...)
}

func closedUDPPort(t *testing.T) int {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := pc.LocalAddr().(*net.UDPAddr).Port
	pc.Close()
	return port
}

func TestUDPProbes(t *testing.T) {
	dns := udpResponder(t, dnsServer(true))
	notDNS := udpResponder(t, dnsServer(false))
	ntp := udpResponder(t, ntpServer)
	snmp := udpResponder(t, snmpAgent)
	silent := udpResponder(t, func([]byte) []byte { return nil })
	echo := udpResponder(t, func(req []byte) []byte { return []byte("hello") })
	closed := closedUDPPort(t)

	s := New(Config{
		Timing:      Timing{UDPTimeout: 100 * time.Millisecond, Retries: 1},
		UDPServices: map[int]string{dns: UDPProbeDNS, notDNS: UDPProbeDNS, ntp: UDPProbeNTP, snmp: UDPProbeSNMP, silent: UDPProbeSNMP},
	})
	r, err := s.Scan(context.Background(), Target{Addr: loopback, UDP: []int{dns, notDNS, ntp, snmp, silent, echo, closed}}, Hooks{})
	if err != nil {
		t.Fatal(err)
	}
	got := map[int]result.Service{}
	for _, svc := range r.Ports {
		if svc.Protocol != result.UDP {
			t.Errorf("unexpected %+v", svc)
		}
		got[svc.Port] = svc
	}
	for _, tc := range []struct {
		name           string
		port           int
		state, svc     string
		bannerContains string
	}{
		{"dns", dns, result.PortOpen, "dns", "REFUSED"},
		{"answer that is not DNS", notDNS, result.PortOpen, "", ""},
		{"ntp", ntp, result.PortOpen, "ntp", "stratum 2"},
		{"snmp public", snmp, result.PortOpen, "snmp", "Linux test-agent 6.1"},
		{"silent", silent, result.PortOpenFiltered, "", ""},
		{"unknown service answering", echo, result.PortOpen, "", ""},
	} {
		svc, ok := got[tc.port]
		if !ok {
			t.Errorf("%s: port %d not reported", tc.name, tc.port)
			continue
		}
		if svc.State != tc.state || svc.Service != tc.svc || !bytes.Contains([]byte(svc.Banner), []byte(tc.bannerContains)) {
			t.Errorf("%s: got %+v, want state %q service %q banner containing %q", tc.name, svc, tc.state, tc.svc, tc.bannerContains)
		}
	}
	if _, ok := got[closed]; ok || r.Closed != 1 {
		t.Errorf("closed UDP port: reported=%v, Closed=%d, want unreported and 1", ok, r.Closed)
	}
}

func TestSNMPRequestEncoding(t *testing.T) {
	// GetRequest sysDescr.0, v2c, community public, request-id 0x01020304,
	// written out by hand from the BER rules.
	want := []byte{
		0x30, 0x29, 0x02, 0x01, 0x01, 0x04, 0x06, 'p', 'u', 'b', 'l', 'i', 'c',
		0xa0, 0x1c, 0x02, 0x04, 0x01, 0x02, 0x03, 0x04, 0x02, 0x01, 0x00, 0x02, 0x01, 0x00,
		0x30, 0x0e, 0x30, 0x0c, 0x06, 0x08, 0x2b, 6, 1, 2, 1, 1, 1, 0, 0x05, 0x00,
	}
	if got := snmpGetSysDescr(1, "public", 0x01020304); !bytes.Equal(got, want) {
		t.Errorf("encoding\n got % x\nwant % x", got, want)
	}
	if got := snmpGetSysDescr(0, "public", 0x01020304); got[4] != 0x00 {
		t.Errorf("v1 request has version %d", got[4])
	}
}

func TestParsersRejectOtherProtocols(t *testing.T) {
	junk := []byte("HTTP/1.0 400 Bad Request\r\n\r\n........................................")
	for name, parse := range map[string]func([]byte) (string, string, bool){"dns": parseDNS, "ntp": parseNTP, "snmp": parseSNMP} {
		if svc, _, ok := parse(junk); ok {
			t.Errorf("%s parser accepted an HTTP reply as %q", name, svc)
		}
		if _, _, ok := parse(nil); ok {
			t.Errorf("%s parser accepted an empty reply", name)
		}
	}
}

func TestUDPScanCancels(t *testing.T) {
	heard := make(chan struct{}, 1)
	silent := udpResponder(t, func([]byte) []byte {
		select {
		case heard <- struct{}{}:
		default:
		}
		return nil
	})
	s := New(Config{Timing: Timing{UDPTimeout: time.Minute, Retries: 5}})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := s.Scan(ctx, Target{Addr: netip.MustParseAddr("127.0.0.1"), UDP: []int{silent}}, Hooks{})
		done <- err
	}()
	<-heard // the probe is out and the scanner waits for an answer
	cancel()
	select {
	case err := <-done:
		if err == nil {
			t.Error("Scan returned no error after cancel")
		}
	case <-time.After(30 * time.Second): // failure guard only
		t.Fatal("UDP scan did not return after cancel")
	}
}
