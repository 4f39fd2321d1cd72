package app

import (
	"context"
	"strings"

	"github.com/perimeterhq/perimeter/internal/audit"
	"github.com/perimeterhq/perimeter/internal/errs"
	"github.com/perimeterhq/perimeter/internal/hostspec"
	"github.com/perimeterhq/perimeter/internal/listing"
	"github.com/perimeterhq/perimeter/internal/scanconfig"
	"github.com/perimeterhq/perimeter/internal/store"
	"github.com/perimeterhq/perimeter/internal/tenant"
)

// CreateTarget validates and stores a target of the caller's organization,
// within the plan's max_ips (distinct IPs across the organization's targets of
// the product).
func (a *App) CreateTarget(ctx context.Context, act *Actor, t scanconfig.Target) (scanconfig.Target, error) {
	if err := act.can("targets", "write"); err != nil {
		return t, err
	}
	now := a.now()
	t.ID, t.OrganizationID, t.CreatedBy, t.CreatedAt, t.UpdatedAt = newID(), act.Org.ID, act.User.ID, now, now
	if t.Product == "" {
		t.Product = defaultProduct(act)
	}
	err := a.store.Tx(ctx, func(q *store.Q) error {
		if err := a.saveTarget(ctx, q, act, &t, true); err != nil {
			return err
		}
		return a.record(ctx, q, act, "", "target.create", "target", t.ID,
			map[string]any{"name": t.Name, "hosts": t.Hosts, "exclude_hosts": t.ExcludeHosts, "host_count": t.HostCount})
	})
	return t, err
}

// defaultProduct is the product new resources belong to when none is given:
// the user's current product, else PCI.
func defaultProduct(act *Actor) string {
	if act.User.Product != "" {
		return act.User.Product
	}
	return tenant.ProductPCI
}

// saveTarget validates t, checks its port list and the plan limit, and writes it.
func (a *App) saveTarget(ctx context.Context, q *store.Q, act *Actor, t *scanconfig.Target, create bool) error {
	set, err := t.Validate()
	if err != nil {
		return err
	}
	if t.PortListID != "" {
		usable, err := q.PortListUsable(ctx, t.OrganizationID, t.PortListID)
		if err != nil {
			return err
		}
		if !usable {
			return errs.Field("port_list_id", "port list '%s' not found or not active", t.PortListID)
		}
	}
	if err := a.checkMaxIPs(ctx, q, t, set); err != nil {
		return err
	}
	if create {
		return q.CreateTarget(ctx, *t)
	}
	return q.UpdateTarget(ctx, *t)
}

// GetTarget returns a target of the caller's organization.
func (a *App) GetTarget(ctx context.Context, act *Actor, id string) (scanconfig.Target, error) {
	if err := act.can("targets", "read"); err != nil {
		return scanconfig.Target{}, err
	}
	return a.store.R().FindTarget(ctx, act.Org.ID, id)
}

// ListTargets lists the caller's organization's targets.
func (a *App) ListTargets(ctx context.Context, act *Actor, p listing.Params) ([]scanconfig.Target, int, error) {
	if err := act.can("targets", "read"); err != nil {
		return nil, 0, err
	}
	return a.store.R().FindTargets(ctx, act.Org.ID, p)
}

// UpdateTarget changes a target; host changes are checked against the plan again.
func (a *App) UpdateTarget(ctx context.Context, act *Actor, id string, up scanconfig.TargetUpdate) (scanconfig.Target, error) {
	if err := act.can("targets", "write"); err != nil {
		return scanconfig.Target{}, err
	}
	var t scanconfig.Target
	err := a.store.Tx(ctx, func(q *store.Q) error {
		old, err := q.FindTarget(ctx, act.Org.ID, id)
		if err != nil {
			return err
		}
		t = up.Apply(old)
		t.UpdatedAt = a.now()
		if err := a.saveTarget(ctx, q, act, &t, false); err != nil {
			return err
		}
		d := audit.Diff{}
		for _, c := range [][3]string{{"name", old.Name, t.Name}, {"description", old.Description, t.Description},
			{"hosts", old.Hosts, t.Hosts}, {"exclude_hosts", old.ExcludeHosts, t.ExcludeHosts},
			{"port_list_id", old.PortListID, t.PortListID}, {"product", old.Product, t.Product},
			{"tags", strings.Join(old.Tags, ","), strings.Join(t.Tags, ",")}} {
			d.Set(c[0], c[1], c[2])
		}
		return a.record(ctx, q, act, "", "target.update", "target", t.ID, d)
	})
	return t, err
}

