package api

import (
	"reflect"
	"strconv"
	"testing"
	"time"

	"github.com/perimeterhq/perimeter/internal/scan"
)

// TestVulnerabilityViewCoversFinding fails when scan.Finding gains a field
// that the API's finding views neither carry (under its own name or the one
// in renamed) nor list in hidden.
func TestVulnerabilityViewCoversFinding(t *testing.T) {
	renamed := map[string]string{"LastRunID": "LastHistoryID"}
	hidden := map[string]string{"OrganizationID": "the caller's own organization"}
	var f scan.Finding
	rv := reflect.ValueOf(&f).Elem()
	at := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	for i := range rv.NumField() {
		fv, n := rv.Field(i), strconv.Itoa(i+1)
		switch fv.Kind() {
		case reflect.String:
			fv.SetString("v" + n)
		case reflect.Int:
			fv.SetInt(int64(i + 1))
		case reflect.Float64:
			fv.SetFloat(float64(i+1) / 100)
		case reflect.Bool:
			fv.SetBool(true)
		case reflect.Slice:
			fv.Set(reflect.ValueOf([]string{"a" + n}))
		case reflect.Struct:
			fv.Set(reflect.ValueOf(at.Add(time.Duration(i) * time.Hour)))
		case reflect.Pointer:
			x := at.Add(time.Duration(i) * time.Hour)
			fv.Set(reflect.ValueOf(&x))
		default:
			t.Fatalf("fill scan.Finding.%s (%s) in this test", rv.Type().Field(i).Name, fv.Kind())
		}
	}
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
