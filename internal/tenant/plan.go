package tenant

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/perimeterhq/perimeter/internal/errs"
)

// Products [CG].
const (
	ProductPCI         = "pci"
	ProductVRMS        = "vrms"
	ProductPenetration = "penetration"
)

// Products lists every product, in display order.
var Products = []string{ProductPCI, ProductVRMS, ProductPenetration}

// ValidProduct reports whether p names a product.
func ValidProduct(p string) bool { return slices.Contains(Products, p) }

// Subscription intervals [CG].
const (
	IntervalNone    = "none"
	IntervalMonthly = "monthly"
	IntervalYearly  = "yearly"
)

// Subscription statuses.
const (
	SubscriptionActive    = "active"
	SubscriptionCancelled = "cancelled"
)

// Feature keys every plan understands.
const (
	FeatureMaxIPs  = "max_ips" // [CG] "Number of IPs": distinct IPs an organization may scan; required
	FeatureRescans = "rescans" // [CG] "unlimited", a number of rescans, or "none"
)

// Features are a plan's (or a subscription's overriding) feature values, kept
// as JSON values so new features need no schema change.
type Features map[string]any

// Plan is a product offering with features.
type Plan struct {
	ID          string
	Product     string
	Name        string
	Description string
	Features    Features
	IsDefault   bool
	ArchivedAt  *time.Time // set when deleted while subscriptions (ended ones) still refer to it
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// Subscription ties an organization to a plan for a period.
type Subscription struct {
	ID             string
	OrganizationID string
	PlanID         string
	PlanName       string
	Product        string
	Interval       string
	Status         string
	StartDate      time.Time
	EndDate        *time.Time
	Features       Features // overrides of the plan's features
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// Effective returns the plan's features with the subscription's overrides.
func (s Subscription) Effective(plan Features) Features {
	out := Features{}
	for k, v := range plan {
		out[k] = v
	}
	for k, v := range s.Features {
		out[k] = v
	}
	return out
}

// ActiveAt reports whether the subscription is in force at t.
func (s Subscription) ActiveAt(t time.Time) bool {
	return s.Status == SubscriptionActive && !t.Before(s.StartDate) && (s.EndDate == nil || t.Before(*s.EndDate))
}

// ValidInterval reports whether i is a subscription interval.
func ValidInterval(i string) bool {
	return i == IntervalNone || i == IntervalMonthly || i == IntervalYearly
}

// MaxIPs returns the max_ips feature.
func (f Features) MaxIPs() (int64, bool) {
	return asInt(f[FeatureMaxIPs])
}

// Rescans returns the rescan allowance: unlimited, or a count (0 = none).
func (f Features) Rescans() (limit int64, unlimited bool) {
	switch v := f[FeatureRescans].(type) {
	case nil:
		return 0, true
	case string:
		switch strings.ToLower(v) {
		case "unlimited", "":
			return 0, true
		case "none":
			return 0, false
		}
	}
	n, _ := asInt(f[FeatureRescans])
	return n, false
}

func asInt(v any) (int64, bool) {
	switch n := v.(type) {
	case float64:
		if n == math.Trunc(n) && n >= 0 && n < 1<<53 {
			return int64(n), true
		}
	case int:
		return int64(n), n >= 0
	case int64:
		return n, n >= 0
	case json.Number:
		i, err := n.Int64()
		return i, err == nil && i >= 0
	case string:
		var i int64
		if _, err := fmt.Sscanf(n, "%d", &i); err == nil && fmt.Sprint(i) == n && i >= 0 {
			return i, true
		}
	}
	return 0, false
}

// Validate checks a plan's client-set fields and puts its features in
// canonical form; errors name the field (features as "features.<key>").
func (p *Plan) Validate() error {
	f := errs.Fields{}
	p.Name = strings.TrimSpace(p.Name)
	if p.Name == "" {
		f.Add("name", "can't be blank")
	} else if len(p.Name) > 100 {
		f.Add("name", "is too long (at most 100 characters)")
	}
	if len(p.Description) > 2000 {
		f.Add("description", "is too long (at most 2000 characters)")
	}
	if !ValidProduct(p.Product) {
		f.Add("product", "'%s' is not one of: %s", p.Product, strings.Join(Products, ", "))
	}
	feats, fe := p.Features.Normalize("features.", true)
	f.Merge("", fe)
	p.Features = feats
	return f.Err()
}

// PlanUpdate holds the plan fields a write changes (nil: unchanged). Features
// replace the plan's features as a whole.
type PlanUpdate struct {
	Name, Description *string
	Features          Features
	IsDefault         *bool
}

// Apply returns p with the update applied.
func (u PlanUpdate) Apply(p Plan) Plan {
	if u.Name != nil {
		p.Name = *u.Name
	}
	if u.Description != nil {
		p.Description = *u.Description
	}
	if u.Features != nil {
		p.Features = u.Features
	}
	if u.IsDefault != nil {
		p.IsDefault = *u.IsDefault
	}
	return p
}
