package errs

import (
	"strings"
	"unicode/utf8"
)

// Name trims *v and records "can't be blank" when nothing is left, or "is
// too long" past max characters: the rule of every named resource.
func (f Fields) Name(field string, v *string, max int) {
	*v = strings.TrimSpace(*v)
	if *v == "" {
		f.Add(field, "can't be blank")
		return
	}
	f.MaxChars(field, *v, max)
}

// MaxChars records "is too long (at most max characters)" for a value over
// max characters.
func (f Fields) MaxChars(field, v string, max int) {
	if utf8.RuneCountInString(v) > max {
		f.Add(field, "is too long (at most %d characters)", max)
	}
}
