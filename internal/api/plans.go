package api

import (
	"time"

	"github.com/perimeterhq/perimeter/internal/app"

	"github.com/perimeterhq/perimeter/internal/tenant"
)

// PlanView is a plan as the API shows it.
type PlanView struct {
	ID          string          `json:"id"`
	Product     string          `json:"product" enum:"pci,vrms,penetration"`
	Name        string          `json:"name"`
	Description string          `json:"description"`
	Features    tenant.Features `json:"features" doc:"feature values the plan sets (see GET /v2/products for the registry)"`
	IsDefault   bool            `json:"is_default" doc:"applied to new organizations unless skip_default_subscription [CG]"`
	CreatedAt   time.Time       `json:"created_at"`
	UpdatedAt   time.Time       `json:"updated_at"`
}

func planView(p tenant.Plan) PlanView {
	f := p.Features
	if f == nil {
		f = tenant.Features{}
	}
	return PlanView{ID: p.ID, Product: p.Product, Name: p.Name, Description: p.Description, Features: f,
		IsDefault: p.IsDefault, CreatedAt: p.CreatedAt, UpdatedAt: p.UpdatedAt}
}

type planList struct {
	Plans      []PlanView `json:"plans"`
	Pagination Pagination `json:"pagination"`
}

type planEnvelope struct {
	Plan PlanView `json:"plan"`
}

// planDoc is the permission rule of plan operations, for the OpenAPI document.
const planDoc = "Plans are platform-wide. The superadmin creates, updates and deletes them (others: 403); administrators read " +
	"the catalogue (partners pick plans for their customers); users and read-only users read their own organization's plans " +
	"through GET /v2/user/plans. Features are validated against the feature registry (GET /v2/products lists it): unknown " +
	"keys and wrong value types are 422 naming features.<key>; max_ips is required [CG]."

func (a *API) listPlans(c *Ctx, _ *NoBody) (*planList, error) {
	ps, total, err := a.app.ListPlans(c.Context(), c.Actor, c.List)
	if err != nil {
		return nil, err
	}
	return &planList{Plans: views(ps, planView), Pagination: pagination(c.List, total)}, nil
}

func (a *API) getPlan(c *Ctx, _ *NoBody) (*planEnvelope, error) {
	p, err := a.app.GetPlan(c.Context(), c.Actor, c.Path("id"))
	if err != nil {
		return nil, err
	}
	return &planEnvelope{planView(p)}, nil
}

type createPlanRequest struct {
	Product     string          `json:"product" enum:"pci,vrms,penetration"`
	Name        string          `json:"name"`
	Description string          `json:"description,omitempty"`
	Features    tenant.Features `json:"features" doc:"{key: value}; max_ips required [CG]"`
	IsDefault   bool            `json:"is_default,omitempty" doc:"true replaces the product's current default plan"`
}

func (a *API) createPlan(c *Ctx, in *createPlanRequest) (*planEnvelope, error) {
	p, err := a.app.CreatePlan(c.Context(), c.Actor, tenant.Plan{Product: in.Product, Name: in.Name,
		Description: in.Description, Features: in.Features, IsDefault: in.IsDefault})
	if err != nil {
		return nil, err
	}
	return &planEnvelope{planView(p)}, nil
}

type updatePlanRequest struct {
	Name        *string         `json:"name,omitempty"`
	Description *string         `json:"description,omitempty"`
	Features    tenant.Features `json:"features,omitempty" doc:"replaces the plan's features as a whole (max_ips required)"`
	IsDefault   *bool           `json:"is_default,omitempty" doc:"true makes it the product's default; a default cannot be unset (make another plan the default)"`
}

func (a *API) updatePlan(c *Ctx, in *updatePlanRequest) (*planEnvelope, error) {
	p, err := a.app.UpdatePlan(c.Context(), c.Actor, c.Path("id"), tenant.PlanUpdate{Name: in.Name,
		Description: in.Description, Features: in.Features, IsDefault: in.IsDefault})
	if err != nil {
		return nil, err
	}
	return &planEnvelope{planView(p)}, nil
}

func (a *API) deletePlan(c *Ctx, _ *NoBody) (*Empty, error) {
	return nil, a.app.DeletePlan(c.Context(), c.Actor, c.Path("id"))
}

// FeatureView is an entry of the feature registry.
type FeatureView struct {
	Key         string `json:"key"`
	Type        string `json:"type" enum:"integer,allowance,boolean" doc:"allowance: \"unlimited\", \"none\" or a non-negative integer"`
	Description string `json:"description"`
	Default     any    `json:"default"`
	Required    bool   `json:"required"`
}

// ProductView is a product of the catalogue.
type ProductView struct {
	ID          string `json:"id" enum:"pci,vrms,penetration"`
	Name        string `json:"name"`
	Description string `json:"description"`
}

type productList struct {
	Products []ProductView `json:"products"`
	Features []FeatureView `json:"features" doc:"the feature registry every plan is validated against"`
}

func (a *API) listProducts(c *Ctx, _ *NoBody) (*productList, error) {
	ps, err := a.app.ListProducts(c.Context())
	if err != nil {
		return nil, err
	}
	return &productList{Products: productViews(ps), Features: featureViews()}, nil
}

func productViews(ps []app.Product) []ProductView {
	out := make([]ProductView, len(ps))
	for i, p := range ps {
		out[i] = ProductView{ID: p.ID, Name: p.Name, Description: p.Description}
	}
	return out
}

func featureViews() []FeatureView {
	out := make([]FeatureView, len(tenant.FeatureRegistry))
	for i, d := range tenant.FeatureRegistry {
		out[i] = FeatureView{Key: d.Key, Type: string(d.Type), Description: d.Description, Default: d.Default, Required: d.Required}
	}
	return out
}
