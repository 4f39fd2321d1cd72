package fingerprint

import "strings"

var memcachedProbe = &probe{
	name:     "memcached",
	ports:    []int{11211},
	tlsPorts: []int{11211},
	inTLS:    true,
	run:      runMemcached,
}

// runMemcached sends the text-protocol "version" command.
func runMemcached(c *conversation) (Match, bool) {
	b, _ := c.roundTrip([]byte("version\r\n"), readSpec{max: 256, done: lineDone})
	return parseMemcachedVersion(b)
}

// parseMemcachedVersion reads "VERSION 1.6.21\r\n". Memcached's text
// protocol has no authentication, so an answer means open access.
func parseMemcachedVersion(b []byte) (Match, bool) {
	line := firstLine(string(b))
	v, ok := strings.CutPrefix(line, "VERSION ")
	v = strings.TrimSpace(v)
	if !ok || v == "" || !printableASCII(v) {
		return Match{}, false
	}
	m := Match{Service: "memcached", Product: "Memcached", Banner: Printable([]byte(line))}
	m.setVersion(v)
	m.set("auth", "none")
	return m, true
}
