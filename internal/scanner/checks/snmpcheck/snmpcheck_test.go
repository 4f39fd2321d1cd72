package snmpcheck

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/perimeterhq/perimeter/internal/scanner/checks"
	"github.com/perimeterhq/perimeter/internal/scanner/result"
)

// request is what the fake agent decodes from a GetRequest.
type request struct {
	version   int64
	community string
	reqID     int64
	oid       string
}

// parseGetRequest decodes a GetRequest with the package's BER reader (the
// message layout differs from a response only in the PDU tag).
func parseGetRequest(b []byte) (request, error) {
	var r request
	msg, _, err := expect(b, tagSequence)
	if err != nil {
		return r, err
	}
	v, rest, _ := expect(msg.val, tagInteger)
	r.version, _ = decodeInt(v.val)
	c, rest, _ := expect(rest, tagOctetString)
	r.community = string(c.val)
	pdu, _, err := expect(rest, tagGetRequest)
	if err != nil {
		return r, err
	}
	id, rest, _ := expect(pdu.val, tagInteger)
	r.reqID, _ = decodeInt(id.val)
	_, rest, _ = expect(rest, tagInteger)
	_, rest, _ = expect(rest, tagInteger)
	vbl, _, _ := expect(rest, tagSequence)
	vb, _, _ := expect(vbl.val, tagSequence)
	oid, _, err := expect(vb.val, tagOID)
	if err != nil {
		return r, err
	}
	r.oid, err = decodeOID(oid.val)
	return r, err
}

// buildResponse encodes a GetResponse the way an agent does.
func buildResponse(version int64, comm string, reqID int64, errStatus int64, value []byte, valueTag byte) []byte {
	vb := tlv(nil, tagOID, encodeOID(sysDescrOID))
	vb = tlv(vb, valueTag, value)
	var pdu []byte
	pdu = tlv(pdu, tagInteger, encodeInt(reqID))
	pdu = tlv(pdu, tagInteger, encodeInt(errStatus))
	pdu = tlv(pdu, tagInteger, encodeInt(0))
	pdu = tlv(pdu, tagSequence, tlv(nil, tagSequence, vb))
	var msg []byte
	msg = tlv(msg, tagInteger, encodeInt(version))
	msg = tlv(msg, tagOctetString, []byte(comm))
	msg = tlv(msg, tagGetResponse, pdu)
	return tlv(nil, tagSequence, msg)
}

// agent runs a fake SNMP agent: answer decides the reply (nil = silence).
func agent(t *testing.T, answer func(request) []byte) checks.Target {
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pc.Close() })
	go func() {
		buf := make([]byte, 1500)
		for {
			n, from, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			req, err := parseGetRequest(buf[:n])
			if err != nil {
				t.Errorf("agent got %x: %v", buf[:n], err)
				continue
			}
			if out := answer(req); out != nil {
				pc.WriteTo(out, from)
			}
		}
	}()
	return checks.Target{IP: netip.MustParseAddr("127.0.0.1"),
		Service: result.Service{Port: pc.LocalAddr().(*net.UDPAddr).Port, Protocol: result.UDP, Service: "snmp"}}
}

func TestPublicCommunity(t *testing.T) {
	c := New(Options{Timeout: 50 * time.Millisecond, Tries: 1})
	sysDescr := []byte("Linux edge-router 6.1.0-18-amd64 #1 SMP x86_64")
	open := agent(t, func(r request) []byte {
		if r.community != "public" || r.oid != "1.3.6.1.2.1.1.1.0" {
			return nil
		}
		return buildResponse(r.version, r.community, r.reqID, 0, sysDescr, tagOctetString)
	})
	fs, err := c.Run(context.Background(), open)
	if err != nil || len(fs) != 1 {
		t.Fatalf("positive: %+v %v", fs, err)
	}
	if !strings.Contains(fs[0].Evidence, "SNMPv2c") || !strings.Contains(fs[0].Evidence, "= Linux edge-router") || !fs[0].PCIAutoFail || fs[0].Severity != "high" {
		t.Errorf("finding %+v", fs[0])
	}
	v1only := agent(t, func(r request) []byte {
		if r.version != versionV1 {
			return nil
		}
		return buildResponse(r.version, r.community, r.reqID, 0, sysDescr, tagOctetString)
	})
	if fs, err := c.Run(context.Background(), v1only); err != nil || len(fs) != 1 || !strings.Contains(fs[0].Evidence, "SNMPv1") {
		t.Fatalf("v1 fallback: %+v %v", fs, err)
	}

	negatives := map[string]func(request) []byte{
		"other community (silence)": func(request) []byte { return nil },
		"wrong request id": func(r request) []byte {
			return buildResponse(r.version, r.community, r.reqID+1, 0, sysDescr, tagOctetString)
		},
		"error status": func(r request) []byte {
			return buildResponse(r.version, r.community, r.reqID, 16, nil, tagNull)
		},
		"garbage": func(request) []byte { return []byte("hello") },
	}
	for name, a := range negatives {
		if fs, err := c.Run(context.Background(), agent(t, a)); err != nil || len(fs) != 0 {
			t.Errorf("negative %s: %+v %v", name, fs, err)
		}
	}
}

func TestCodec(t *testing.T) {
	msg := buildGet(versionV2c, "public", 0x12345678)
	r, err := parseGetRequest(msg)
	if err != nil || r.reqID != 0x12345678 || r.oid != "1.3.6.1.2.1.1.1.0" || r.community != "public" || r.version != 1 {
		t.Fatalf("%+v %v", r, err)
	}
	long := []byte(strings.Repeat("x", 300)) // forces a two-byte length
	resp, err := parseGetResponse(buildResponse(1, "public", -5, 0, long, tagOctetString))
	if err != nil || resp.requestID != -5 || len(resp.value) != 300 {
		t.Fatalf("%+v %v", resp, err)
	}
	if got, _ := parseGetResponse(buildResponse(1, "public", 1, 0, nil, tagNoSuchObj)); got.value != "noSuchObject" {
		t.Errorf("value %q", got.value)
	}
	for _, bad := range [][]byte{nil, {0x30}, {0x30, 0x84, 0, 0, 0, 1}, {0x30, 0x05, 0x02, 0x09, 1, 2, 3}, msg} {
		if _, err := parseGetResponse(bad); !errors.Is(err, errMalformed) {
			t.Errorf("parse(%x) = %v", bad, err)
		}
	}
	if _, err := decodeOID([]byte{0x2b, 0x86}); err == nil {
		t.Error("truncated OID arc accepted")
	}
}

func FuzzGetResponse(f *testing.F) {
	f.Add(buildResponse(1, "public", 7, 0, []byte("Linux"), tagOctetString))
	f.Add(buildResponse(0, "public", 7, 2, nil, tagNull))
	f.Add(buildGet(1, "public", 9))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := parseGetResponse(data)
		if err == nil && len(r.value) > len(data) {
			t.Fatal("value longer than the message")
		}
	})
}
