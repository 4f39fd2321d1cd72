package fingerprint

import (
	"regexp"
	"strings"
)

var ldapProbe = &probe{
	name:     "ldap",
	ports:    []int{389, 3268},
	tlsPorts: []int{636, 3269},
	inTLS:    true,
	run:      runLDAP,
}

// ldapRootDSEAttrs are the root DSE attributes that identify a directory
// server; servers return those they have, anonymously.
var ldapRootDSEAttrs = []string{
	"objectClass", "vendorName", "vendorVersion", "namingContexts", "defaultNamingContext",
	"supportedLDAPVersion", "dnsHostName", "domainControllerFunctionality", "forestFunctionality",
}

// ldapRootDSESearch is an LDAPv3 SearchRequest (message 1) for the root DSE:
// base "", scope base, filter (objectClass=*).
var ldapRootDSESearch = func() []byte {
	var attrs [][]byte
	for _, a := range ldapRootDSEAttrs {
		attrs = append(attrs, berElem(berOctetString, []byte(a)))
	}
	search := berElem(0x63,
		berElem(berOctetString),              // base object ""
		berIntElem(berEnumerated, 0),         // scope: baseObject
		berIntElem(berEnumerated, 0),         // derefAliases: never
		berIntElem(berInteger, 0),            // size limit
		berIntElem(berInteger, 0),            // time limit
		[]byte{berBoolean, 1, 0},             // types only: false
		berElem(0x87, []byte("objectClass")), // filter: present
		berElem(berSequence, attrs...))
	return berElem(berSequence, berIntElem(berInteger, 1), search)
}()

// ldapDone reports whether b holds a SearchResultDone (or any message that
// is not a search entry, such as a notice of disconnection).
func ldapDone(b []byte) bool {
	for len(b) > 0 {
		msg, rest, err := berExpect(b, berSequence)
		if err != nil {
			return len(b) > 0 && b[0] != berSequence
		}
		if _, op, err := berExpect(msg, berInteger); err == nil && len(op) > 0 && op[0] != 0x64 {
			return true
		}
		b = rest
	}
	return false
}

func runLDAP(c *conversation) (Match, bool) {
	b, _ := c.roundTrip(ldapRootDSESearch, readSpec{max: 64 << 10, done: ldapDone})
	return parseLDAPResponse(b)
}

var vendorVersionRe = regexp.MustCompile(`([0-9]+\.[0-9]+(?:\.[0-9]+)*)`)

// parseLDAPResponse reads the answer to ldapRootDSESearch: LDAP messages
// numbered 1 carrying a SearchResultEntry, SearchResultDone or
// ExtendedResponse. Root DSE attributes identify OpenLDAP (its
// OpenLDAProotDSE object class), Active Directory (functionality levels)
// and servers that publish vendorName/vendorVersion.
func parseLDAPResponse(b []byte) (Match, bool) {
	attrs := make(map[string][]string)
	known := false
	for i := 0; len(b) > 0 && i < 8; i++ {
		msg, rest, err := berExpect(b, berSequence)
		if err != nil {
			break
		}
		b = rest
		idC, op, err := berExpect(msg, berInteger)
		if err != nil {
			break
		}
		if id, ok := berInt(idC); !ok || (id != 1 && id != 0) {
			break
		}
		tag, body, _, err := berRead(op)
		if err != nil {
			break
		}
		switch tag {
		case 0x64: // SearchResultEntry
			known = true
			ldapEntryAttrs(body, attrs)
		case 0x65, 0x78: // SearchResultDone, ExtendedResponse
			if _, _, err := berExpect(body, berEnumerated); err == nil {
				known = true
			}
		}
	}
	if !known {
		return Match{}, false
	}
	m := Match{Service: "ldap"}
	first := func(k string) string {
		if v := attrs[strings.ToLower(k)]; len(v) > 0 {
			return v[0]
		}
		return ""
	}
	vendor, vendorVersion := first("vendorName"), first("vendorVersion")
	m.set("ldap_vendor", Printable([]byte(vendor)))
	m.set("ldap_naming_contexts", Printable([]byte(strings.Join(attrs["namingcontexts"], "; "))))
	switch {
	case containsFold(attrs["objectclass"], "OpenLDAProotDSE"):
		m.Product = "OpenLDAP"
	case first("domainControllerFunctionality") != "" || first("forestFunctionality") != "":
		m.Product = "Microsoft Active Directory"
		m.set("ldap_dns_host_name", Printable([]byte(first("dnsHostName"))))
	case strings.Contains(vendor, "389 Project"):
		m.Product = "389 Directory Server"
		m.Version = vendorVersionRe.FindString(vendorVersion)
	case strings.Contains(vendor, "Apache Software Foundation"):
		m.Product = "ApacheDS"
		m.Version = vendorVersionRe.FindString(vendorVersion)
	case vendorVersion != "" && strings.Contains(vendorVersion, "OpenDJ"):
		m.Product = "OpenDJ"
		m.Version = vendorVersionRe.FindString(vendorVersion)
	}
	m.Banner = "LDAP root DSE"
	if m.Product != "" {
		m.Banner += ": " + m.Product
	}
	return m, true
}

// ldapEntryAttrs collects the attributes of a SearchResultEntry body
// (objectName, then a sequence of (type, set of values)), lower-casing names.
func ldapEntryAttrs(body []byte, attrs map[string][]string) {
	_, rest, err := berExpect(body, berOctetString)
	if err != nil {
		return
	}
	list, _, err := berExpect(rest, berSequence)
	if err != nil {
		return
	}
	for i := 0; len(list) > 0 && i < 64; i++ {
		var pa []byte
		if pa, list, err = berExpect(list, berSequence); err != nil {
			return
		}
		typ, vals, err := berExpect(pa, berOctetString)
		if err != nil {
			return
		}
		set, _, err := berExpect(vals, berSet)
		if err != nil {
			continue
		}
		key := strings.ToLower(string(typ))
		for j := 0; len(set) > 0 && j < 32; j++ {
			var v []byte
			if v, set, err = berExpect(set, berOctetString); err != nil {
				break
			}
			attrs[key] = append(attrs[key], string(v))
		}
	}
}

func containsFold(list []string, s string) bool {
	for _, v := range list {
		if strings.EqualFold(v, s) {
			return true
		}
	}
	return false
}
