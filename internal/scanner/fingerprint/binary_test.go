package fingerprint

import (
	"encoding/binary"
	"testing"
)

func TestParseRedis(t *testing.T) {
	tests := []struct {
		in   string
		ok   bool
		auth string
	}{
		{"+PONG\r\n", true, "none"},
		{"-NOAUTH Authentication required.\r\n", true, "required"},
		{"-ERR operation not permitted\r\n", true, "required"},
		{"-DENIED Redis is running in protected mode\r\n", true, "required"},
		{"+OK\r\n", false, ""},
		{"-ERR something else\r\n", false, ""},
		{"", false, ""},
	}
	for _, tt := range tests {
		m, ok := parseRedisPing([]byte(tt.in))
		if ok != tt.ok || m.Extra["auth"] != tt.auth {
			t.Errorf("parseRedisPing(%q) = %v auth=%q, want %v %q", tt.in, ok, m.Extra["auth"], tt.ok, tt.auth)
		}
	}
	m := Match{Product: "Redis"}
	parseRedisInfo(&m, []byte("$90\r\n# Server\r\nredis_version:7.2.4\r\nserver_name:valkey\r\nvalkey_version:8.0.1\r\nredis_mode:cluster\r\n\r\n"))
	if m.Product != "Valkey" || m.Version != "8.0.1" || m.Extra["redis_mode"] != "cluster" {
		t.Errorf("Valkey INFO: %+v", m)
	}
	if !respBulkDone([]byte("$5\r\nhello\r\n")) || respBulkDone([]byte("$50\r\nhello\r\n")) {
		t.Error("respBulkDone misjudges bulk strings")
	}
}

func TestParseMemcachedVersion(t *testing.T) {
	if m, ok := parseMemcachedVersion([]byte("VERSION 1.6.21\r\n")); !ok || m.Version != "1.6.21" || m.Extra["auth"] != "none" {
		t.Errorf("got %+v %v", m, ok)
	}
	for _, in := range []string{"ERROR\r\n", "VERSION \r\n", "VERSION \x01\x02\r\n", ""} {
		if _, ok := parseMemcachedVersion([]byte(in)); ok {
			t.Errorf("parseMemcachedVersion(%q) matched", in)
		}
	}
}

func TestParseMySQLGreetingRejects(t *testing.T) {
	good := mysqlGreeting("8.0.36")
	bad := [][]byte{
		good[:len(good)-1], // truncated
		append([]byte{good[0], good[1], good[2], 1}, good[4:]...),   // sequence 1
		mysqlFrame(0, []byte{0xff, 0x10, 0x00, 'x', 'y', 'z', 'w'}), // error code 16 is no MySQL code
		mysqlFrame(0, []byte{0x0a, '8', '.', '0'}),                  // version without NUL
		mysqlFrame(0, []byte{0x42, '8', 0}),                         // unknown protocol
	}
	for _, b := range bad {
		if m, ok := parseMySQLGreeting(b); ok {
			t.Errorf("parseMySQLGreeting(%q) = %+v", b, m)
		}
	}
}

func TestParsePGMessages(t *testing.T) {
	errMsg := pgMsg('E', []byte("SFATAL\x00C3D000\x00Mdatabase \"postgres\" does not exist\x00\x00"))
	if m, ok := parsePGMessages(errMsg); !ok || m.Extra["pg_error_code"] != "3D000" || m.Extra["auth"] != "none" {
		t.Errorf("3D000: %+v %v", m, ok)
	}
	sasl := pgMsg('R', append([]byte{0, 0, 0, 10}, "SCRAM-SHA-256\x00\x00"...))
	if m, ok := parsePGMessages(sasl); !ok || m.Extra["pg_auth"] != "scram-sha-256" || m.Extra["auth"] != "required" {
		t.Errorf("SASL: %+v %v", m, ok)
	}
	if !pgMessagesDone(sasl) || pgMessagesDone(sasl[:5]) {
		t.Error("pgMessagesDone misjudges an auth request")
	}
	for _, in := range [][]byte{
		pgMsg('E', []byte("Xbogus\x00\x00")),       // unknown field code
		pgMsg('E', []byte("SFATAL\x00\x00")),       // no message
		pgMsg('R', []byte{0, 0, 0, 99}),            // unknown auth code
		[]byte("HTTP/1.1 400 Bad Request\r\n\r\n"), // another protocol
		{'E', 0xff, 0xff, 0xff, 0xff},
	} {
		if m, ok := parsePGMessages(in); ok {
			t.Errorf("parsePGMessages(%q) = %+v", in, m)
		}
	}
}

