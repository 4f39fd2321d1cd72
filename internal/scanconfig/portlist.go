package scanconfig

import (
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/perimeterhq/perimeter/internal/errs"
	"github.com/perimeterhq/perimeter/internal/listing"
	"github.com/perimeterhq/perimeter/internal/portspec"
	"github.com/perimeterhq/perimeter/internal/textclip"
)

// Built-in port lists: rows without an organization, visible to every
// organization and read-only. Their ids are fixed (migration 0003 inserts
// them) so scan profiles, targets and clients can name them.
const (
	PortListAllTCP    = "01900000-0000-7000-9001-000000000001" // "All TCP": 1-65535
	PortListCommonTCP = "01900000-0000-7000-9001-000000000002" // "Common TCP": widely used service ports
	PortListWeb       = "01900000-0000-7000-9001-000000000003" // "Web": web servers and consoles
	PortListPCIASV    = "01900000-0000-7000-9001-000000000004" // "PCI ASV": all TCP plus common UDP services
)

// builtinPortListIDs maps the names of portspec.Builtins() to their ids.
var builtinPortListIDs = map[string]string{
	"All TCP": PortListAllTCP, "Common TCP": PortListCommonTCP, "Web": PortListWeb, "PCI ASV": PortListPCIASV,
}

// builtinCreated is the creation time recorded for the built-in lists
// (2025-01-01, like the default plans).
var builtinCreated = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

// PortListAppTypes are the scanner types a port list may be offered to (a
// list's app_type): every scanner app type. A list allows all of them unless
// narrowed.
var PortListAppTypes = AppTypes

// Limits of a port list.
const (
	// MaxPortRanges is the most ranges a list may hold after merging: a
	// list of every other port would otherwise be 32 768 rows.
	MaxPortRanges    = 10000
	maxPortListName  = 200
	maxPortListDescr = 4000
)

// PortRange is one stored range of a port list. Range ids survive
// re-normalization only for ranges that come out of it unchanged: a range
// that merges with another, or is cut by a removal, is a new range with a
// new id (see AssignRangeIDs).
type PortRange struct {
	ID string
	portspec.Range
}

