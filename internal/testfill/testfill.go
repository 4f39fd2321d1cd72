// Package testfill fills a struct with a distinct value in every field, for
// tests that check a mapping (a row, a view, a conversion) carries each field:
// a field it drops reads back as a difference.
package testfill

import (
	"reflect"
	"strconv"
	"testing"
	"time"
)

// Fields sets every zero field of the struct v points to a value of its
// own: "v<n>" strings, n for integers, n/100 for floats, true, []string{"a<n>",
// "b<n>"}, and at plus n hours for time.Time and *time.Time (n is the field's
// position from 1). A field of another kind fails the test, so a new kind of
// field is never silently left out.
func Fields(t testing.TB, v any, at time.Time) {
	t.Helper()
	rv := reflect.ValueOf(v).Elem()
	for i := range rv.NumField() {
		f := rv.Field(i)
		if !f.IsZero() {
			continue
		}
		n := strconv.Itoa(i + 1)
		when := at.Add(time.Duration(i+1) * time.Hour)
		switch {
		case f.Kind() == reflect.String:
			f.SetString("v" + n)
		case f.Kind() == reflect.Int:
			f.SetInt(int64(i + 1))
		case f.Kind() == reflect.Float64:
			f.SetFloat(float64(i+1) / 100)
		case f.Kind() == reflect.Bool:
			f.SetBool(true)
		case f.Type() == reflect.TypeFor[[]string]():
			f.Set(reflect.ValueOf([]string{"a" + n, "b" + n}))
		case f.Type() == reflect.TypeFor[time.Time]():
			f.Set(reflect.ValueOf(when))
		case f.Type() == reflect.TypeFor[*time.Time]():
			f.Set(reflect.ValueOf(&when))
		default:
			t.Fatalf("testfill: cannot fill %s.%s (%s)", rv.Type().Name(), rv.Type().Field(i).Name, f.Type())
		}
	}
}