// DeleteTargets deletes targets of the caller's organization, all or nothing.
func (a *App) DeleteTargets(ctx context.Context, act *Actor, ids []string) (int, error) {
	if err := act.can("targets", "write"); err != nil {
		return 0, err
	}
	var n int
	err := a.store.Tx(ctx, func(q *store.Q) error {
		for _, id := range ids {
			active, err := q.CountScansUsing(ctx, act.Org.ID, "target_id", id, true)
			if err != nil {
				return err
			}
			if active > 0 {
				return errs.New(errs.Conflict, "Target %s is being scanned; stop the scan first", id)
			}
			// Scans keep their target: deleting it would orphan their history.
			used, err := q.CountScansUsing(ctx, act.Org.ID, "target_id", id, false)
			if err != nil {
				return err
			}
			if used > 0 {
				return errs.New(errs.Conflict, "Target %s is used by %d scan(s); delete those scans first", id, used)
			}
		}
		var err error
		if n, err = q.DeleteOwned(ctx, "targets", act.Org.ID, ids); err != nil {
			return err
		}
		for _, id := range ids {
			if err := a.record(ctx, q, act, "", "target.delete", "target", id, nil); err != nil {
				return err
			}
		}
		return nil
	})
	return n, err
}

// DeleteTarget deletes one target (404 when it is not the caller's).
func (a *App) DeleteTarget(ctx context.Context, act *Actor, id string) error {
	if _, err := a.GetTarget(ctx, act, id); err != nil {
		return err
	}
	_, err := a.DeleteTargets(ctx, act, []string{id})
	return err
}

// HostPreview is the answer of calculate_hosts.
type HostPreview struct {
	Count   uint64
	Hosts   []string // the first PreviewLimit entries
	Invalid []hostspec.Problem
}

// PreviewLimit is how many hosts calculate_hosts lists.
const PreviewLimit = 1000

// CalculateHosts counts and previews a host list without saving anything.
// Invalid entries are reported beside the count of the valid ones.
func (a *App) CalculateHosts(ctx context.Context, act *Actor, hosts, exclude string) (HostPreview, error) {
	if err := act.can("targets", "read"); err != nil {
		return HostPreview{}, err
	}
	var res HostPreview
	set, perr := hostspec.ParseValid(hosts, exclude)
	if perr != nil {
		res.Invalid = perr.Problems
	}
	if set == nil {
		return res, nil
	}
	var err error
	if res.Count, err = set.Count(); err != nil {
		return res, errs.Field("hosts", "%s", err.Error())
	}
	res.Hosts = set.Preview(PreviewLimit)
	return res, nil
}

// PlatformExcluded returns the parts of a target that the platform's scan
// exclusions (Config.ScanExclude) cover: saved and counted like the rest, but
// never scanned. The API shows them so that the user knows. An empty list
// when nothing is excluded.
func (a *App) PlatformExcluded(t scanconfig.Target) []string {
	out := []string{}
	if strings.TrimSpace(a.cfg.ScanExclude) == "" {
		return out
	}
	platform, err := hostspec.ParseExclude(a.cfg.ScanExclude)
	if err != nil {
		return out // validated at start-up
	}
	set, err := hostspec.Parse(t.Hosts, t.ExcludeHosts)
	if err != nil {
		return out
	}
	return append(out, set.ExcludedBy(platform)...)
}
