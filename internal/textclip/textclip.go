// Package textclip shortens text quoted back to users (in validation errors,
// for example) so a long input cannot make a long message.
package textclip

import "unicode/utf8"

// Bytes returns s when it is at most max bytes long, else its first max bytes
// cut back to a character boundary, followed by "…".
func Bytes(s string, max int) string {
	if len(s) <= max {
		return s
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}
