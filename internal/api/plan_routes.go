package api

import "github.com/perimeterhq/perimeter/internal/tenant"

// planRoutes registers plans, products, subscriptions (§2.16) and the current
// user's plans, products, subscriptions and organization (§2.15). Static
// segments (/v2/organizations/subscribe, /export, …) take precedence over
// /v2/organizations/{id} in Go's ServeMux: the more specific pattern wins.
func (a *API) planRoutes() {
	// Plans and products (§2.16).
	Handle(a, Op{Method: "GET", Path: "/v2/plans", Summary: "List plans (administrators)", Tag: "Plans", Description: planDoc, List: &tenant.PlanList}, a.listPlans)
	Handle(a, Op{Method: "POST", Path: "/v2/plans", Summary: "Create a plan (superadmin; typed features, max_ips required)", Tag: "Plans", Description: planDoc, Status: 201}, a.createPlan)
	Handle(a, Op{Method: "GET", Path: "/v2/plans/{id}", Summary: "Show a plan (administrators)", Tag: "Plans", Description: planDoc}, a.getPlan)
	Handle(a, Op{Method: "PUT", Path: "/v2/plans/{id}", Summary: "Update a plan (superadmin)", Tag: "Plans", Description: planDoc}, a.updatePlan)
	Handle(a, Op{Method: "DELETE", Path: "/v2/plans/{id}", Summary: "Delete a plan (superadmin; 409 with active subscriptions or while default)", Tag: "Plans",
		Description: planDoc + " A plan that ended subscriptions refer to is archived (hidden, not subscribable) instead of removed."}, a.deletePlan)
	Handle(a, Op{Method: "GET", Path: "/v2/products", Summary: "Products and the plan feature registry (any user)", Tag: "Plans"}, a.listProducts)

	// Subscriptions (§2.16).
	Handle(a, Op{Method: "POST", Path: "/v2/organizations/subscribe", Summary: "Subscribe the caller's own organization to a plan", Tag: "Subscriptions", Description: subscriptionDoc, Status: 201}, a.subscribeOwn)
	Handle(a, Op{Method: "GET", Path: "/v2/organizations/dependent_subscriptions", Summary: "Subscriptions of the organizations below the caller's (administrators)", Tag: "Subscriptions",
		Description: subscriptionDoc, List: &tenant.SubscriptionList}, a.dependentSubscriptions)
	Handle(a, Op{Method: "PUT", Path: "/v2/organizations/change", Summary: "Change the organization the user acts in", Tag: "Organizations", Description: changeOrganizationDoc}, a.changeOrganization)
	Handle(a, Op{Method: "GET", Path: "/v2/organizations/export", Summary: "Export the organizations the caller manages (CSV, or JSON)", Tag: "Organizations",
		Description: exportDoc, Query: exportQuery, Content: organizationsExportContent()}, a.exportOrganizations)
	Handle(a, Op{Method: "GET", Path: "/v2/organizations/{id}/subscriptions", Summary: "All subscriptions of an organization", Tag: "Subscriptions",
		Description: subscriptionDoc, List: &tenant.SubscriptionList}, a.listOrgSubscriptions)
	Handle(a, Op{Method: "GET", Path: "/v2/organizations/{id}/subscriptions/active", Summary: "Active subscriptions of an organization", Tag: "Subscriptions",
		Description: subscriptionDoc, List: &tenant.SubscriptionList}, a.listActiveOrgSubscriptions)
	Handle(a, Op{Method: "GET", Path: "/v2/organizations/{id}/subscriptions/{subscription_id}", Summary: "Show a subscription", Tag: "Subscriptions", Description: subscriptionDoc}, a.getOrgSubscription)
	Handle(a, Op{Method: "PUT", Path: "/v2/organizations/{id}/subscriptions/{subscription_id}", Summary: "Update a subscription (dates, interval, feature values)", Tag: "Subscriptions",
		Description: subscriptionDoc}, a.updateOrgSubscription)
	Handle(a, Op{Method: "POST", Path: "/v2/organizations/{id}/subscriptions/{subscription_id}/features", Summary: "Assign feature overrides {features: {key: value}}", Tag: "Subscriptions",
		Description: subscriptionDoc}, a.assignFeatures)
	Handle(a, Op{Method: "DELETE", Path: "/v2/organizations/{id}/subscriptions/{subscription_id}/features", Summary: "Revoke feature overrides {keys: [...]}", Tag: "Subscriptions",
		Description: subscriptionDoc}, a.revokeFeatures)
	Handle(a, Op{Method: "POST", Path: "/v2/organizations/{id}/subscribe", Summary: "Subscribe an organization to a plan", Tag: "Subscriptions", Description: subscriptionDoc, Status: 201}, a.subscribeOrg)
	Handle(a, Op{Method: "POST", Path: "/v2/organizations/{id}/unsubscribe", Summary: "End an active subscription ({plan} or {subscription_id})", Tag: "Subscriptions", Description: subscriptionDoc}, a.unsubscribeOrg)

	// The current user's organization and plans (§2.15): every role.
	Handle(a, Op{Method: "GET", Path: "/v2/user/plans", Summary: "Active plans of my organization, with the features in force", Tag: "Current user"}, a.myPlans)
	Handle(a, Op{Method: "GET", Path: "/v2/user/products", Summary: "Products my organization is subscribed to", Tag: "Current user"}, a.myProducts)
	Handle(a, Op{Method: "GET", Path: "/v2/user/subscriptions", Summary: "Subscription history of my organization", Tag: "Current user", List: &tenant.SubscriptionList}, a.mySubscriptions)
	Handle(a, Op{Method: "PUT", Path: "/v2/user/preferences/product", Summary: "Set my current product (one my organization subscribes to)", Tag: "Current user"}, a.setMyProduct)
	Handle(a, Op{Method: "PUT", Path: "/v2/user/product", Summary: "Change my product (same as preferences/product)", Tag: "Current user"}, a.setMyProduct)
	Handle(a, Op{Method: "GET", Path: "/v2/user/organization", Summary: "The organization I act in", Tag: "Current user"}, a.myOrganization)
	Handle(a, Op{Method: "PUT", Path: "/v2/user/organization", Summary: "Update the organization I act in (administrators)", Tag: "Current user"}, a.updateMyOrganization)
}
