package api

import (
	"time"

	"github.com/perimeterhq/perimeter/internal/app"
	"github.com/perimeterhq/perimeter/internal/tenant"
)

type organizationList struct {
	Organizations []OrganizationView `json:"organizations"`
	Pagination    Pagination         `json:"pagination"`
}

type organizationEnvelope struct {
	Organization OrganizationView `json:"organization"`
}

func orgDetail(v app.OrganizationView) *organizationEnvelope {
	o := orgView(v.Organization)
	o.Subscriptions = views(v.Subscriptions, subscriptionView)
	return &organizationEnvelope{o}
}

func (a *API) listOrganizations(c *Ctx, _ *NoBody) (*organizationList, error) {
	os, total, err := a.app.ListOrganizations(c.Context(), c.Actor, c.List)
	if err != nil {
		return nil, err
	}
	return &organizationList{Organizations: views(os, orgView), Pagination: pagination(c.List, total)}, nil
}

type planRequest struct {
	Plan      string     `json:"plan" doc:"plan id or name"`
	Interval  string     `json:"interval,omitempty" enum:"none,monthly,yearly"`
	StartDate *time.Time `json:"start_date,omitempty"`
	EndDate   *time.Time `json:"end_date,omitempty"`
}

type organizationFields struct {
	Name        *string `json:"name,omitempty"`
	Description *string `json:"description,omitempty"`
	Email       *string `json:"email,omitempty"`
	Phone       *string `json:"phone,omitempty"`
	Website     *string `json:"website,omitempty"`
	Address     *string `json:"address,omitempty"`
	City        *string `json:"city,omitempty"`
	State       *string `json:"state,omitempty"`
	Zip         *string `json:"zip,omitempty"`
	Country     *string `json:"country,omitempty"`
}

func (f organizationFields) update() tenant.OrganizationUpdate {
	return tenant.OrganizationUpdate{Name: f.Name, Description: f.Description, Email: f.Email, Phone: f.Phone,
		Website: f.Website, Address: f.Address, City: f.City, State: f.State, Zip: f.Zip, Country: f.Country}
}

type createOrganizationRequest struct {
	organizationFields
	Type                    string        `json:"type,omitempty" enum:"partner,customer" doc:"defaults to customer"`
	ParentID                string        `json:"parent_id,omitempty" doc:"defaults to the caller's organization"`
	SkipDefaultSubscription bool          `json:"skip_default_subscription,omitempty" doc:"[CG] with true, plans is required"`
	Plans                   []planRequest `json:"plans,omitempty" doc:"[CG] first plan per product wins"`
}

func (a *API) createOrganization(c *Ctx, in *createOrganizationRequest) (*organizationEnvelope, error) {
	o := in.organizationFields.update().Apply(tenant.Organization{})
	o.Kind, o.ParentID = in.Type, in.ParentID
	plans := make([]app.PlanRequest, len(in.Plans))
	for i, p := range in.Plans {
		plans[i] = app.PlanRequest{Plan: p.Plan, Interval: p.Interval, StartDate: p.StartDate, EndDate: p.EndDate}
	}
	v, err := a.app.CreateOrganization(c.Context(), c.Actor, app.NewOrganization{Org: o,
		SkipDefaultSubscription: in.SkipDefaultSubscription, Plans: plans})
	if err != nil {
		return nil, err
	}
	return orgDetail(v), nil
}

func (a *API) getOrganization(c *Ctx, _ *NoBody) (*organizationEnvelope, error) {
	v, err := a.app.GetOrganization(c.Context(), c.Actor, c.Path("id"))
	if err != nil {
		return nil, err
	}
	return orgDetail(v), nil
}

type updateOrganizationRequest struct {
	organizationFields
	Status *string `json:"status,omitempty" enum:"active,suspended" doc:"only an ancestor organization's admin may change it"`
}

func (a *API) updateOrganization(c *Ctx, in *updateOrganizationRequest) (*organizationEnvelope, error) {
	up := in.organizationFields.update()
	up.Status = in.Status
	v, err := a.app.UpdateOrganization(c.Context(), c.Actor, c.Path("id"), up)
	if err != nil {
		return nil, err
	}
	return orgDetail(v), nil
}

func (a *API) deleteOrganization(c *Ctx, _ *NoBody) (*Empty, error) {
	return nil, a.app.DeleteOrganization(c.Context(), c.Actor, c.Path("id"))
}
