package api

import (
	"slices"
	"testing"
)

// The hand-kept lists of openapi.go name real routes.
func TestOpenAPIErrorListsNameRoutes(t *testing.T) {
	routes := New(nil, Options{}).Routes()
	for _, list := range []map[string]bool{conflictOps, rateLimitedOps} {
		for route := range list {
			if !slices.Contains(routes, route) {
				t.Errorf("%s is not a route", route)
			}
		}
	}
}
