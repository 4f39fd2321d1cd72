package fingerprint

import (
	"strconv"
	"strings"
)

// Telnet command bytes (RFC 854).
const (
	iac  = 255
	dont = 254
	do   = 253
	wont = 252
	will = 251
	sb   = 250
	se   = 240
)

// telnetScan walks b as Telnet data: it returns the text with commands
// removed, the negotiation commands seen (verb, option), and whether b ended
// inside an unfinished command.
func telnetScan(b []byte) (text []byte, cmds [][2]byte, partial bool) {
	for i := 0; i < len(b); i++ {
		if b[i] != iac {
			text = append(text, b[i])
			continue
		}
		if i+1 >= len(b) {
			return text, cmds, true
		}
		switch verb := b[i+1]; {
		case verb == iac: // escaped 0xff data byte
			text = append(text, iac)
			i++
		case verb >= will && verb <= dont:
			if i+2 >= len(b) {
				return text, cmds, true
			}
			cmds = append(cmds, [2]byte{verb, b[i+2]})
			i += 2
		case verb == sb:
			end := -1
			for j := i + 2; j+1 < len(b); j++ {
				if b[j] == iac && b[j+1] == se {
					end = j + 1
					break
				}
			}
			if end < 0 {
				return text, cmds, true
			}
			if i+2 < len(b) {
				cmds = append(cmds, [2]byte{sb, b[i+2]})
			}
			i = end
		default: // two-byte commands: NOP, GA, AYT...
			i++
		}
	}
	return text, cmds, false
}

// telnetCommandsComplete reports whether b holds only whole commands (the
// server now waits for our answers) or ends a line of text.
func telnetCommandsComplete(b []byte) bool {
	text, _, partial := telnetScan(b)
	if partial {
		return false
	}
	return len(text) == 0 || lineDone(text) || strings.HasSuffix(strings.TrimRight(string(text), " "), ":")
}

// parseTelnet recognises a Telnet server from option negotiation: at least
// one DO/DONT/WILL/WONT or sub-negotiation must open the stream.
func parseTelnet(b []byte) (Match, bool) {
	if len(b) < 3 || b[0] != iac || b[1] < sb || b[1] == iac {
		return Match{}, false
	}
	text, cmds, _ := telnetScan(b)
	if len(cmds) == 0 {
		return Match{}, false
	}
	m := Match{Service: "telnet", Banner: Printable(text)}
	if m.Banner == "" {
		m.Banner = Printable(b) // negotiation only: show it raw
	}
	var opts []string
	for _, c := range cmds {
		opts = append(opts, telnetVerb(c[0])+" "+strconv.Itoa(int(c[1])))
	}
	if len(opts) > 16 {
		opts = opts[:16]
	}
	m.set("telnet_options", strings.Join(opts, ","))
	return m, true
}

func telnetVerb(v byte) string {
	switch v {
	case will:
		return "WILL"
	case wont:
		return "WONT"
	case do:
		return "DO"
	case dont:
		return "DONT"
	default:
		return "SB"
	}
}

// telnetRefusals answers each DO with WONT and each WILL with DONT, the
// minimal replies that let a server move on to its login prompt.
func telnetRefusals(cmds [][2]byte) []byte {
	var out []byte
	for _, c := range cmds {
		switch c[0] {
		case do:
			out = append(out, iac, wont, c[1])
		case will:
			out = append(out, iac, dont, c[1])
		}
	}
	return out
}