// mongoReply frames doc as an OP_MSG answering request id.
func mongoReply(id int32, doc []byte) []byte {
	b := make([]byte, 16)
	binary.LittleEndian.PutUint32(b[8:], uint32(id))
	binary.LittleEndian.PutUint32(b[12:], opMsg)
	b = append(b, 0, 0, 0, 0, 0)
	b = append(b, doc...)
	binary.LittleEndian.PutUint32(b, uint32(len(b)))
	return b
}

func TestParseMongoReply(t *testing.T) {
	doc := bsonDocTest(bsonElem{"isWritablePrimary", true}, bsonElem{"maxWireVersion", int32(17)},
		bsonElem{"setName", "rs0"}, bsonElem{"ok", 1.0})
	f, ok := parseMongoReply(mongoReply(7, doc), 7)
	if !ok || f["maxWireVersion"] != "17" || f["setName"] != "rs0" || f["isWritablePrimary"] != "true" || f["ok"] != "1" {
		t.Errorf("fields %v ok %v", f, ok)
	}
	if _, ok := parseMongoReply(mongoReply(8, doc), 7); ok {
		t.Error("reply to another request accepted")
	}
	noOK := bsonDocTest(bsonElem{"maxWireVersion", int32(17)})
	if _, ok := parseMongoReply(mongoReply(7, noOK), 7); ok {
		t.Error("reply without ok accepted")
	}
	broken := mongoReply(7, doc)
	broken[25] = 0x42 // unknown BSON type
	if _, ok := parseMongoReply(broken, 7); ok {
		t.Error("malformed BSON accepted")
	}
}

func TestParseRDPConfirm(t *testing.T) {
	failure := []byte{0x03, 0x00, 0x00, 0x13, 0x0e, 0xd0, 0, 0, 0x12, 0x34, 0, 0x03, 0, 0x08, 0, 0x05, 0, 0, 0}
	if m, ok := parseRDPConfirm(failure); !ok || m.Extra["rdp_failure"] != "hybrid_required_by_server" {
		t.Errorf("failure: %+v %v", m, ok)
	}
	legacy := []byte{0x03, 0x00, 0x00, 0x0b, 0x06, 0xd0, 0, 0, 0x12, 0x34, 0}
	if m, ok := parseRDPConfirm(legacy); !ok || m.Extra["rdp_protocol"] != "" {
		t.Errorf("legacy confirm: %+v %v", m, ok)
	}
	for _, in := range [][]byte{
		{0x03, 0x00, 0x00, 0x0b, 0x06, 0xe0, 0, 0, 0, 0, 0}, // a request, not a confirm
		{0x03, 0x00, 0x00, 0xff, 0x06, 0xd0, 0, 0, 0, 0, 0}, // length beyond data
		[]byte("SSH-2.0-x\r\n"),
	} {
		if _, ok := parseRDPConfirm(in); ok {
			t.Errorf("parseRDPConfirm(%q) matched", in)
		}
	}
}

func TestParseSMBNegotiate(t *testing.T) {
	smb1 := []byte{0, 0, 0, 35, 0xff, 'S', 'M', 'B', 0x72}
	smb1 = append(smb1, make([]byte, 31)...)
	if m, ok := parseSMBNegotiate(smb1); !ok || m.Extra["smb_dialect"] != "1" {
		t.Errorf("SMB1: %+v %v", m, ok)
	}
	errResp := make([]byte, 64+9)
	copy(errResp, "\xfeSMB")
	binary.LittleEndian.PutUint16(errResp[4:], 64)
	binary.LittleEndian.PutUint32(errResp[8:], 0xc00000bb) // STATUS_NOT_SUPPORTED
	binary.LittleEndian.PutUint32(errResp[16:], 1)
	framed := append(binary.BigEndian.AppendUint32(nil, uint32(len(errResp))), errResp...)
	if m, ok := parseSMBNegotiate(framed); !ok || m.Extra["smb_status"] != "0xc00000bb" {
		t.Errorf("error response: %+v %v", m, ok)
	}
	request := smbNegotiate // our own request has no response flag
	if _, ok := parseSMBNegotiate(request); ok {
		t.Error("a request accepted as a response")
	}
	if _, ok := parseSMBNegotiate([]byte("\x00\x00\x00\x40garbage")); ok {
		t.Error("truncated message accepted")
	}
}

