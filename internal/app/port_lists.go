package app

import (
	"context"
	"slices"
	"strings"

	"github.com/perimeterhq/perimeter/internal/audit"
	"github.com/perimeterhq/perimeter/internal/errs"
	"github.com/perimeterhq/perimeter/internal/listing"
	"github.com/perimeterhq/perimeter/internal/portspec"
	"github.com/perimeterhq/perimeter/internal/scanconfig"
	"github.com/perimeterhq/perimeter/internal/store"
)

// Port lists (API.md §2.14) belong to the caller's current organization; the
// built-in lists are shared by every organization and read-only.

// ListPortLists lists the organization's port lists and the built-ins;
// activeOnly keeps the active ones (GET /v2/port_lists/activated).
func (a *App) ListPortLists(ctx context.Context, act *Actor, p listing.Params, activeOnly bool) ([]scanconfig.PortList, int, error) {
	if err := act.can("port_lists", "read"); err != nil {
		return nil, 0, err
	}
	return a.store.R().FindPortLists(ctx, act.Org.ID, p, activeOnly)
}

// GetPortList returns one of the organization's lists or a built-in; another
// organization's list is not found.
func (a *App) GetPortList(ctx context.Context, act *Actor, id string) (scanconfig.PortList, error) {
	if err := act.can("port_lists", "read"); err != nil {
		return scanconfig.PortList{}, err
	}
	return a.store.R().FindPortList(ctx, act.Org.ID, id)
}

// CreatePortList adds a port list to the caller's organization: active,
// usable by every scanner type unless AppTypes narrows it. Its ranges are
// normalized (overlaps merged). It returns a 422 naming each bad field and
// value, also when the organization already has a list of that name.
func (a *App) CreatePortList(ctx context.Context, act *Actor, in scanconfig.PortListInput) (scanconfig.PortList, error) {
	if err := act.can("port_lists", "write"); err != nil {
		return scanconfig.PortList{}, err
	}
	p, err := in.Apply(scanconfig.PortList{}, newID)
	if err != nil {
		return p, err
	}
	now := a.now()
	p.ID, p.OrganizationID, p.Active, p.CreatedAt, p.UpdatedAt = newID(), act.Org.ID, true, now, now
	err = a.store.Tx(ctx, func(q *store.Q) error {
		if err := q.CreatePortList(ctx, p); err != nil {
			return portListNameTaken(err, p.Name)
		}
		return a.record(ctx, q, act, "", "port_list.create", "port_list", p.ID, map[string]any{
			"name": p.Name, "ports": p.Ports().String(), "app_type": p.AppTypes})
	})
	return p, err
}

func portListNameTaken(err error, name string) error {
	if _, ok := err.(*store.ErrDuplicate); ok {
		return errs.Field("name", "'%s' has already been taken by another port list", name)
	}
	return err
}

// errBuiltinPortList is the answer to any change of a built-in list.
func errBuiltinPortList(p scanconfig.PortList) error {
	return errs.New(errs.Forbidden, "The built-in port list '%s' is read-only; create a port list of your own to change its ports", p.Name)
}

// changePortList runs fn on one of the organization's own lists inside a
// transaction and saves the result with an audit event: a built-in is a 403,
// another organization's list a 404. fn returns the audited changes and
// whether the ranges changed.
func (a *App) changePortList(ctx context.Context, act *Actor, id, action string,
	fn func(p *scanconfig.PortList) (changes map[string]any, rangesChanged bool, err error)) (scanconfig.PortList, error) {
	if err := act.can("port_lists", "write"); err != nil {
		return scanconfig.PortList{}, err
	}
	var out scanconfig.PortList
	err := a.store.Tx(ctx, func(q *store.Q) error {
		p, err := q.FindPortList(ctx, act.Org.ID, id)
		if err != nil {
			return err
		}
		if p.Builtin() {
			return errBuiltinPortList(p)
		}
		changes, rangesChanged, err := fn(&p)
		if err != nil {
			return err
		}
		p.UpdatedAt = a.now()
		if err := q.UpdatePortList(ctx, act.Org.ID, p, rangesChanged); err != nil {
			return portListNameTaken(err, p.Name)
		}
		out = p
		return a.record(ctx, q, act, "", action, "port_list", p.ID, changes)
	})
	return out, err
}

// portsDiff records a change of ports in the audit trail.
func portsDiff(d audit.Diff, old, new portspec.List) {
	d.Set("ports", old.String(), new.String())
}

// UpdatePortList changes the name, description, app types or ports of one of
// the organization's lists. New ports replace the old ones; ranges that come
// out unchanged keep their ids. Built-ins are a 403; validation errors a 422.
func (a *App) UpdatePortList(ctx context.Context, act *Actor, id string, in scanconfig.PortListInput) (scanconfig.PortList, error) {
	return a.changePortList(ctx, act, id, "port_list.update", func(p *scanconfig.PortList) (map[string]any, bool, error) {
		old := *p
		np, err := in.Apply(old, newID)
		if err != nil {
			return nil, false, err
		}
		*p = np
		d := audit.Diff{}
		d.Set("name", old.Name, p.Name)
		d.Set("description", old.Description, p.Description)
		d.Set("app_type", strings.Join(old.AppTypes, ","), strings.Join(p.AppTypes, ","))
		portsDiff(d, old.Ports(), p.Ports())
		return d, in.Ports != nil, nil
	})
}

