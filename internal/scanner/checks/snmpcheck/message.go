package snmpcheck

import (
	"fmt"
	"strings"
)

// SNMP versions as encoded in the message.
const (
	versionV1  = 0
	versionV2c = 1
)

// sysDescrOID is SNMPv2-MIB::sysDescr.0.
var sysDescrOID = []int{1, 3, 6, 1, 2, 1, 1, 1, 0}

// buildGet encodes a GetRequest for sysDescr.0.
func buildGet(version int, community string, reqID int32) []byte {
	varbind := tlv(nil, tagOID, encodeOID(sysDescrOID))
	varbind = tlv(varbind, tagNull, nil)
	vbl := tlv(nil, tagSequence, varbind)
	var pdu []byte
	pdu = tlv(pdu, tagInteger, encodeInt(int64(reqID)))
	pdu = tlv(pdu, tagInteger, encodeInt(0))
	pdu = tlv(pdu, tagInteger, encodeInt(0))
	pdu = tlv(pdu, tagSequence, vbl)
	var msg []byte
	msg = tlv(msg, tagInteger, encodeInt(int64(version)))
	msg = tlv(msg, tagOctetString, []byte(community))
	msg = tlv(msg, tagGetRequest, pdu)
	return tlv(nil, tagSequence, msg)
}

// getResponse is a decoded GetResponse.
type getResponse struct {
	version     int64
	community   string
	requestID   int64
	errorStatus int64
	oid         string
	value       string // printable rendering of the first varbind's value
}

// parseGetResponse decodes an SNMP v1/v2c GetResponse message.
func parseGetResponse(b []byte) (*getResponse, error) {
	msg, _, err := expect(b, tagSequence)
	if err != nil {
		return nil, err
	}
	r := &getResponse{}
	v, rest, err := expect(msg.val, tagInteger)
	if err != nil {
		return nil, err
	}
	if r.version, err = decodeInt(v.val); err != nil {
		return nil, err
	}
	comm, rest, err := expect(rest, tagOctetString)
	if err != nil {
		return nil, err
	}
	r.community = string(comm.val)
	pdu, _, err := expect(rest, tagGetResponse)
	if err != nil {
		return nil, err
	}
	fields := pdu.val
	var ints [3]int64
	for i := range ints {
		var e element
		if e, fields, err = expect(fields, tagInteger); err != nil {
			return nil, err
		}
		if ints[i], err = decodeInt(e.val); err != nil {
			return nil, err
		}
	}
	r.requestID, r.errorStatus = ints[0], ints[1]
	vbl, _, err := expect(fields, tagSequence)
	if err != nil {
		return nil, err
	}
	if len(vbl.val) == 0 {
		return r, nil
	}
	vb, _, err := expect(vbl.val, tagSequence)
	if err != nil {
		return nil, err
	}
	oid, rest, err := expect(vb.val, tagOID)
	if err != nil {
		return nil, err
	}
	if r.oid, err = decodeOID(oid.val); err != nil {
		return nil, err
	}
	val, _, err := next(rest)
	if err != nil {
		return nil, err
	}
	r.value = renderValue(val)
	return r, nil
}

func renderValue(e element) string {
	switch e.tag {
	case tagOctetString:
		return strings.TrimSpace(string(e.val))
	case tagInteger, tagCounter32, tagGauge32, tagTimeTicks:
		if n, err := decodeInt(e.val); err == nil {
			return fmt.Sprint(n)
		}
	case tagOID:
		if s, err := decodeOID(e.val); err == nil {
			return s
		}
	case tagIPAddress:
		if len(e.val) == 4 {
			return fmt.Sprintf("%d.%d.%d.%d", e.val[0], e.val[1], e.val[2], e.val[3])
		}
	case tagNull:
		return "NULL"
	case tagNoSuchObj:
		return "noSuchObject"
	case tagNoSuchInst:
		return "noSuchInstance"
	case tagEndOfMIB:
		return "endOfMibView"
	}
	return fmt.Sprintf("(tag 0x%02x, %d bytes)", e.tag, len(e.val))
}
