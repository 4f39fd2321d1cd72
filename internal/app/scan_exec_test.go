package app

import (
	"reflect"
	"testing"
	"time"

	"github.com/perimeterhq/perimeter/internal/scanner/result"
	"github.com/perimeterhq/perimeter/internal/testfill"
)

// TestFindingOfKeepsEveryEngineField fails when the engine's finding gains a
// field that findingOf does not carry into the domain finding (or that the
// domain finding lacks): each one is carried under its own name, or listed in
// notKept with the reason.
func TestFindingOfKeepsEveryEngineField(t *testing.T) {
	notKept := map[string]string{"PCIFail": "recomputed from the finding, so exceptions apply"}
	var in result.Finding
	rv := reflect.ValueOf(&in).Elem()
	testfill.Fields(t, &in, time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC))
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
