package tenant

import (
	"fmt"
	"slices"
	"strings"

	"github.com/perimeterhq/perimeter/internal/errs"
)

// Features beyond the [CG] ones (max_ips, rescans).
const (
	FeatureScansPerMonth = "scans_per_month" // scan runs an organization may start per calendar month (UTC) in the product
	FeatureMaxUsers      = "max_users"       // users an organization may have
	FeatureAPIAccess     = "api_access"      // whether the organization's API keys authenticate at all
)

// FeatureType says which values a feature takes.
type FeatureType string

// Feature types.
const (
	// TypeInteger is a non-negative integer limit.
	TypeInteger FeatureType = "integer"
	// TypeAllowance is "unlimited", "none" (0) or a non-negative integer, like rescans [CG].
	TypeAllowance FeatureType = "allowance"
	// TypeBoolean is true or false.
	TypeBoolean FeatureType = "boolean"
)

// FeatureDef describes one plan feature: the single registry every plan and
// subscription write is validated against, and every limit check reads.
type FeatureDef struct {
	Key         string
	Type        FeatureType
	Description string
	Default     any  // value in force when neither the plan nor the subscription sets it
	Required    bool // every plan must set it
}

// FeatureRegistry lists every feature a plan may carry, in display order.
var FeatureRegistry = []FeatureDef{
	{Key: FeatureMaxIPs, Type: TypeInteger, Required: true, Default: int64(65536),
		Description: "Number of IPs: distinct IPs across the organization's targets of the product (checked on target writes and scan starts)"},
	{Key: FeatureRescans, Type: TypeAllowance, Default: "unlimited",
		Description: "Runs of one scan after its first: \"unlimited\", \"none\" or a number"},
	{Key: FeatureScansPerMonth, Type: TypeAllowance, Default: "unlimited",
		Description: "Scan runs the organization may start per calendar month (UTC) in the product: \"unlimited\", \"none\" or a number"},
	{Key: FeatureMaxUsers, Type: TypeAllowance, Default: "unlimited",
		Description: "Users the organization may have (the most generous of its active plans applies): \"unlimited\" or a number"},
	{Key: FeatureAPIAccess, Type: TypeBoolean, Default: true,
		Description: "Whether the organization's API keys authenticate (false: 403); granted when any active plan grants it"},
}

// LookupFeature returns the definition of key.
func LookupFeature(key string) (FeatureDef, bool) {
	i := slices.IndexFunc(FeatureRegistry, func(d FeatureDef) bool { return d.Key == key })
	if i < 0 {
		return FeatureDef{}, false
	}
	return FeatureRegistry[i], true
}

// FeatureKeys lists the registered keys.
func FeatureKeys() []string {
	out := make([]string, len(FeatureRegistry))
	for i, d := range FeatureRegistry {
		out[i] = d.Key
	}
	return out
}

// normalize returns v in its canonical stored form for d, or ok=false.
func (d FeatureDef) normalize(v any) (any, bool) {
	switch d.Type {
	case TypeInteger:
		n, ok := asInt(v)
		return n, ok
	case TypeAllowance:
		if s, isStr := v.(string); isStr {
			switch strings.ToLower(strings.TrimSpace(s)) {
			case "unlimited":
				return "unlimited", true
			case "none":
				return "none", true
			}
		}
		n, ok := asInt(v)
		return n, ok
	case TypeBoolean:
		b, ok := v.(bool)
		return b, ok
	}
	return nil, false
}

func (d FeatureDef) expect() string {
	switch d.Type {
	case TypeInteger:
		return "must be a non-negative integer"
	case TypeAllowance:
		return "must be \"unlimited\", \"none\" or a non-negative integer"
	default:
		return "must be true or false"
	}
}

// Normalize validates f against the registry and returns it in canonical form
// (integers as int64, allowances lower-cased). Errors name the offending key as
// prefix+key; unknown keys are refused. required says whether the registry's
// required features must be present (plans: yes [CG]; subscription overrides: no).
func (f Features) Normalize(prefix string, required bool) (Features, map[string][]string) {
	fe := errs.Fields{}
	out := Features{}
	for k, v := range f {
		d, ok := LookupFeature(k)
		if !ok {
			fe.Add(prefix+k, "is not a known feature (known: %s)", strings.Join(FeatureKeys(), ", "))
			continue
		}
		n, ok := d.normalize(v)
		if !ok {
			fe.Add(prefix+k, "%s", d.expect())
			continue
		}
		out[k] = n
	}
	if required {
		for _, d := range FeatureRegistry {
			if _, present := f[d.Key]; d.Required && !present {
				fe.Add(prefix+d.Key, "is required")
			}
		}
	}
	return out, fe
}

// Validate checks feature values (see Normalize).
func (f Features) Validate(prefix string, required bool) map[string][]string {
	_, fe := f.Normalize(prefix, required)
	return fe
}

// value is the feature's value in force: f's, else the registry default.
func (f Features) value(key string) any {
	d, _ := LookupFeature(key)
	if v, ok := f[key]; ok {
		if n, ok := d.normalize(v); ok {
			return n
		}
	}
	return d.Default
}

// Limit returns an integer or allowance feature in force: unlimited, or a
// count ("none" is 0).
func (f Features) Limit(key string) (limit int64, unlimited bool) {
	switch v := f.value(key).(type) {
	case string:
		return 0, v == "unlimited"
	case nil:
		return 0, true
	default:
		n, _ := asInt(v)
		return n, false
	}
}

// Bool returns a boolean feature in force.
func (f Features) Bool(key string) bool {
	b, _ := f.value(key).(bool)
	return b
}

// FormatLimit renders a limit for messages.
func FormatLimit(limit int64, unlimited bool) string {
	if unlimited {
		return "unlimited"
	}
	return fmt.Sprint(limit)
}
