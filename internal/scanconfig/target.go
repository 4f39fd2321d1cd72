package scanconfig

import (
	"strings"
	"time"
	"unicode/utf8"

	"github.com/perimeterhq/perimeter/internal/errs"
	"github.com/perimeterhq/perimeter/internal/hostspec"
	"github.com/perimeterhq/perimeter/internal/listing"
	"github.com/perimeterhq/perimeter/internal/tenant"
)

// Target is a named set of hosts to scan, minus exclusions.
type Target struct {
	ID             string
	OrganizationID string
	Name           string
	Description    string
	Hosts          string // host list as entered (hostspec notation), trimmed
	ExcludeHosts   string
	HostCount      uint64 // addresses after exclusions, plus hostnames
	PortListID     string // "" = the scan profile's port list
	Product        string
	Tags           []string
	CreatedBy      string
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// Limits on a target's text fields.
const (
	MaxTargetTags   = 50
	MaxTargetTagLen = 64
	maxHostsText    = 1 << 20
)

// Validate checks the target's fields and parses its host lists, reporting every
// invalid entry. On success it sets HostCount and returns the parsed set.
func (t *Target) Validate() (*hostspec.Set, error) {
	f := errs.Fields{}
	f.Name("name", &t.Name, 200)
	f.MaxChars("description", t.Description, 4000)
	if !tenant.ValidProduct(t.Product) {
		f.Add("product", "'%s' is not one of: %s", t.Product, strings.Join(tenant.Products, ", "))
	}
	if len(t.Tags) > MaxTargetTags {
		f.Add("tags", "at most %d tags", MaxTargetTags)
	}
	seen := map[string]bool{}
	tags := t.Tags[:0:0]
	for _, tag := range t.Tags {
		tag = strings.TrimSpace(tag)
		if tag == "" || utf8.RuneCountInString(tag) > MaxTargetTagLen {
			f.Add("tags", "'%s' must be 1 to %d characters", tag, MaxTargetTagLen)
			continue
		}
		if !seen[tag] {
			seen[tag] = true
			tags = append(tags, tag)
		}
	}
	t.Tags = tags
	var set *hostspec.Set
	if len(t.Hosts) > maxHostsText || len(t.ExcludeHosts) > maxHostsText {
		f.Add("hosts", "host lists are limited to %d bytes", maxHostsText)
	} else {
		var err error
		set, err = hostspec.Parse(t.Hosts, t.ExcludeHosts)
		if pe, ok := err.(*hostspec.ParseError); ok {
			f.Merge("", pe.FieldErrors())
		} else if err != nil {
			f.Add("hosts", "%s", err.Error())
		} else if t.HostCount, err = set.Count(); err != nil {
			f.Add("hosts", "%s", err.Error())
		} else if t.HostCount == 0 {
			f.Add("exclude_hosts", "excludes every host of the target")
		}
	}
	if err := f.Err(); err != nil {
		return nil, err
	}
	// The lists are kept as the user wrote them (trimmed): exclusions stay
	// visible as exclusions, and ranges keep their shape.
	t.Hosts, t.ExcludeHosts = strings.TrimSpace(t.Hosts), strings.TrimSpace(t.ExcludeHosts)
	return set, nil
}

// TargetUpdate holds a partial update; nil means unchanged.
type TargetUpdate struct {
	Name, Description, Hosts, ExcludeHosts, PortListID, Product *string
	Tags                                                        *[]string
}

// Apply returns t with the update applied.
func (u TargetUpdate) Apply(t Target) Target {
	for _, p := range []struct {
		dst *string
		src *string
	}{{&t.Name, u.Name}, {&t.Description, u.Description}, {&t.Hosts, u.Hosts}, {&t.ExcludeHosts, u.ExcludeHosts},
		{&t.PortListID, u.PortListID}, {&t.Product, u.Product}} {
		if p.src != nil {
			*p.dst = *p.src
		}
	}
	if u.Tags != nil {
		t.Tags = append([]string(nil), (*u.Tags)...)
	}
	return t
}

// TargetList declares how targets are filtered and sorted.
var TargetList = listing.Spec{
	Columns: []listing.Column{
		{Name: "name", Kind: listing.Text, Sortable: true},
		{Name: "hosts", Kind: listing.Hosts, Doc: "the host list, e.g. 192.168.* or 10.0.0.7"},
		{Name: "exclude_hosts", Kind: listing.Text},
		{Name: "product", Kind: listing.Enum, Values: tenant.Products, Sortable: true},
		{Name: "port_list_id", Kind: listing.ID},
		{Name: "tags", Kind: listing.Text, Doc: "tag text"},
		{Name: "description", Kind: listing.Text},
		{Name: "host_count", Kind: listing.Number, Sortable: true},
		{Name: "created_at", Sortable: true, NoFilter: true},
		{Name: "updated_at", Sortable: true, NoFilter: true},
	},
	DateName: "created_at", DefaultSort: "created_at", DefaultDesc: true,
}
