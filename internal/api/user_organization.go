package api

import (
	"encoding/csv"
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/perimeterhq/perimeter/internal/errs"
	"github.com/perimeterhq/perimeter/internal/report"
	"github.com/perimeterhq/perimeter/internal/tenant"
)

// ActivePlanView is a plan of the caller's organization with the features in
// force for it.
type ActivePlanView struct {
	PlanView
	SubscriptionID    string          `json:"subscription_id"`
	Interval          string          `json:"interval" enum:"none,monthly,yearly"`
	StartDate         time.Time       `json:"start_date"`
	EndDate           *time.Time      `json:"end_date"`
	EffectiveFeatures tenant.Features `json:"effective_features" doc:"the plan's values, the subscription's overrides, and registry defaults for the rest"`
}

type activePlanList struct {
	Plans []ActivePlanView `json:"plans"`
}

func (a *API) myPlans(c *Ctx, _ *NoBody) (*activePlanList, error) {
	ps, err := a.app.MyPlans(c.Context(), c.Actor)
	if err != nil {
		return nil, err
	}
	out := &activePlanList{Plans: []ActivePlanView{}}
	for _, p := range ps {
		out.Plans = append(out.Plans, ActivePlanView{PlanView: planView(p.Plan), SubscriptionID: p.Subscription.ID,
			Interval: p.Subscription.Interval, StartDate: p.Subscription.StartDate, EndDate: p.Subscription.EndDate,
			EffectiveFeatures: p.Effective})
	}
	return out, nil
}

type myProductList struct {
	Products []ProductView `json:"products"`
}

func (a *API) myProducts(c *Ctx, _ *NoBody) (*myProductList, error) {
	ps, err := a.app.MyProducts(c.Context(), c.Actor)
	if err != nil {
		return nil, err
	}
	return &myProductList{Products: productViews(ps)}, nil
}

func (a *API) mySubscriptions(c *Ctx, _ *NoBody) (*subscriptionList, error) {
	ss, total, err := a.app.MySubscriptions(c.Context(), c.Actor, c.List)
	if err != nil {
		return nil, err
	}
	return subList(ss, c, total), nil
}

type productRequest struct {
	Product string `json:"product" enum:"pci,vrms,penetration" doc:"a product the organization subscribes to"`
}

func (a *API) setMyProduct(c *Ctx, in *productRequest) (*userEnvelope, error) {
	u, err := a.app.SetMyProduct(c.Context(), c.Actor, in.Product)
	if err != nil {
		return nil, err
	}
	return &userEnvelope{userView(u)}, nil
}

func (a *API) myOrganization(c *Ctx, _ *NoBody) (*organizationEnvelope, error) {
	v, err := a.app.GetOrganization(c.Context(), c.Actor, c.Actor.Org.ID)
	if err != nil {
		return nil, err
	}
	return orgDetail(v), nil
}

func (a *API) updateMyOrganization(c *Ctx, in *organizationFields) (*organizationEnvelope, error) {
	v, err := a.app.UpdateOrganization(c.Context(), c.Actor, c.Actor.Org.ID, in.update())
	if err != nil {
		return nil, err
	}
	return orgDetail(v), nil
}

type changeOrganizationRequest struct {
	OrganizationID string `json:"organization_id" doc:"your home organization, or (administrators) one below it"`
}

// changeOrganizationDoc documents how the acting organization works.
const changeOrganizationDoc = "A user belongs to one (home) organization and acts in one organization at a time: every request's " +
	"tenant data, roles and limits apply to the current organization. This switches it, for all the user's sessions and " +
	"their access token, to the home organization or — for administrators — an organization below it (a partner admin " +
	"working in a customer's account). Others are 422 (organization_id not found). The API key used must belong to the " +
	"target organization or an ancestor (tree rule [CG]). If the user later stops being an administrator, or the " +
	"organization leaves their subtree, requests fall back to the home organization."