func TestParseDNS(t *testing.T) {
	q := dnsVersionQuery(0x1234)
	if m, ok := parseDNSResponse(dnsAnswer(q, "dnsmasq-2.89"), 0x1234); !ok || m.Product != "dnsmasq" || m.Version != "2.89" {
		t.Errorf("dnsmasq: %+v %v", m, ok)
	}
	refused := append([]byte(nil), q...)
	refused[2], refused[3] = 0x80, 0x05
	if m, ok := parseDNSResponse(refused, 0x1234); !ok || m.Extra["dns_rcode"] != "REFUSED" || m.Product != "" {
		t.Errorf("refused: %+v %v", m, ok)
	}
	if _, ok := parseDNSResponse(dnsAnswer(q, "x"), 0x9999); ok {
		t.Error("answer with another id accepted")
	}
	if _, ok := parseDNSResponse(q, 0x1234); ok {
		t.Error("a query (QR=0) accepted as an answer")
	}
	loop := append([]byte(nil), refused[:12]...)
	binary.BigEndian.PutUint16(loop[4:], 1)
	loop = append(loop, 0xc0, 12) // question name pointing at itself
	if _, ok := parseDNSResponse(loop, 0x1234); !ok {
		t.Error("response with a looping name pointer rejected outright")
	}
	for _, tt := range []struct{ in, product, version string }{
		{"9.18.24-1-Debian", "BIND", "9.18.24"},
		{"9.11.4-P2-RedHat-9.11.4-26.P2.el7_9.16", "BIND", "9.11.4-P2"},
		{"unbound 1.17.1", "Unbound", "1.17.1"},
		{"PowerDNS Authoritative Server 4.8.3 (built Jan 1 2024)", "PowerDNS Authoritative Server", "4.8.3"},
		{"PowerDNS Recursor 4.9.2 (built ...)", "PowerDNS Recursor", "4.9.2"},
		{"Microsoft DNS 10.0.17763 (4563304F)", "Microsoft DNS", "10.0.17763"},
		{"none of your business", "", ""},
	} {
		m := parseDNSVersion(tt.in)
		if m.Product != tt.product || m.Version != tt.version {
			t.Errorf("parseDNSVersion(%q) = %q %q, want %q %q", tt.in, m.Product, m.Version, tt.product, tt.version)
		}
	}
}

func TestParseNTP(t *testing.T) {
	req := ntpClientRequest(0xdeadbeef)
	resp := ntpAnswer(req)
	if m, ok := parseNTPResponse(resp, 0xdeadbeef); !ok || m.Extra["ntp_stratum"] != "2" {
		t.Errorf("valid: %+v %v", m, ok)
	}
	if _, ok := parseNTPResponse(resp, 0xfeedface); ok {
		t.Error("answer to another request accepted")
	}
	if _, ok := parseNTPResponse(req, 0xdeadbeef); ok {
		t.Error("a client packet accepted as a server answer")
	}
	gps := append([]byte(nil), resp...)
	gps[1] = 1
	copy(gps[12:16], "GPS\x00")
	if m, _ := parseNTPResponse(gps, 0xdeadbeef); m.Extra["ntp_refid"] != "GPS" {
		t.Errorf("stratum 1 refid = %q", m.Extra["ntp_refid"])
	}
	vars := func(data string) []byte {
		b := []byte{0x16, 0x82, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0}
		binary.BigEndian.PutUint16(b[10:], uint16(len(data)))
		return append(b, data...)
	}
	if m := parseNTPVariables(vars(`version="ntpd ntpsec-1.2.2 2023-03-01T00:00:00Z", system="Linux"`)); m.Product != "NTPsec" || m.Version != "1.2.2" {
		t.Errorf("NTPsec: %+v", m)
	}
	if m := parseNTPVariables(vars(`leap=00`)); m.Product != "" {
		t.Errorf("no version variable: %+v", m)
	}
}

