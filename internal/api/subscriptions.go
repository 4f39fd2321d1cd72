package api

import (
	"time"

	"github.com/perimeterhq/perimeter/internal/app"
	"github.com/perimeterhq/perimeter/internal/tenant"
)

type subscriptionList struct {
	Subscriptions []SubscriptionView `json:"subscriptions"`
	Pagination    Pagination         `json:"pagination"`
}

type subscriptionEnvelope struct {
	Subscription SubscriptionView `json:"subscription"`
}

// subscriptionDoc is the permission rule, for the OpenAPI document.
const subscriptionDoc = "Administrators read the subscriptions of their organization and of the organizations below it; " +
	"an organization outside that subtree is 404. Changes (subscribe, unsubscribe, update, features) are made by an " +
	"administrator of an ancestor organization (a partner for its customers; the superadmin for everyone, the platform " +
	"included); an organization's own administrator may only subscribe it to a product's default plan (other changes: 403). " +
	"One active subscription per product [CG]: subscribing to another plan of the product ends the active one " +
	"(status cancelled, end_date now) in the same transaction."

func subList(ss []tenant.Subscription, c *Ctx, total int) *subscriptionList {
	return &subscriptionList{Subscriptions: views(ss, subscriptionView), Pagination: pagination(c.List, total)}
}

func (a *API) listOrgSubscriptions(c *Ctx, _ *NoBody) (*subscriptionList, error) {
	ss, total, err := a.app.ListOrganizationSubscriptions(c.Context(), c.Actor, c.Path("id"), false, c.List)
	if err != nil {
		return nil, err
	}
	return subList(ss, c, total), nil
}

func (a *API) listActiveOrgSubscriptions(c *Ctx, _ *NoBody) (*subscriptionList, error) {
	ss, total, err := a.app.ListOrganizationSubscriptions(c.Context(), c.Actor, c.Path("id"), true, c.List)
	if err != nil {
		return nil, err
	}
	return subList(ss, c, total), nil
}

func (a *API) getOrgSubscription(c *Ctx, _ *NoBody) (*subscriptionEnvelope, error) {
	s, err := a.app.GetSubscription(c.Context(), c.Actor, c.Path("id"), c.Path("subscription_id"))
	if err != nil {
		return nil, err
	}
	return &subscriptionEnvelope{subscriptionView(s)}, nil
}

type updateSubscriptionRequest struct {
	Interval     *string         `json:"interval,omitempty" enum:"none,monthly,yearly"`
	StartDate    *time.Time      `json:"start_date,omitempty"`
	EndDate      *time.Time      `json:"end_date,omitempty"`
	ClearEndDate bool            `json:"clear_end_date,omitempty" doc:"true: no end date"`
	Features     tenant.Features `json:"features,omitempty" doc:"overrides merged into the subscription's (like POST .../features)"`
}

func (a *API) updateOrgSubscription(c *Ctx, in *updateSubscriptionRequest) (*subscriptionEnvelope, error) {
	s, err := a.app.UpdateSubscription(c.Context(), c.Actor, c.Path("id"), c.Path("subscription_id"), app.SubscriptionUpdate{
		Interval: in.Interval, StartDate: in.StartDate, EndDate: in.EndDate, ClearEnd: in.ClearEndDate, Features: in.Features})
	if err != nil {
		return nil, err
	}
	return &subscriptionEnvelope{subscriptionView(s)}, nil
}

type assignFeaturesRequest struct {
	Features tenant.Features `json:"features" doc:"{key: value}: overrides that take precedence over the plan's values"`
}

func (a *API) assignFeatures(c *Ctx, in *assignFeaturesRequest) (*subscriptionEnvelope, error) {
	s, err := a.app.AssignFeatures(c.Context(), c.Actor, c.Path("id"), c.Path("subscription_id"), in.Features)
	if err != nil {
		return nil, err
	}
	return &subscriptionEnvelope{subscriptionView(s)}, nil
}

type revokeFeaturesRequest struct {
	Keys []string `json:"keys" doc:"overridden feature keys to remove: the plan's values apply again"`
}

func (a *API) revokeFeatures(c *Ctx, in *revokeFeaturesRequest) (*subscriptionEnvelope, error) {
	s, err := a.app.RevokeFeatures(c.Context(), c.Actor, c.Path("id"), c.Path("subscription_id"), in.Keys)
	if err != nil {
		return nil, err
	}
	return &subscriptionEnvelope{subscriptionView(s)}, nil
}

type subscribeRequest struct {
	Plan      string     `json:"plan" doc:"plan id or name"`
	Interval  string     `json:"interval,omitempty" enum:"none,monthly,yearly" doc:"defaults to none"`
	StartDate *time.Time `json:"start_date,omitempty" doc:"defaults to now"`
	EndDate   *time.Time `json:"end_date,omitempty"`
}

func (in *subscribeRequest) plan() app.PlanRequest {
	return app.PlanRequest{Plan: in.Plan, Interval: in.Interval, StartDate: in.StartDate, EndDate: in.EndDate}
}

func (a *API) subscribeOwn(c *Ctx, in *subscribeRequest) (*subscriptionEnvelope, error) {
	s, err := a.app.Subscribe(c.Context(), c.Actor, "", in.plan())
	if err != nil {
		return nil, err
	}
	return &subscriptionEnvelope{subscriptionView(s)}, nil
}

func (a *API) subscribeOrg(c *Ctx, in *subscribeRequest) (*subscriptionEnvelope, error) {
	s, err := a.app.Subscribe(c.Context(), c.Actor, c.Path("id"), in.plan())
	if err != nil {
		return nil, err
	}
	return &subscriptionEnvelope{subscriptionView(s)}, nil
}

type unsubscribeRequest struct {
	Plan           string `json:"plan,omitempty" doc:"plan id or name of the active subscription to end"`
	SubscriptionID string `json:"subscription_id,omitempty" doc:"or the subscription's id"`
}

func (a *API) unsubscribeOrg(c *Ctx, in *unsubscribeRequest) (*subscriptionEnvelope, error) {
	s, err := a.app.Unsubscribe(c.Context(), c.Actor, c.Path("id"), in.Plan, in.SubscriptionID)
	if err != nil {
		return nil, err
	}
	return &subscriptionEnvelope{subscriptionView(s)}, nil
}

func (a *API) dependentSubscriptions(c *Ctx, _ *NoBody) (*subscriptionList, error) {
	ss, total, err := a.app.DependentSubscriptions(c.Context(), c.Actor, c.List)
	if err != nil {
		return nil, err
	}
	return subList(ss, c, total), nil
}
