package cve

import "strings"

// Configuration evaluation uses three-valued (Kleene) logic, because a
// scanner sees one service, not the whole host: a criteria for a product the
// service does not show ("running on Windows", "with PHP") is neither true
// nor false but unknown. The ordering false < unknown < true makes AND the
// minimum, OR the maximum and NOT the mirror image.
//
// Decisions, documented here because NVD does not define them for scanners:
//   - A configuration matches when it evaluates true, or unknown because a
//     node the service cannot confirm (typically the platform-only node of a
//     "running on/with" configuration, vulnerable=false) stays unknown, as
//     long as a vulnerable criteria matched the service positively. The
//     unknown case is reported with lower confidence (see Match).
//   - A criteria is false, not unknown, when the service states the same
//     product with a version outside its range: the service proves it wrong.
//   - Only vulnerable criteria in non-negated nodes of non-negated
//     configurations count as the positive match (the "hit").

type tri int8

const (
	triFalse tri = iota
	triUnknown
	triTrue
)

func not(v tri) tri { return triTrue - v }

// identity is the value of an operator over nothing: true for AND, false
// for OR.
func identity(and bool) tri {
	if and {
		return triTrue
	}
	return triFalse
}

// combine folds r into v with AND (minimum) or OR (maximum).
func combine(and bool, v, r tri) tri {
	if and {
		return min(v, r)
	}
	return max(v, r)
}

// configuration is one element of an NVD record's "configurations": nodes
// combined by the configuration-level operator (OR when absent).
type configuration struct {
	and    bool
	negate bool
	nodes  []node
}

// node is an NVD node: cpeMatch entries combined by its operator.
type node struct {
	and     bool
	negate  bool
	entries []entry
}

// entry is an NVD cpeMatch: a criteria with optional version bounds.
type entry struct {
	cpe        *cpeName
	bounds     *versionBounds // nil without bounds; shared between equal bounds
	vulnerable bool
}

// versionBounds are NVD's four optional bounds. They stay strings, parsed
// only when a candidate is evaluated.
type versionBounds struct {
	startIncl, startExcl, endIncl, endExcl string
}

// limits returns the bounds, all empty when there are none.
func (e *entry) limits() versionBounds {
	if e.bounds == nil {
		return versionBounds{}
	}
	return *e.bounds
}

// target is one CPE of a scanned service, with the version it states.
type target struct {
	cpe        *cpeName
	version    Version
	hasVersion bool // a comparable version is known
	versionNA  bool // the CPE says the product has no version ("-")
	primary    bool // the service's own application CPE (the first "a" CPE)
	// matchable: the target may be the vulnerable product of a match. A
	// distribution release ("ubuntu_linux:22.04") or a product without a
	// known version only confirms platform criteria.
	matchable bool
}

// hit is a vulnerable criteria that matched a service CPE.
type hit struct {
	entry  *entry
	target *target
}

// outcome is the best way a record matched a service.
type outcome struct {
	value       tri
	hit         hit
	unconfirmed []string // criteria of nodes that stayed unknown
}

// match evaluates every configuration (they are OR'd) and returns the best
// outcome that has a hit: true beats unknown.
func (r *record) match(ts []target) (outcome, bool) {
	var best outcome
	found := false
	for i := range r.configs {
		v, hits, unconfirmed := r.configs[i].eval(ts)
		if len(hits) == 0 || (found && v <= best.value) {
			continue
		}
		best, found = outcome{value: v, hit: hits[0], unconfirmed: unconfirmed}, true
		if v == triTrue {
			break
		}
	}
	return best, found
}

func (c *configuration) eval(ts []target) (tri, []hit, []string) {
	v := identity(c.and)
	var hits []hit
	var unconfirmed []string
	for i := range c.nodes {
		n := &c.nodes[i]
		r, nodeHits := n.eval(ts)
		v = combine(c.and, v, r)
		if r >= triUnknown {
			hits = append(hits, nodeHits...)
		}
		if r == triUnknown && len(n.entries) > 0 {
			unconfirmed = append(unconfirmed, n.entries[0].cpe.raw)
		}
	}
	if c.negate {
		return not(v), nil, nil
	}
	if v == triFalse {
		return v, nil, nil
	}
	return v, hits, unconfirmed
}

func (n *node) eval(ts []target) (tri, []hit) {
	v := identity(n.and)
	var hits []hit
	for i := range n.entries {
		e := &n.entries[i]
		r, t := e.eval(ts)
		v = combine(n.and, v, r)
		if r == triTrue && e.vulnerable && t.matchable {
			hits = append(hits, hit{entry: e, target: t})
		}
	}
	if n.negate {
		return not(v), nil
	}
	return v, hits
}

// eval checks the criteria against every service CPE. Targets naming the
// same product decide; if none does, the answer is unknown.
func (e *entry) eval(ts []target) (tri, *target) {
	same, sawUnknown := false, false
	for i := range ts {
		t := &ts[i]
		if !e.cpe.sameProduct(t.cpe) {
			continue
		}
		same = true
		switch e.evalTarget(t) {
		case triTrue:
			return triTrue, t
		case triUnknown:
			sawUnknown = true
		}
	}
	if !same || sawUnknown {
		return triUnknown, nil
	}
	return triFalse, nil
}

// evalTarget compares the criteria with a target of the same product.
func (e *entry) evalTarget(t *target) tri {
	for i := cpeEdition; i < cpeFields; i++ {
		if !qualifierMatch(e.cpe.attr(i), t.cpe.attr(i)) {
			return triFalse
		}
	}
	crit, upd := e.cpe.attr(cpeVersion), e.cpe.attr(cpeUpdate)
	switch crit.kind {
	case attrAny:
		if !qualifierMatch(upd, t.cpe.attr(cpeUpdate)) {
			return triFalse
		}
		if e.bounds == nil {
			return triTrue
		}
		if !t.hasVersion {
			return triUnknown
		}
		return boolTri(e.inBounds(t.version))
	case attrNA:
		// A platform criteria "windows:-" means any Windows; a vulnerable
		// one names a product without versions, which a versioned service
		// is not.
		switch {
		case t.versionNA, !e.vulnerable:
			return triTrue
		case !t.hasVersion:
			return triUnknown
		}
		return triFalse
	}
	if !t.hasVersion {
		if t.versionNA {
			return triFalse
		}
		return triUnknown
	}
	if crit.kind == attrPattern {
		return boolTri(globMatch(crit.value, strings.ToLower(t.version.String())))
	}
	want := ParseVersion(crit.value)
	if upd.kind == attrValue {
		want = want.withUpdate(upd.value)
	}
	if t.version.Compare(want) == 0 {
		return triTrue
	}
	// "openssh:7.4:*" covers every update of 7.4, and a banner's "7.4p1"
	// is version 7.4, update p1 in NVD's terms.
	return boolTri(upd.kind == attrAny && t.version.withoutUpdate().Compare(want) == 0)
}

// inBounds applies all four NVD version bounds.
func (e *entry) inBounds(v Version) bool {
	b := e.limits()
	if b.startIncl != "" && v.Compare(ParseVersion(b.startIncl)) < 0 {
		return false
	}
	if b.startExcl != "" && v.Compare(ParseVersion(b.startExcl)) <= 0 {
		return false
	}
	if b.endIncl != "" && v.Compare(ParseVersion(b.endIncl)) > 0 {
		return false
	}
	if b.endExcl != "" && v.Compare(ParseVersion(b.endExcl)) >= 0 {
		return false
	}
	return true
}

func boolTri(b bool) tri {
	if b {
		return triTrue
	}
	return triFalse
}
