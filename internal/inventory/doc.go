// Package inventory holds the scan inventory of an organization as plain types
// with validation: targets, port lists, scanners, scan profiles and schedules.
// Parsing of host lists, port lists and recurrences is delegated to hostspec,
// portspec and schedule — one parser each, used everywhere.
package inventory
