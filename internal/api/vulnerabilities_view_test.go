package api

import (
	"reflect"
	"testing"
	"time"

	"github.com/perimeterhq/perimeter/internal/scan"
	"github.com/perimeterhq/perimeter/internal/testfill"
)

// TestVulnerabilityViewCoversFinding fails when scan.Finding gains a field
// that the API's finding views neither carry (under its own name or the one
// in renamed) nor list in hidden.
func TestVulnerabilityViewCoversFinding(t *testing.T) {
	renamed := map[string]string{"LastRunID": "LastHistoryID"}
	hidden := map[string]string{"OrganizationID": "the caller's own organization"}
	var f scan.Finding
	rv := reflect.ValueOf(&f).Elem()
	testfill.Fields(t, &f, time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC))
	views := []reflect.Value{reflect.ValueOf(vulnerabilityView(f)), reflect.ValueOf(vulnerabilityTexts(f))}
	for i := range rv.NumField() {
		name := rv.Type().Field(i).Name
		if _, ok := hidden[name]; ok {
			continue
		}
		want := name
		if r, ok := renamed[name]; ok {
			want = r
		}
		found := false
		for _, v := range views {
			if got := v.FieldByName(want); got.IsValid() {
				found = true
				if !reflect.DeepEqual(got.Interface(), rv.Field(i).Interface()) {
					t.Errorf("view %s = %v, want %v (scan.Finding.%s)", want, got.Interface(), rv.Field(i).Interface(), name)
				}
			}
		}
		if !found {
			t.Errorf("scan.Finding.%s is neither in VulnerabilityView or VulnerabilityTexts nor listed as hidden", name)
		}
	}
}
