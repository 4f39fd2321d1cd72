// Package scanconfig holds what an organization configures to scan, as plain
// types with validation: targets, port lists, scanners, scan profiles and
// schedules. Parsing of host lists, port lists and recurrences is delegated
// to hostspec, portspec and schedule — one parser each, used everywhere.
//
// Three packages, three meanings:
//   - scanconfig: the configuration (what, how and when to scan); a Scanner
//     here is a configured engine instance (built-in, agent, nmap, OpenVAS),
//     the API's /v2/scanners resource;
//   - scan: scans, their runs and their results — findings with their
//     lifecycle, and the host inventory (scan.Host: every IP an
//     organization's runs found, merged across runs);
//   - scanner: the built-in engine that executes a run (and its nmap and
//     Greenbone adapters, scanner/nmapscan and scanner/gvmscan).
package scanconfig
