package fingerprint

import (
	"strconv"
	"strings"
)

var redisProbe = &probe{
	name:     "redis",
	ports:    []int{6379, 6380, 16379, 26379},
	tlsPorts: []int{6379, 6380},
	inTLS:    true,
	run:      runRedis,
}

// runRedis sends PING as a RESP array; if the server answers without
// asking for credentials, INFO server gives the version.
func runRedis(c *conversation) (Match, bool) {
	b, _ := c.roundTrip([]byte("*1\r\n$4\r\nPING\r\n"), readSpec{max: 1024, done: lineDone})
	m, ok := parseRedisPing(b)
	if !ok || m.Extra["auth"] != "none" {
		return m, ok
	}
	info, _ := c.roundTrip([]byte("*2\r\n$4\r\nINFO\r\n$6\r\nserver\r\n"), readSpec{max: 16 << 10, done: respBulkDone})
	parseRedisInfo(&m, info)
	return m, true
}

// isRedisError reports whether s starts with an error only Redis (or a
// server speaking its protocol) sends.
func isRedisError(s string) bool {
	for _, p := range []string{"-NOAUTH ", "-DENIED Redis", "-WRONGPASS ", "-ERR unknown command '", "-ERR unknown command `", "-ERR wrong number of arguments for '"} {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

// redisAuthFacts records what an error reply says about authentication.
func redisAuthFacts(m *Match, s string) {
	switch {
	case strings.HasPrefix(s, "-NOAUTH"), strings.HasPrefix(s, "-WRONGPASS"), strings.HasPrefix(s, "-ERR operation not permitted"):
		m.set("auth", "required")
	case strings.HasPrefix(s, "-DENIED"):
		m.set("auth", "required")
		m.set("redis_protected_mode", "true")
	}
}

// parseRedisPing reads the answer to PING: "+PONG" (open), "-NOAUTH ..."
// or "-ERR operation not permitted" (password set), "-DENIED Redis is
// running in protected mode ...".
func parseRedisPing(b []byte) (Match, bool) {
	s := firstLine(string(b))
	m := Match{Service: "redis", Product: "Redis", Banner: Printable([]byte(s))}
	switch {
	case s == "+PONG":
		m.set("auth", "none")
		return m, true
	case isRedisError(s), strings.HasPrefix(s, "-ERR operation not permitted"):
		redisAuthFacts(&m, s)
		return m, true
	}
	return Match{}, false
}

// respBulkDone reports whether b holds a whole RESP bulk string ("$n\r\n"
// then n bytes and CRLF) or an error line.
func respBulkDone(b []byte) bool {
	if len(b) > 0 && b[0] == '-' {
		return lineDone(b)
	}
	head, _, ok := strings.Cut(string(b), "\r\n")
	if !ok || len(head) < 2 || head[0] != '$' {
		return false
	}
	n, err := strconv.Atoi(head[1:])
	return err != nil || len(b) >= len(head)+2+n+2
}

// parseRedisInfo reads "INFO server" output into m: redis_version (or
// Valkey's valkey_version), redis_mode and os.
func parseRedisInfo(m *Match, b []byte) {
	for _, line := range strings.Split(string(b), "\n") {
		key, value, ok := strings.Cut(strings.TrimSpace(line), ":")
		if !ok {
			continue
		}
		value = Printable([]byte(value))
		switch key {
		case "redis_version":
			if m.Product == "Redis" {
				m.setVersion(value)
			}
		case "valkey_version":
			m.Product = "Valkey"
			m.setVersion(value)
		case "server_name":
			if value == "valkey" {
				m.Product = "Valkey"
			}
		case "redis_mode":
			m.set("redis_mode", value)
		case "os":
			m.set("os", value)
		}
	}
}