// AddPortRanges adds ports to one of the organization's lists; overlapping
// and adjacent ranges merge with them (the merged range gets a new id). It
// returns the list and the ranges that now hold the added ports.
func (a *App) AddPortRanges(ctx context.Context, act *Actor, id string, in scanconfig.PortsInput) (scanconfig.PortList, []scanconfig.PortRange, error) {
	f := errs.Fields{}
	add := in.List(f)
	if err := f.Err(); err != nil {
		return scanconfig.PortList{}, nil, err
	}
	p, err := a.changePortList(ctx, act, id, "port_list.add_range", func(p *scanconfig.PortList) (map[string]any, bool, error) {
		old := p.Ports()
		merged := old.Union(add)
		if len(merged) > scanconfig.MaxPortRanges {
			return nil, false, errs.Field(in.Field, "the list would have %d ranges; at most %d are allowed", len(merged), scanconfig.MaxPortRanges)
		}
		p.Ranges = scanconfig.AssignRangeIDs(p.Ranges, merged, newID)
		d := audit.Diff{"added": add.String()}
		portsDiff(d, old, merged)
		return d, true, nil
	})
	if err != nil {
		return p, nil, err
	}
	var holding []scanconfig.PortRange
	for _, r := range p.Ranges {
		if slices.ContainsFunc(add, func(x portspec.Range) bool {
			return x.Protocol == r.Protocol && x.Start <= r.End && r.Start <= x.End
		}) {
			holding = append(holding, r)
		}
	}
	return p, holding, nil
}

// DeletePortRange removes one range of one of the organization's lists. The
// last range cannot go (409: delete the list instead); an unknown range id
// is a 404.
func (a *App) DeletePortRange(ctx context.Context, act *Actor, id, rangeID string) (scanconfig.PortList, error) {
	return a.changePortList(ctx, act, id, "port_list.delete_range", func(p *scanconfig.PortList) (map[string]any, bool, error) {
		i := slices.IndexFunc(p.Ranges, func(r scanconfig.PortRange) bool { return r.ID == rangeID })
		if i < 0 {
			return nil, false, errs.NotFoundf("Port range")
		}
		if len(p.Ranges) == 1 {
			return nil, false, errs.New(errs.Conflict, "This is the last range of port list '%s'; a port list needs at least one range (delete the list instead)", p.Name)
		}
		old := p.Ports()
		removed := p.Ranges[i]
		p.Ranges = slices.Delete(slices.Clone(p.Ranges), i, i+1)
		// The ranges left are already normalized; renormalizing is a no-op
		// that keeps every remaining id.
		p.Ranges = scanconfig.AssignRangeIDs(p.Ranges, p.Ports(), newID)
		d := audit.Diff{"removed": portspec.List{removed.Range}.String(), "range_id": removed.ID}
		portsDiff(d, old, p.Ports())
		return d, true, nil
	})
}

// SetPortListActive activates or deactivates one of the organization's lists
// (built-ins are always active: 403).
func (a *App) SetPortListActive(ctx context.Context, act *Actor, id string, active bool) (scanconfig.PortList, error) {
	action := "port_list.deactivate"
	if active {
		action = "port_list.activate"
	}
	return a.changePortList(ctx, act, id, action, func(p *scanconfig.PortList) (map[string]any, bool, error) {
		d := audit.Diff{}
		d.Set("active", p.Active, active)
		p.Active = active
		return d, false, nil
	})
}

// SetPortListAppTypes sets which scanner types may use one of the
// organization's lists (builtin, agent, nmap, openvas); unknown types are a
// 422 naming them.
func (a *App) SetPortListAppTypes(ctx context.Context, act *Actor, id string, types []string) (scanconfig.PortList, error) {
	f := errs.Fields{}
	norm := scanconfig.NormalizeAppTypes("app_type", types, f)
	if err := f.Err(); err != nil {
		return scanconfig.PortList{}, err
	}
	return a.changePortList(ctx, act, id, "port_list.app_type", func(p *scanconfig.PortList) (map[string]any, bool, error) {
		d := audit.Diff{}
		d.Set("app_type", strings.Join(p.AppTypes, ","), strings.Join(norm, ","))
		p.AppTypes = norm
		return d, false, nil
	})
}

// DeletePortList removes one of the organization's lists: a built-in is a
// 403, a list that targets scan with a 409.
func (a *App) DeletePortList(ctx context.Context, act *Actor, id string) error {
	if err := act.can("port_lists", "write"); err != nil {
		return err
	}
	return a.store.Tx(ctx, func(q *store.Q) error {
		p, err := q.FindPortList(ctx, act.Org.ID, id)
		if err != nil {
			return err
		}
		if p.Builtin() {
			return errBuiltinPortList(p)
		}
		n, err := q.CountTargetsUsingPortList(ctx, p.ID)
		if err != nil {
			return err
		}
		if n > 0 {
			return errs.New(errs.Conflict, "Port list '%s' is used by %d target(s); change their port list first", p.Name, n)
		}
		if err := q.DeletePortList(ctx, act.Org.ID, p.ID); err != nil {
			return err
		}
		return a.record(ctx, q, act, "", "port_list.delete", "port_list", p.ID, map[string]any{"name": p.Name, "ports": p.Ports().String()})
	})
}
