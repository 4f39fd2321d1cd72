package checks

import (
	"fmt"
	"slices"
	"sync"
)

var registry = struct {
	sync.RWMutex
	byID map[string]Check
}{byID: map[string]Check{}}

// Register adds c to the registry. It panics when c is nil, its Meta is
// invalid (see Meta.Validate) or its ID is already registered: registration
// happens in package init, and two checks sharing an ID would make findings
// ambiguous across scans.
func Register(c Check) {
	if c == nil {
		panic("checks: Register of nil check")
	}
	m := c.Meta()
	if err := m.Validate(); err != nil {
		panic(err)
	}
	registry.Lock()
	defer registry.Unlock()
	if _, dup := registry.byID[m.ID]; dup {
		panic(fmt.Sprintf("checks: duplicate registration of %q", m.ID))
	}
	registry.byID[m.ID] = c
}

// All returns every registered check, ordered by ID.
func All() []Check {
	registry.RLock()
	defer registry.RUnlock()
	out := make([]Check, 0, len(registry.byID))
	for _, c := range registry.byID {
		out = append(out, c)
	}
	sortByID(out)
	return out
}

// Lookup returns the registered check with the given ID.
func Lookup(id string) (Check, bool) {
	registry.RLock()
	defer registry.RUnlock()
	c, ok := registry.byID[id]
	return c, ok
}

// Families returns the distinct families of the registered checks, sorted.
func Families() []string {
	var fams []string
	for _, c := range All() {
		if f := c.Meta().Family; !slices.Contains(fams, f) {
			fams = append(fams, f)
		}
	}
	slices.Sort(fams)
	return fams
}

// Select returns the registered checks of the given families, ordered by ID;
// nil or empty families selects every check. It returns an error naming any
// family that has no registered check (the checks it could select are still
// returned), so a typo in a scan profile is visible rather than silently empty.
func Select(families []string) ([]Check, error) {
	all := All()
	if len(families) == 0 {
		return all, nil
	}
	known := Families()
	var unknown []string
	for _, f := range families {
		if !slices.Contains(known, f) {
			unknown = append(unknown, f)
		}
	}
	var out []Check
	for _, c := range all {
		if slices.Contains(families, c.Meta().Family) {
			out = append(out, c)
		}
	}
	if len(unknown) > 0 {
		return out, fmt.Errorf("checks: unknown check families %q (known: %q)", unknown, known)
	}
	return out, nil
}

func sortByID(cs []Check) {
	slices.SortFunc(cs, func(a, b Check) int {
		ida, idb := a.Meta().ID, b.Meta().ID
		switch {
		case ida < idb:
			return -1
		case ida > idb:
			return 1
		}
		return 0
	})
}
