package api

import (
	"time"

	"github.com/perimeterhq/perimeter/internal/scanconfig"
)

// TargetView is a target as the API shows it.
type TargetView struct {
	ID           string    `json:"id"`
	Name         string    `json:"name"`
	Description  string    `json:"description"`
	Hosts        string    `json:"hosts" doc:"normalized: addresses, ranges and CIDRs merged, hostnames lower-case"`
	ExcludeHosts string    `json:"exclude_hosts"`
	HostCount    uint64    `json:"host_count" doc:"addresses after exclusions, plus hostnames (resolved at scan time)"`
	PortListID   *string   `json:"port_list_id" doc:"null: the scan profile's port list"`
	Product      string    `json:"product" enum:"pci,vrms,penetration"`
	Tags         []string  `json:"tags"`
	CreatedAt    time.Time `json:"created_at"`
	UpdatedAt    time.Time `json:"updated_at"`
}

func targetView(t scanconfig.Target) TargetView {
	v := TargetView{ID: t.ID, Name: t.Name, Description: t.Description, Hosts: t.Hosts, ExcludeHosts: t.ExcludeHosts,
		HostCount: t.HostCount, Product: t.Product, Tags: t.Tags, CreatedAt: t.CreatedAt, UpdatedAt: t.UpdatedAt}
	if t.PortListID != "" {
		id := t.PortListID
		v.PortListID = &id
	}
	if v.Tags == nil {
		v.Tags = []string{}
	}
	return v
}

type targetList struct {
	Targets    []TargetView `json:"targets"`
	Pagination Pagination   `json:"pagination"`
}

// TargetDetail is a single target as show, create and update return it.
type TargetDetail struct {
	TargetView
	ExcludedHosts []string `json:"excluded_hosts" doc:"the entries of hosts that the platform's scan exclusions cover (e.g. link-local 169.254.0.0/16): kept, but never scanned"`
}

type targetEnvelope struct {
	Target TargetDetail `json:"target"`
}

func (a *API) targetDetail(t scanconfig.Target) TargetDetail {
	return TargetDetail{TargetView: targetView(t), ExcludedHosts: a.app.PlatformExcluded(t)}
}

type targetRequest struct {
	Name         *string   `json:"name,omitempty"`
	Hosts        *string   `json:"hosts,omitempty" doc:"IPv4/IPv6 addresses, CIDRs, ranges (10.0.0.1-10.0.0.20, 10.0.0.1-20), hostnames; separated by commas, spaces or newlines"`
	ExcludeHosts *string   `json:"exclude_hosts,omitempty"`
	PortListID   *string   `json:"port_list_id,omitempty"`
	Product      *string   `json:"product,omitempty" enum:"pci,vrms,penetration" doc:"defaults to the user's product, else pci"`
	Description  *string   `json:"description,omitempty"`
	Tags         *[]string `json:"tags,omitempty"`
}

func (r targetRequest) update() scanconfig.TargetUpdate {
	return scanconfig.TargetUpdate{Name: r.Name, Hosts: r.Hosts, ExcludeHosts: r.ExcludeHosts, PortListID: r.PortListID,
		Product: r.Product, Description: r.Description, Tags: r.Tags}
}

func (a *API) listTargets(c *Ctx, _ *NoBody) (*targetList, error) {
	ts, total, err := a.app.ListTargets(c.Context(), c.Actor, c.List)
	if err != nil {
		return nil, err
	}
	return &targetList{Targets: views(ts, targetView), Pagination: pagination(c.List, total)}, nil
}

func (a *API) createTarget(c *Ctx, in *targetRequest) (*targetEnvelope, error) {
	t, err := a.app.CreateTarget(c.Context(), c.Actor, in.update().Apply(scanconfig.Target{}))
	if err != nil {
		return nil, err
	}
	return &targetEnvelope{a.targetDetail(t)}, nil
}

func (a *API) getTarget(c *Ctx, _ *NoBody) (*targetEnvelope, error) {
	t, err := a.app.GetTarget(c.Context(), c.Actor, c.Path("id"))
	if err != nil {
		return nil, err
	}
	return &targetEnvelope{a.targetDetail(t)}, nil
}

func (a *API) updateTarget(c *Ctx, in *targetRequest) (*targetEnvelope, error) {
	t, err := a.app.UpdateTarget(c.Context(), c.Actor, c.Path("id"), in.update())
	if err != nil {
		return nil, err
	}
	return &targetEnvelope{a.targetDetail(t)}, nil
}

func (a *API) deleteTarget(c *Ctx, _ *NoBody) (*Empty, error) {
	return nil, a.app.DeleteTarget(c.Context(), c.Actor, c.Path("id"))
}

func (a *API) deleteTargets(c *Ctx, in *BulkDeleteRequest) (*BulkDeleteResponse, error) {
	n, err := a.app.DeleteTargets(c.Context(), c.Actor, in.IDs)
	if err != nil {
		return nil, err
	}
	return &BulkDeleteResponse{Deleted: n}, nil
}

type calculateHostsRequest struct {
	Hosts        string `json:"hosts"`
	ExcludeHosts string `json:"exclude_hosts,omitempty"`
}

// InvalidEntry is one host-list entry that did not parse.
type InvalidEntry struct {
	Field   string `json:"field" enum:"hosts,exclude_hosts"`
	Entry   string `json:"entry"`
	Message string `json:"message"`
}

type calculateHostsResponse struct {
	Count   uint64         `json:"count" doc:"addresses after exclusions, plus hostnames; invalid entries are not counted"`
	Hosts   []string       `json:"hosts" doc:"the first 1000"`
	Invalid []InvalidEntry `json:"invalid"`
}

func (a *API) calculateHosts(c *Ctx, in *calculateHostsRequest) (*calculateHostsResponse, error) {
	p, err := a.app.CalculateHosts(c.Context(), c.Actor, in.Hosts, in.ExcludeHosts)
	if err != nil {
		return nil, err
	}
	out := &calculateHostsResponse{Count: p.Count, Hosts: p.Hosts, Invalid: []InvalidEntry{}}
	if out.Hosts == nil {
		out.Hosts = []string{}
	}
	for _, pr := range p.Invalid {
		out.Invalid = append(out.Invalid, InvalidEntry{Field: pr.Field, Entry: pr.Entry, Message: pr.Message})
	}
	return out, nil
}
