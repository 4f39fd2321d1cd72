package app

import (
	"reflect"
	"strconv"
	"testing"

	"github.com/perimeterhq/perimeter/internal/scanner/result"
)

// TestFindingOfKeepsEveryEngineField fails when the engine's finding gains a
// field that findingOf does not carry into the domain finding (or that the
// domain finding lacks): each one is carried under its own name, or listed in
// notKept with the reason.
func TestFindingOfKeepsEveryEngineField(t *testing.T) {
	notKept := map[string]string{"PCIFail": "recomputed from the finding, so exceptions apply"}
	var in result.Finding
	rv := reflect.ValueOf(&in).Elem()
	for i := range rv.NumField() {
		f, n := rv.Field(i), strconv.Itoa(i+1)
		switch f.Kind() {
		case reflect.String:
			f.SetString("v" + n)
		case reflect.Int:
			f.SetInt(int64(i + 1))
		case reflect.Float64:
			f.SetFloat(float64(i+1) / 100)
		case reflect.Bool:
			f.SetBool(true)
		case reflect.Slice:
			f.Set(reflect.ValueOf([]string{"a" + n}))
		default:
			t.Fatalf("fill result.Finding.%s (%s) in this test", rv.Type().Field(i).Name, f.Kind())
		}
	}
	out := reflect.ValueOf(findingOf("org", "host", "10.0.0.1", "h.example", in))
	for i := range rv.NumField() {
		name := rv.Type().Field(i).Name
		if _, ok := notKept[name]; ok {
			continue
		}
		got := out.FieldByName(name)
		if !got.IsValid() {
			t.Errorf("scan.Finding has no field %s of result.Finding", name)
			continue
		}
		if !reflect.DeepEqual(got.Interface(), rv.Field(i).Interface()) {
			t.Errorf("findingOf: %s = %v, want %v", name, got.Interface(), rv.Field(i).Interface())
		}
	}
}