func TestParseSNMP(t *testing.T) {
	req := snmpGet(1, 77)
	resp := snmpAnswer(req)
	if m, ok := parseSNMPResponse(resp, 77); !ok || m.Extra["snmp_version"] != "2c" || m.Product != "Net-SNMP" {
		t.Errorf("valid: %+v %v", m, ok)
	}
	if _, ok := parseSNMPResponse(resp, 78); ok {
		t.Error("answer to another request accepted")
	}
	if _, ok := parseSNMPResponse(req, 77); ok {
		t.Error("a GetRequest accepted as a response")
	}
	v1 := snmpAnswer(snmpGet(0, 5))
	if m, ok := parseSNMPResponse(v1, 5); !ok || m.Extra["snmp_version"] != "1" {
		t.Errorf("v1: %+v %v", m, ok)
	}
}

func TestParseLDAP(t *testing.T) {
	attr := func(name string, vals ...string) []byte {
		var vs [][]byte
		for _, v := range vals {
			vs = append(vs, berElem(berOctetString, []byte(v)))
		}
		return berElem(berSequence, berElem(berOctetString, []byte(name)), berElem(berSet, vs...))
	}
	entry := func(attrs ...[]byte) []byte {
		return berElem(berSequence, berIntElem(berInteger, 1),
			berElem(0x64, berElem(berOctetString), berElem(berSequence, attrs...)))
	}
	ad := entry(attr("domainControllerFunctionality", "7"), attr("dnsHostName", "dc1.corp.example"), attr("namingContexts", "DC=corp,DC=example"))
	if m, ok := parseLDAPResponse(ad); !ok || m.Product != "Microsoft Active Directory" || m.Extra["ldap_dns_host_name"] != "dc1.corp.example" {
		t.Errorf("AD: %+v %v", m, ok)
	}
	ds := entry(attr("vendorName", "389 Project"), attr("vendorVersion", "389-Directory/2.0.15 B2022.178.0000"))
	if m, ok := parseLDAPResponse(ds); !ok || m.Product != "389 Directory Server" || m.Version != "2.0.15" {
		t.Errorf("389: %+v %v", m, ok)
	}
	notice := berElem(berSequence, berIntElem(berInteger, 0),
		berElem(0x78, berIntElem(berEnumerated, 2), berElem(berOctetString), berElem(berOctetString, []byte("protocol error"))))
	if m, ok := parseLDAPResponse(notice); !ok || m.Service != "ldap" {
		t.Errorf("notice of disconnection: %+v %v", m, ok)
	}
	for _, in := range [][]byte{
		ldapRootDSESearch, // our own request
		berElem(berSequence, berIntElem(berInteger, 9), berElem(0x65, berIntElem(berEnumerated, 0))), // other message id
		[]byte("\x30\x84\xff\xff\xff\xff"),
		[]byte("HTTP/1.1 200 OK\r\n\r\n"),
	} {
		if m, ok := parseLDAPResponse(in); ok {
			t.Errorf("parseLDAPResponse(%q) = %+v", in, m)
		}
	}
}

func TestBEROID(t *testing.T) {
	for _, oid := range []string{"1.3.6.1.2.1.1.1.0", "1.3.6.1.4.1.8072.3.2.10", "2.999.3", "1.2.840.113549.1.1.11"} {
		_, c, _, err := berRead(berOIDElem(oid))
		if err != nil || berOIDString(c) != oid {
			t.Errorf("OID %s round trip: %q %v", oid, berOIDString(c), err)
		}
	}
	if berOIDString([]byte{0x2b, 0x86}) != "" {
		t.Error("truncated arc decoded")
	}
	if v, ok := berInt([]byte{0xff}); !ok || v != -1 {
		t.Errorf("berInt(0xff) = %d", v)
	}
	long := berElem(berOctetString, make([]byte, 300))
	if _, c, rest, err := berRead(long); err != nil || len(c) != 300 || len(rest) != 0 {
		t.Errorf("long form: %d %d %v", len(c), len(rest), err)
	}
}
