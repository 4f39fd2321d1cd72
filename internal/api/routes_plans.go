package api

import "github.com/perimeterhq/perimeter/internal/tenant"

// planRoutes registers plans, products, subscriptions (§2.16) and the current
// user's plans, products, subscriptions and organization (§2.15). Static
// segments (/v2/organizations/subscribe, /export, …) take precedence over
// /v2/organizations/{id} in Go's ServeMux: the more specific pattern wins.
func (a *API) planRoutes() {
	// Plans and products (§2.16).
	Handle(a, Op{Method: "GET", Path: "/v2/plans", Tag: "Plans", List: &tenant.PlanList,
		Summary: "List plans (administrators)", Description: planDoc}, a.listPlans)
	Handle(a, Op{Method: "POST", Path: "/v2/plans", Tag: "Plans", Status: 201,
		Summary:     "Create a plan (superadmin; typed features, max_ips required)",
		Description: planDoc}, a.createPlan)
	Handle(a, Op{Method: "GET", Path: "/v2/plans/{id}", Tag: "Plans",
		Summary: "Show a plan (administrators)", Description: planDoc}, a.getPlan)
	Handle(a, Op{Method: "PUT", Path: "/v2/plans/{id}", Tag: "Plans",
		Summary: "Update a plan (superadmin)", Description: planDoc}, a.updatePlan)
	Handle(a, Op{Method: "DELETE", Path: "/v2/plans/{id}", Tag: "Plans",
		Summary: "Delete a plan (superadmin; 409 with active subscriptions or while default)",
		Description: planDoc + " A plan that ended subscriptions refer to is archived " +
			"(hidden, not subscribable) instead of removed."}, a.deletePlan)
	Handle(a, Op{Method: "GET", Path: "/v2/products", Tag: "Plans",
		Summary: "Products and the plan feature registry (any user)"}, a.listProducts)

	// Subscriptions (§2.16).
	Handle(a, Op{Method: "POST", Path: "/v2/organizations/subscribe", Tag: "Subscriptions", Status: 201,
		Summary:     "Subscribe the caller's own organization to a plan",
		Description: subscriptionDoc}, a.subscribeOwn)
	Handle(a, Op{Method: "GET", Path: "/v2/organizations/dependent_subscriptions", Tag: "Subscriptions",
		Summary: "Subscriptions of the organizations below the caller's (administrators)",
		List:    &tenant.SubscriptionList, Description: subscriptionDoc}, a.dependentSubscriptions)
	Handle(a, Op{Method: "PUT", Path: "/v2/organizations/change", Tag: "Organizations",
		Summary:     "Change the organization the user acts in",
		Description: changeOrganizationDoc}, a.changeOrganization)
	Handle(a, Op{Method: "GET", Path: "/v2/organizations/export", Tag: "Organizations",
		Summary: "Export the organizations the caller manages (CSV, or JSON)", Description: exportDoc,
		Query: exportQuery, Content: organizationsExportContent()}, a.exportOrganizations)
	Handle(a, Op{Method: "GET", Path: "/v2/organizations/{id}/subscriptions", Tag: "Subscriptions",
		Summary: "All subscriptions of an organization", List: &tenant.SubscriptionList,
		Description: subscriptionDoc}, a.listOrgSubscriptions)
	Handle(a, Op{Method: "GET", Path: "/v2/organizations/{id}/subscriptions/active", Tag: "Subscriptions",
		Summary: "Active subscriptions of an organization", List: &tenant.SubscriptionList,
		Description: subscriptionDoc}, a.listActiveOrgSubscriptions)
	Handle(a, Op{Method: "GET", Path: "/v2/organizations/{id}/subscriptions/{subscription_id}",
		Tag: "Subscriptions", Summary: "Show a subscription",
		Description: subscriptionDoc}, a.getOrgSubscription)
	Handle(a, Op{Method: "PUT", Path: "/v2/organizations/{id}/subscriptions/{subscription_id}",
		Tag: "Subscriptions", Summary: "Update a subscription (dates, interval, feature values)",
		Description: subscriptionDoc}, a.updateOrgSubscription)
	Handle(a, Op{Method: "POST", Path: "/v2/organizations/{id}/subscriptions/{subscription_id}/features",
		Tag: "Subscriptions", Summary: "Assign feature overrides {features: {key: value}}",
		Description: subscriptionDoc}, a.assignFeatures)
	Handle(a, Op{Method: "DELETE", Path: "/v2/organizations/{id}/subscriptions/{subscription_id}/features",
		Tag: "Subscriptions", Summary: "Revoke feature overrides {keys: [...]}",
		Description: subscriptionDoc}, a.revokeFeatures)
	Handle(a, Op{Method: "POST", Path: "/v2/organizations/{id}/subscribe", Tag: "Subscriptions", Status: 201,
		Summary: "Subscribe an organization to a plan", Description: subscriptionDoc}, a.subscribeOrg)
	Handle(a, Op{Method: "POST", Path: "/v2/organizations/{id}/unsubscribe", Tag: "Subscriptions",
		Summary:     "End an active subscription ({plan} or {subscription_id})",
		Description: subscriptionDoc}, a.unsubscribeOrg)

	// The current user's organization and plans (§2.15): every role.
	Handle(a, Op{Method: "GET", Path: "/v2/user/plans", Tag: "Current user",
		Summary: "Active plans of my organization, with the features in force"}, a.myPlans)
	Handle(a, Op{Method: "GET", Path: "/v2/user/products", Tag: "Current user",
		Summary: "Products my organization is subscribed to"}, a.myProducts)
	Handle(a, Op{Method: "GET", Path: "/v2/user/subscriptions", Tag: "Current user",
		Summary: "Subscription history of my organization",
		List:    &tenant.SubscriptionList}, a.mySubscriptions)
	Handle(a, Op{Method: "PUT", Path: "/v2/user/preferences/product", Tag: "Current user",
		Summary: "Set my current product (one my organization subscribes to)"}, a.setMyProduct)
	Handle(a, Op{Method: "PUT", Path: "/v2/user/product", Tag: "Current user",
		Summary: "Change my product (same as preferences/product)"}, a.setMyProduct)
	Handle(a, Op{Method: "GET", Path: "/v2/user/organization", Tag: "Current user",
		Summary: "The organization I act in"}, a.myOrganization)
	Handle(a, Op{Method: "PUT", Path: "/v2/user/organization", Tag: "Current user",
		Summary: "Update the organization I act in (administrators)"}, a.updateMyOrganization)
}
