package exposure

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/perimeterhq/perimeter/internal/scanner/checks"
	"github.com/perimeterhq/perimeter/internal/scanner/checks/netprobe"
)

// maxInfo bounds the Redis INFO section read.
const maxInfo = 64 << 10

// evalRedis sends PING and INFO server as RESP arrays. An answer to both
// without AUTH is the finding; -NOAUTH, -DENIED (protected mode) and
// -WRONGPASS mean access control is on.
func evalRedis(ctx context.Context, t checks.Target) (string, bool, error) {
	c, err := netprobe.DialTarget(ctx, t)
	if err != nil {
		return "", false, err
	}
	defer c.Close()
	if err := c.WriteString("*1\r\n$4\r\nPING\r\n"); err != nil {
		return "", false, err
	}
	pong, err := c.ReadLine(0)
	if err != nil {
		return "", false, fmt.Errorf("redis PING: %w", err)
	}
	if strings.HasPrefix(pong, "-") {
		return "", false, nil
	}
	if pong != "+PONG" {
		return "", false, fmt.Errorf("not a Redis reply to PING: %q", pong)
	}
	if err := c.WriteString("*2\r\n$4\r\nINFO\r\n$6\r\nserver\r\n"); err != nil {
		return "", false, err
	}
	hdr, err := c.ReadLine(0)
	if err != nil {
		return "", false, fmt.Errorf("redis INFO: %w", err)
	}
	if strings.HasPrefix(hdr, "-") { // INFO renamed or denied by ACL; PING alone proves access
		return fmt.Sprintf("PING -> %s without AUTH; INFO -> %s", pong, hdr), true, nil
	}
	n, err := strconv.Atoi(strings.TrimPrefix(hdr, "$"))
	if !strings.HasPrefix(hdr, "$") || err != nil || n < 0 {
		return "", false, fmt.Errorf("unexpected INFO reply %q", hdr)
	}
	body, err := c.ReadN(min(n, maxInfo))
	if err != nil {
		return "", false, fmt.Errorf("redis INFO: %w", err)
	}
	var facts []string
	for _, l := range strings.Split(string(body), "\n") {
		k, _, _ := strings.Cut(strings.TrimSpace(l), ":")
		switch k {
		case "redis_version", "redis_mode", "os", "tcp_port", "executable", "config_file":
			facts = append(facts, strings.TrimSpace(l))
		}
	}
	return fmt.Sprintf("PING -> %s and INFO server answered without AUTH:\n%s", pong, strings.Join(facts, "\n")), true, nil
}

// evalMemcached sends "stats": STAT lines without authentication are the
// finding (SASL-enabled servers refuse the text protocol).
func evalMemcached(ctx context.Context, t checks.Target) (string, bool, error) {
	c, err := netprobe.DialTarget(ctx, t)
	if err != nil {
		return "", false, err
	}
	defer c.Close()
	if err := c.WriteString("stats\r\n"); err != nil {
		return "", false, err
	}
	var facts []string
	stats := 0
	for range 256 {
		line, err := c.ReadLine(0)
		if err != nil {
			if stats == 0 {
				return "", false, nil // closed on us: authentication required
			}
			return "", false, fmt.Errorf("memcached stats: %w", err)
		}
		switch {
		case line == "END":
			if stats == 0 {
				return "", false, nil
			}
			_ = c.WriteString("quit\r\n")
			return fmt.Sprintf("\"stats\" answered without authentication (%d statistics):\n%s", stats, strings.Join(facts, "\n")), true, nil
		case strings.HasPrefix(line, "STAT "):
			stats++
			f := strings.Fields(line)
			if len(f) >= 3 && (f[1] == "version" || f[1] == "curr_items" || f[1] == "curr_connections" || f[1] == "uptime") {
				facts = append(facts, line)
			}
		case strings.Contains(line, "ERROR"):
			return "", false, nil
		default:
			return "", false, fmt.Errorf("not a memcached reply: %q", line)
		}
	}
	return "", false, fmt.Errorf("memcached stats: reply too long")
}
