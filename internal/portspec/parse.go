package portspec

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/perimeterhq/perimeter/internal/textclip"
)

// ParseError lists every problem of a port list, each naming the offending
// item. The field name is the caller's (the API calls it "port_ranges").
type ParseError struct {
	Problems []string
}

func (e *ParseError) add(msg string) { e.Problems = append(e.Problems, msg) }

// Error joins the first few problems; FieldErrors has them all.
func (e *ParseError) Error() string {
	const show = 5
	msgs := e.Problems
	suffix := ""
	if len(msgs) > show {
		suffix = fmt.Sprintf("; and %d more", len(msgs)-show)
		msgs = msgs[:show]
	}
	return "invalid port list: " + strings.Join(msgs, "; ") + suffix
}

// FieldErrors returns the problems under the given field name, for an API
// validation body: {"port_ranges": ["'70000': port 70000 is outside 1-65535"]}.
func (e *ParseError) FieldErrors(field string) map[string][]string {
	return map[string][]string{field: append([]string(nil), e.Problems...)}
}

// splitItems cuts a notation at commas, semicolons and white space, except
// that white space next to ':' or '-' is dropped, so "T: 80" and "1 - 1024"
// stay one item.
func splitItems(s string) []string {
	var items []string
	for _, field := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ';' }) {
		words := strings.Fields(field)
		for i := 0; i < len(words); i++ {
			w := words[i]
			for i+1 < len(words) && (strings.HasSuffix(w, ":") || strings.HasSuffix(w, "-") ||
				strings.HasPrefix(words[i+1], ":") || strings.HasPrefix(words[i+1], "-")) {
				i++
				w += words[i]
			}
			items = append(items, w)
		}
	}
	return items
}

// Parse reads the T:/U: notation: "T:1-1024,8080,U:53,161". A prefix (T:, U:,
// or TCP:, UDP:, in any case) applies to the items after it until the next
// prefix; items before any prefix are TCP. Items are single ports or ranges
// separated by commas, semicolons or white space. It returns a *ParseError
// naming every bad item — an unknown prefix, a port that is not a number or is
// outside 1-65535, a reversed range — or saying that no port was given.
func Parse(notation string) (List, error) {
	perr := &ParseError{}
	items := splitItems(notation)
	proto := TCP
	var out List
	for _, item := range items {
		spec := item
		// "T: U:53" became "T:U:53" when spaces around ':' were dropped, so
		// an item may carry several prefixes; the last one wins.
		for {
			prefix, rest, ok := strings.Cut(spec, ":")
			if !ok {
				break
			}
			switch strings.ToLower(prefix) {
			case "t", "tcp":
				proto = TCP
			case "u", "udp":
				proto = UDP
			default:
				perr.add(fmt.Sprintf("'%s': unknown protocol prefix '%s:' (use T: or U:)", clip(item), clip(prefix)))
				// Skip what follows until a good prefix rather than
				// reporting it under the wrong protocol.
				proto, rest = "", ""
			}
			spec = rest
		}
		if spec == "" {
			continue
		}
		if proto == "" {
			continue
		}
		r, msg := parseItem(spec)
		if msg != "" {
			perr.add(fmt.Sprintf("'%s': %s", clip(item), msg))
			continue
		}
		r.Protocol = proto
		out = append(out, r)
	}
	if len(perr.Problems) == 0 && len(out) == 0 {
		perr.add("no ports given")
	}
	if len(perr.Problems) > 0 {
		return nil, perr
	}
	return merge(out), nil
}

// parseItem reads "80" or "1-1024".
func parseItem(s string) (Range, string) {
	lo, hi, isRange := strings.Cut(s, "-")
	if isRange && (lo == "" || hi == "") {
		return Range{}, "a range needs both ends (1-1024)"
	}
	start, msg := parsePort(lo)
	if msg != "" {
		return Range{}, msg
	}
	end := start
	if isRange {
		if end, msg = parsePort(hi); msg != "" {
			return Range{}, msg
		}
		if end < start {
			return Range{}, fmt.Sprintf("range is reversed (%d is after %d)", start, end)
		}
	}
	return Range{Start: start, End: end}, ""
}

func parsePort(s string) (int, string) {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, fmt.Sprintf("'%s' is not a port number", clip(s))
		}
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < MinPort || n > MaxPort {
		return 0, fmt.Sprintf("port %s is outside %d-%d", clip(s), MinPort, MaxPort)
	}
	return n, ""
}

// clip shortens input quoted back in messages.
func clip(s string) string { return textclip.Bytes(s, 40) }
