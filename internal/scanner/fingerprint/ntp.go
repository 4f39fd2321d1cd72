package fingerprint

import (
	"encoding/binary"
	"math/rand/v2"
	"net/netip"
	"regexp"
	"strconv"
	"strings"
	"time"
)

var ntpProbe = &probe{name: "ntp", ports: []int{123}, run: runNTP}

// ntpClientRequest is a version 4 client (mode 3) packet whose transmit
// timestamp is a random cookie the server must echo as origin timestamp.
func ntpClientRequest(cookie uint64) []byte {
	b := make([]byte, 48)
	b[0] = 4<<3 | 3
	binary.BigEndian.PutUint64(b[40:], cookie)
	return b
}

// ntpReadVars is a mode 6 (control) READVAR request for the system
// variables, which ntpd answers with its version string when it allows
// queries from us.
var ntpReadVars = []byte{2<<3 | 6, 2, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0}

func runNTP(c *conversation) (Match, bool) {
	cookie := rand.Uint64() | 1
	b, err := c.datagram(ntpClientRequest(cookie), func(b []byte) bool {
		return len(b) >= 48 && binary.BigEndian.Uint64(b[24:]) == cookie
	})
	if err != nil {
		return Match{}, false
	}
	m, ok := parseNTPResponse(b, cookie)
	if !ok {
		return Match{}, false
	}
	c.extend(time.Until(c.deadline) / 2)
	if v, err := c.datagram(ntpReadVars, func(b []byte) bool { return len(b) >= 12 && b[0]&7 == 6 && b[1]&0x80 != 0 && b[1]&0x1f == 2 }); err == nil {
		vm := parseNTPVariables(v)
		m.Product, m.Version = vm.Product, vm.Version
		for k, val := range vm.Extra {
			m.set(k, val)
		}
		if vm.Banner != "" {
			m.Banner = vm.Banner
		}
	}
	return m, true
}

// parseNTPResponse reads a server (mode 4) answer that echoes cookie:
// protocol version, stratum and reference id.
func parseNTPResponse(b []byte, cookie uint64) (Match, bool) {
	if len(b) < 48 || b[0]&7 != 4 || binary.BigEndian.Uint64(b[24:]) != cookie {
		return Match{}, false
	}
	vn := int(b[0]>>3) & 7
	if vn < 1 || vn > 4 {
		return Match{}, false
	}
	m := Match{Service: "ntp"}
	m.set("ntp_version", strconv.Itoa(vn))
	stratum := int(b[1])
	m.set("ntp_stratum", strconv.Itoa(stratum))
	ref := b[12:16]
	if stratum <= 1 {
		m.set("ntp_refid", Printable([]byte(strings.TrimRight(string(ref), "\x00"))))
	} else {
		m.set("ntp_refid", netip.AddrFrom4([4]byte(ref)).String())
	}
	m.Banner = "NTP v" + strconv.Itoa(vn) + " stratum " + strconv.Itoa(stratum)
	return m, true
}

var ntpVersionRe = regexp.MustCompile(`version="([^"]*)"`)
var ntpSystemRe = regexp.MustCompile(`system="([^"]*)"`)

// parseNTPVariables reads a mode 6 READVAR response whose data holds
// `version="ntpd 4.2.8p15@1.3728-o ..."` (or NTPsec's "ntpd ntpsec-1.2.2")
// and `system="Linux/5.15.0"`.
func parseNTPVariables(b []byte) Match {
	var m Match
	if len(b) < 12 || b[0]&7 != 6 || b[1]&0x80 == 0 || b[1]&0x40 != 0 {
		return m
	}
	count := int(binary.BigEndian.Uint16(b[10:]))
	data := string(b[12:min(len(b), 12+count)])
	if sm := ntpSystemRe.FindStringSubmatch(data); sm != nil {
		m.set("ntp_system", Printable([]byte(sm[1])))
	}
	sm := ntpVersionRe.FindStringSubmatch(data)
	if sm == nil {
		return m
	}
	v := sm[1]
	m.Banner = Printable([]byte(v))
	switch rest, ok := strings.CutPrefix(v, "ntpd "); {
	case ok && strings.HasPrefix(rest, "ntpsec-"):
		m.Product = "NTPsec"
		m.Version, _ = leadingVersion(strings.TrimPrefix(rest, "ntpsec-"))
	case ok:
		m.Product = "ntpd"
		m.Version, _ = leadingVersion(rest)
	}
	return m
}
