package cve

// validID reports whether s is a CVE id, CVE-YYYY-NNNN with four or more
// digits in the sequence part. Feed files are checked with it: a prefix test
// let ids such as "CVE-" or "CVE-x" through into the database and reports.
func validID(s string) bool {
	if len(s) < len("CVE-2000-0000") || s[:4] != "CVE-" || s[8] != '-' {
		return false
	}
	for i := 4; i < len(s); i++ {
		if i != 8 && (s[i] < '0' || s[i] > '9') {
			return false
		}
	}
	return true
}