func (a *API) changeOrganization(c *Ctx, in *changeOrganizationRequest) (*organizationEnvelope, error) {
	o, err := a.app.ChangeOrganization(c.Context(), c.Actor, in.OrganizationID)
	if err != nil {
		return nil, err
	}
	return &organizationEnvelope{orgView(o)}, nil
}

// OrganizationExportColumns are the CSV columns of GET /v2/organizations/export.
var OrganizationExportColumns = []string{"id", "name", "type", "status", "parent_id", "email", "phone", "website",
	"address", "city", "state", "zip", "country", "plans", "created_at", "updated_at"}

const exportDoc = "The organizations the caller manages (their own and every one below it; administrators only), parents " +
	"before children, streamed. CSV (RFC 4180, header row) by default, columns: id, name, type, status, parent_id, email, " +
	"phone, website, address, city, state, zip, country, plans (active subscriptions as product:plan separated by '; '), " +
	"created_at, updated_at (RFC 3339). Cells beginning with = + - @ are prefixed with ' so spreadsheets do not run them. " +
	"JSON ({\"organizations\": [...]}, each with its active subscriptions) with ?format=json or Accept: application/json."

var exportQuery = []Param{{Name: "format", Doc: "csv (default) or json"}}

func organizationsExportContent() map[string]any {
	return map[string]any{
		"text/csv":         map[string]any{"type": "string", "description": "columns: " + strings.Join(OrganizationExportColumns, ", ")},
		"application/json": map[string]any{"type": "object", "properties": map[string]any{"organizations": map[string]any{"type": "array", "items": map[string]any{"type": "object"}}}},
	}
}

func (a *API) exportOrganizations(c *Ctx, _ *NoBody) (*handlerOut, error) {
	format := strings.ToLower(c.Query("format"))
	if format == "" {
		format = "csv"
		if strings.Contains(c.R.Header.Get("Accept"), "application/json") {
			format = "json"
		}
	}
	if format != "csv" && format != "json" {
		return nil, errs.New(errs.Malformed, "Unknown format '%s': use csv or json", format)
	}
	return &handlerOut{http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		started := false
		var cw *csv.Writer
		var enc *json.Encoder
		start := func() {
			started = true
			if format == "json" {
				w.Header().Set("Content-Type", "application/json")
				_, _ = w.Write([]byte(`{"organizations":[`))
				enc = json.NewEncoder(w)
				return
			}
			w.Header().Set("Content-Type", "text/csv; charset=utf-8")
			w.Header().Set("Content-Disposition", `attachment; filename="organizations.csv"`)
			cw = csv.NewWriter(w)
			_ = cw.Write(OrganizationExportColumns)
		}
		n := 0
		err := a.app.ExportOrganizations(c.Context(), c.Actor, func(o tenant.Organization, subs []tenant.Subscription) error {
			if !started {
				start()
			}
			defer func() { n++ }()
			if format == "json" {
				v := orgView(o)
				v.Subscriptions = views(subs, subscriptionView)
				if n > 0 {
					_, _ = w.Write([]byte(","))
				}
				return enc.Encode(v)
			}
			plans := make([]string, len(subs))
			for i, s := range subs {
				plans[i] = s.Product + ":" + s.PlanName
			}
			row := []string{o.ID, o.Name, o.Kind, o.Status, o.ParentID, o.Email, o.Phone, o.Website, o.Address, o.City,
				o.State, o.Zip, o.Country, strings.Join(plans, "; "), o.CreatedAt.UTC().Format(time.RFC3339),
				o.UpdatedAt.UTC().Format(time.RFC3339)}
			for i := range row {
				row[i] = report.FormulaSafe(row[i])
			}
			if err := cw.Write(row); err != nil {
				return err
			}
			if n%100 == 99 {
				cw.Flush()
			}
			return cw.Error()
		})
		if err != nil && !started {
			writeError(w, r, a.log, err)
			return
		}
		if err != nil {
			a.log.Warn("organization export aborted", "err", err)
			return
		}
		if !started {
			start()
		}
		if format == "json" {
			_, _ = w.Write([]byte("]}\n"))
			return
		}
		cw.Flush()
	})}, nil
}
