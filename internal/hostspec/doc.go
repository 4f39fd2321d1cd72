// Package hostspec parses target host lists — the "hosts" and
// "exclude_hosts" fields of a target — into a Set that the API counts and
// previews and the scan engine iterates. It is the one parser for host lists
// in Perimeter; it does no I/O and no DNS.
//
// Accepted entries: IPv4 and IPv6 addresses; CIDRs of both families (a CIDR
// with host bits set is accepted as its network: 10.0.0.5/24 is 10.0.0.0/24,
// the way ping, nmap and most firewalls read it); ranges written with full
// addresses (10.0.0.1-10.0.0.20, 2001:db8::1-2001:db8::ff) or with a last-octet
// shorthand for IPv4 (10.0.0.1-20); and hostnames (RFC 1123 labels, at most
// 253 characters, lower-cased, a trailing dot dropped). Entries are separated
// by commas, semicolons, spaces or newlines. IPv6 zones (fe80::1%eth0) are
// refused: a stored target cannot depend on one machine's interface names.
//
// IPv4-mapped IPv6 addresses (::ffff:a.b.c.d) are the IPv4 hosts they map:
// "::ffff:10.0.0.1" and "10.0.0.1" are one host, and an IPv6 entry covers an
// IPv4 address exactly when it covers its mapped form. So excluding ::/0
// excludes IPv4 as well — for exclusions, the side that scans less.
//
// Addresses are held as sorted, merged, disjoint 128-bit intervals, one list
// per family, so a /8 minus exclusions is counted and subtracted in time
// proportional to the number of entries, never to the number of addresses.
// A target larger than MaxAddresses after exclusions is refused.
//
// Exclusions are removed from the addresses at parse time; hostnames listed
// as exclusions remove equal target hostnames. Because hostnames are resolved
// only at scan time, the engine must also ask Excludes for every address a
// hostname resolves to.
package hostspec
