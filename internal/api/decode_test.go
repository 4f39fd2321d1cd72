package api_test

import (
	"testing"

	"github.com/perimeterhq/perimeter/internal/apitest"
	"github.com/perimeterhq/perimeter/internal/store"
)

// TestStrictJSONBodies: what encoding/json would let pass silently is refused
// with the field named (issue 15).
func TestStrictJSONBodies(t *testing.T) {
	e := apitest.New(t, store.SQLite)
	apitest.Run(t, []apitest.Scenario{
		{Name: "not an object", As: e.Admin, Method: "POST", Path: "/v2/targets", Body: `[1,2]`, Status: 400,
			Want: []string{"the body must be an object, not array"}, NotIn: []string{"a JSON an"}},
		{Name: "misspelled optional field", As: e.Admin, Method: "POST", Path: "/v2/targets",
			Body: `{"name":"lab","hosts":"10.0.0.0/30","exclude_host":"10.0.0.1"}`, Status: 422,
			Want: []string{`"exclude_host":["is not a known field"]`}},
		{Name: "every unknown field is named", As: e.Admin, Method: "POST", Path: "/v2/users",
			Body: `{"email":"x@y.test","first_name":"X","last_name":"Y","favourite_colour":"blue","pasword":"a-long-password"}`, Status: 422,
			Want: []string{`"favourite_colour":["is not a known field"]`, `"pasword":["is not a known field"]`}},
		{Name: "unknown field in a nested object", As: e.Admin, Method: "POST", Path: "/v2/scans/wizard",
			Body: `{"target":{"name":"t","hosts":"10.0.0.1","exclude_host":"10.0.0.1"},"scan":{"name":"s"}}`, Status: 422,
			Want: []string{`"target.exclude_host":["is not a known field"]`}},
		{Name: "unknown field in an array item", As: e.Admin, Method: "POST", Path: "/v2/organizations",
			Body: `{"name":"Org","skip_default_subscription":true,"plans":[{"plan":"x","intervall":"monthly"}]}`, Status: 422,
			Want: []string{`"plans[0].intervall":["is not a known field"]`}},
		{Name: "fields of an embedded struct are known", As: e.Admin, Method: "POST", Path: "/v2/organizations",
			Body: `{"name":"Embedded Org","city":"Berlin","type":"customer"}`, Status: 201},
		{Name: "duplicate key", As: e.Admin, Method: "POST", Path: "/v2/targets",
			Body: `{"name":"a","hosts":"10.0.0.1","name":"b"}`, Status: 422, Want: []string{`"name":["is given more than once"]`}},
		{Name: "duplicate key in a nested object", As: e.Admin, Method: "POST", Path: "/v2/scans/wizard",
			Body: `{"target":{"name":"t","hosts":"10.0.0.1","hosts":"10.0.0.2"},"scan":{"name":"s"}}`, Status: 422,
			Want: []string{`"target.hosts":["is given more than once"]`}},
		{Name: "NUL in a name", As: e.Admin, Method: "POST", Path: "/v2/targets",
			Body: `{"name":"lab\u0000x","hosts":"10.0.0.1"}`, Status: 422, Want: []string{`"name":["must not contain control characters (U+0000)"]`}},
		{Name: "escape character in a name", As: e.Admin, Method: "POST", Path: "/v2/port_lists",
			Body: `{"name":"web\u001b[31m","ports":"T:80"}`, Status: 422, Want: []string{`"name":["must not contain control characters (U+001B)"]`}},
		{Name: "control character in an array", As: e.Admin, Method: "POST", Path: "/v2/targets",
			Body: `{"name":"lab","hosts":"10.0.0.1","tags":["ok","b\u0007d"]}`, Status: 422, Want: []string{`"tags[1]"`}},
		{Name: "control character in a raw value", As: e.Admin, Method: "POST", Path: "/v2/port_lists",
			Body: `{"name":"raw","port_ranges":"T:80\u0000"}`, Status: 422, Want: []string{`"port_ranges"`}},
		{Name: "newlines and tabs in free text are fine", As: e.Admin, Method: "POST", Path: "/v2/targets",
			Body: `{"name":"lab","hosts":"10.0.0.1\n10.0.0.2","description":"line one\n\tline two"}`, Status: 201},
		{Name: "invalid UTF-8", As: e.Admin, Method: "POST", Path: "/v2/targets", Body: []byte("{\"name\":\"caf\xe9\",\"hosts\":\"10.0.0.1\"}"), Status: 400,
			Want: []string{"UTF-8"}},
		{Name: "keys match case-insensitively, as before", As: e.Admin, Method: "POST", Path: "/v2/targets",
			Body: `{"Name":"cased","hosts":"10.0.0.9"}`, Status: 201, Want: []string{`"name":"cased"`}},
		{Name: "no body is still an empty object", As: e.Admin, Method: "POST", Path: "/v2/targets", Status: 422, Want: []string{`"name":["can't be blank"]`}},
	})
}