// PortList is a named, normalized set of TCP and UDP port ranges a scan
// probes. OrganizationID is "" for the built-in lists.
type PortList struct {
	ID             string
	OrganizationID string
	Name           string
	Description    string
	AppTypes       []string // scanner types that may use it, in PortListAppTypes order
	Active         bool
	Ranges         []PortRange // normalized: sorted, merged, tcp before udp
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// Builtin reports whether the list is one of the read-only built-in lists.
func (p PortList) Builtin() bool { return p.OrganizationID == "" }

// Ports returns the list's ranges as a portspec.List.
func (p PortList) Ports() portspec.List {
	l := make(portspec.List, len(p.Ranges))
	for i, r := range p.Ranges {
		l[i] = r.Range
	}
	return l
}

// PortCount is the number of ports of all protocols.
func (p PortList) PortCount() int { return p.Ports().Count() }

// AllowsAppType reports whether scanners of the given type may use the list.
func (p PortList) AllowsAppType(appType string) bool { return slices.Contains(p.AppTypes, appType) }

// BuiltinPortLists returns the built-in lists exactly as migration 0003
// stores them: portspec.Builtins() with their fixed list and range ids.
func BuiltinPortLists() []PortList {
	var out []PortList
	for k, b := range portspec.Builtins() {
		id, ok := builtinPortListIDs[b.Name]
		if !ok {
			panic("scanconfig: built-in port list without an id: " + b.Name)
		}
		pl := PortList{ID: id, Name: b.Name, Description: b.Description, AppTypes: slices.Clone(PortListAppTypes),
			Active: true, CreatedAt: builtinCreated, UpdatedAt: builtinCreated}
		for i, r := range b.Ports {
			pl.Ranges = append(pl.Ranges, PortRange{ID: BuiltinRangeID(k+1, i+1), Range: r})
		}
		out = append(out, pl)
	}
	return out
}

// BuiltinRangeID is the fixed id of the i-th range (1-based) of the k-th
// built-in list (1-based, in portspec.Builtins() order).
func BuiltinRangeID(k, i int) string { return fmt.Sprintf("01900000-0000-7000-9002-%06d%06d", k, i) }

// IsBuiltinPortListName reports whether name is (case-insensitively) the
// name of a built-in list, which an organization's list may not take.
func IsBuiltinPortListName(name string) bool {
	for n := range builtinPortListIDs {
		if strings.EqualFold(strings.TrimSpace(name), n) {
			return true
		}
	}
	return false
}

// PortsInput is a port list's ports as a client gives them: JSON ranges, or
// the T:/U: notation. Field is the JSON field they came from, so errors name
// it ("port_ranges[2].end", "ports").
type PortsInput struct {
	Field    string
	Ranges   []portspec.Range // used when Notation is ""
	Notation string
}

// List validates and normalizes the input with portspec (overlaps and
// neighbours merged), adding field errors to f; it returns nil when invalid.
// JSON ranges are reported per item and field: "port_ranges[2].end":
// ["70000 is outside 1-65535"]; notation problems name the item:
// "ports": ["'70000': port 70000 is outside 1-65535"].
func (in PortsInput) List(f errs.Fields) portspec.List {
	var l portspec.List
	if in.Notation != "" {
		var err error
		if l, err = portspec.Parse(in.Notation); err != nil {
			addPortspecError(f, in.Field, err)
			return nil
		}
	} else {
		l = rangesList(in.Field, in.Ranges, f)
		if l == nil {
			return nil
		}
	}
	if len(l) > MaxPortRanges {
		f.Add(in.Field, "has %d ranges after merging; at most %d are allowed", len(l), MaxPortRanges)
		return nil
	}
	return l
}

// rangesList checks each JSON range on its own first, so each problem is
// reported under the item and field it concerns, then normalizes the lot.
func rangesList(field string, in []portspec.Range, f errs.Fields) portspec.List {
	if len(in) == 0 {
		f.Add(field, "at least one port range is required")
		return nil
	}
	bad := false
	for i, r := range in {
		if _, err := portspec.Normalize([]portspec.Range{r}); err != nil {
			bad = true
			rangeProblems(fmt.Sprintf("%s[%d]", field, i), r, err, f)
		}
	}
	if bad {
		return nil
	}
	l, err := portspec.Normalize(in)
	if err != nil {
		addPortspecError(f, field, err)
		return nil
	}
	return l
}

// rangeProblems says which field of a range portspec refused, naming the bad
// value; what it cannot attribute is reported under the item with
// portspec's own message.
func rangeProblems(key string, r portspec.Range, err error, f errs.Fields) {
	n := len(f)
	proto := strings.ToLower(strings.TrimSpace(r.Protocol))
	switch {
	case proto == "":
		f.Add(key+".protocol", "is missing (tcp or udp)")
	case proto != portspec.TCP && proto != portspec.UDP:
		f.Add(key+".protocol", "'%s' is not tcp or udp", clipClientText(r.Protocol))
	}
	inRange := func(p int) bool { return p >= portspec.MinPort && p <= portspec.MaxPort }
	if !inRange(r.Start) {
		f.Add(key+".start", "%d is outside %d-%d", r.Start, portspec.MinPort, portspec.MaxPort)
	}
	if !inRange(r.End) {
		f.Add(key+".end", "%d is outside %d-%d", r.End, portspec.MinPort, portspec.MaxPort)
	}
	if inRange(r.Start) && inRange(r.End) && r.End < r.Start {
		f.Add(key+".end", "%d is before start %d (reversed range)", r.End, r.Start)
	}
	if len(f) == n {
		addPortspecError(f, key, err)
	}
}

func addPortspecError(f errs.Fields, field string, err error) {
	if pe, ok := err.(*portspec.ParseError); ok {
		f.Merge("", pe.FieldErrors(field))
		return
	}
	f.Add(field, "%s", err.Error())
}

// NormalizeAppTypes checks scanner app types (case-insensitive, duplicates
// dropped) and returns them in PortListAppTypes order, adding an error naming
// each unknown value to f under field. An empty list is an error too: a list
// no scanner may use is useless.
func NormalizeAppTypes(field string, in []string, f errs.Fields) []string {
	want := map[string]bool{}
	for _, t := range in {
		v := strings.ToLower(strings.TrimSpace(t))
		if !slices.Contains(PortListAppTypes, v) {
			f.Add(field, "'%s' is not one of: %s", clipClientText(t), strings.Join(PortListAppTypes, ", "))
			continue
		}
		want[v] = true
	}
	if len(in) == 0 {
		f.Add(field, "at least one of %s is required", strings.Join(PortListAppTypes, ", "))
	}
	var out []string
	for _, t := range PortListAppTypes {
		if want[t] {
			out = append(out, t)
		}
	}
	return out
}

// PortListInput is what a client may set on a port list; nil means
// unchanged (on create: the default).
type PortListInput struct {
	Name        *string
	Description *string
	AppTypes    *[]string
	Ports       *PortsInput
}

// Apply returns p changed by in, validated. newID names ranges that are not
// already in p (AssignRangeIDs). On create, p is the zero list: the name and
// ports are required and app types default to all. It returns a 422 naming
// every bad field.
func (in PortListInput) Apply(p PortList, newID func() string) (PortList, error) {
	f := errs.Fields{}
	creating := p.ID == ""
	if in.Name != nil {
		p.Name = strings.TrimSpace(*in.Name)
	}
	switch {
	case p.Name == "":
		f.Add("name", "can't be blank")
	case utf8.RuneCountInString(p.Name) > maxPortListName:
		f.Add("name", "is too long (at most %d characters)", maxPortListName)
	case in.Name != nil && IsBuiltinPortListName(p.Name):
		f.Add("name", "'%s' is the name of a built-in port list", clipClientText(p.Name))
	}
	if in.Description != nil {
		p.Description = strings.TrimSpace(*in.Description)
		if utf8.RuneCountInString(p.Description) > maxPortListDescr {
			f.Add("description", "is too long (at most %d characters)", maxPortListDescr)
		}
	}
	switch {
	case in.AppTypes != nil:
		p.AppTypes = NormalizeAppTypes("app_type", *in.AppTypes, f)
	case creating:
		p.AppTypes = slices.Clone(PortListAppTypes)
	}
	switch {
	case in.Ports != nil:
		if l := in.Ports.List(f); l != nil {
			p.Ranges = AssignRangeIDs(p.Ranges, l, newID)
		}
	case creating:
		f.Add("port_ranges", "are required: an array of {protocol, start, end}, or the notation in ports (T:1-1024,8080,U:53,161)")
	}
	return p, f.Err()
}

// AssignRangeIDs turns a normalized list into stored ranges: a range equal
// to one of old (same protocol, start and end) keeps that range's id; every
// other range — new, or the result of merging or cutting old ones — gets a
// new id, and the ids of the ranges it replaced are gone.
func AssignRangeIDs(old []PortRange, l portspec.List, newID func() string) []PortRange {
	ids := make(map[portspec.Range]string, len(old))
	for _, r := range old {
		ids[r.Range] = r.ID
	}
	out := make([]PortRange, len(l))
	for i, r := range l {
		id, ok := ids[r]
		if !ok {
			id = newID()
		}
		out[i] = PortRange{ID: id, Range: r}
	}
	return out
}

// PortListListing declares how port lists are filtered and sorted.
var PortListListing = listing.Spec{
	Columns: []listing.Column{
		{Name: "name", Kind: listing.Text, Sortable: true},
		{Name: "description", Kind: listing.Text},
		{Name: "app_type", Kind: listing.Enum, Values: PortListAppTypes, Doc: "lists a scanner type may use"},
		{Name: "builtin", Kind: listing.Bool, Doc: "built-in, read-only lists"},
		{Name: "active", Kind: listing.Bool},
		{Name: "port_count", Kind: listing.Number, Sortable: true},
		{Name: "created_at", Sortable: true, NoFilter: true},
		{Name: "updated_at", Sortable: true, NoFilter: true},
	},
	DateName: "created_at", DefaultSort: "created_at",
}

// clipClientText shortens client input quoted back in messages.
func clipClientText(s string) string { return textclip.Bytes(s, 60) }
