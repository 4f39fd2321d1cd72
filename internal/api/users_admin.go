package api

import (
	"github.com/perimeterhq/perimeter/internal/app"
	"github.com/perimeterhq/perimeter/internal/tenant"
	"github.com/perimeterhq/perimeter/internal/user"
)

// Users administration (§2.15, §2.17): deletion rules, resource transfers, the
// partner flag, the organization's members and the customer wizard.

const transferDoc = "Moves the ownership (created_by) of targets, scans, exceptions, advanced reports and webhooks. Both users must be in " +
	"organizations the caller manages (another organization's user is 404). The receiver must be able to see every resource moved: " +
	"resources in their own organization, or below it when they are an admin; otherwise nothing moves (422 on to_user_id)."

// DeleteReasonView is one reason a user cannot be deleted.
type DeleteReasonView struct {
	Code    string         `json:"code" enum:"self,outranks,last_admin,owns_resources,last_partner"`
	Message string         `json:"message"`
	Counts  map[string]int `json:"counts,omitempty" doc:"owns_resources: rows owned per kind (targets, scans, exceptions, advanced_reports, webhooks)"`
}

type canDeleteResponse struct {
	CanDelete bool               `json:"can_delete"`
	Reasons   []DeleteReasonView `json:"reasons"`
}

func canDeleteBody(rs []app.DeleteReason) *canDeleteResponse {
	out := &canDeleteResponse{CanDelete: len(rs) == 0, Reasons: []DeleteReasonView{}}
	for _, r := range rs {
		out.Reasons = append(out.Reasons, DeleteReasonView{Code: r.Code, Message: r.Message, Counts: r.Counts})
	}
	return out
}

func (a *API) canDeleteUser(c *Ctx, _ *NoBody) (*canDeleteResponse, error) {
	rs, err := a.app.CanDeleteUser(c.Context(), c.Actor, c.Path("id"))
	if err != nil {
		return nil, err
	}
	return canDeleteBody(rs), nil
}

func (a *API) canDeleteMe(c *Ctx, _ *NoBody) (*canDeleteResponse, error) {
	rs, err := a.app.CanDeleteSelf(c.Context(), c.Actor)
	if err != nil {
		return nil, err
	}
	return canDeleteBody(rs), nil
}

type deleteMeRequest struct {
	Password string `json:"password" doc:"the account's current password"`
}

func (a *API) deleteMe(c *Ctx, in *deleteMeRequest) (*Empty, error) {
	return nil, a.app.DeleteSelf(c.Context(), c.Actor, in.Password)
}

type inheritRequest struct {
	FromUserID string `json:"from_user_id" doc:"the user whose resources this user takes over"`
}

type transferRequest struct {
	FromUserID string `json:"from_user_id"`
	ToUserID   string `json:"to_user_id"`
}

type transferResponse struct {
	FromUserID string         `json:"from_user_id"`
	ToUserID   string         `json:"to_user_id"`
	Moved      map[string]int `json:"moved" doc:"rows moved per kind (targets, scans, exceptions, advanced_reports, webhooks)"`
}

func (a *API) inheritResources(c *Ctx, in *inheritRequest) (*transferResponse, error) {
	return a.transfer(c, in.FromUserID, c.Path("id"))
}

func (a *API) transferResources(c *Ctx, in *transferRequest) (*transferResponse, error) {
	return a.transfer(c, in.FromUserID, in.ToUserID)
}

func (a *API) transfer(c *Ctx, from, to string) (*transferResponse, error) {
	r, err := a.app.TransferResources(c.Context(), c.Actor, from, to)
	if err != nil {
		return nil, err
	}
	return &transferResponse{FromUserID: r.From.ID, ToUserID: r.To.ID, Moved: r.Moved}, nil
}

func (a *API) setPartner(c *Ctx, _ *NoBody) (*userEnvelope, error) {
	u, err := a.app.SetPartner(c.Context(), c.Actor, c.Path("id"), true)
	if err != nil {
		return nil, err
	}
	return &userEnvelope{userView(u)}, nil
}

func (a *API) unsetPartner(c *Ctx, _ *NoBody) (*userEnvelope, error) {
	u, err := a.app.SetPartner(c.Context(), c.Actor, c.Path("id"), false)
	if err != nil {
		return nil, err
	}
	return &userEnvelope{userView(u)}, nil
}

type memberList struct {
	Members    []UserView `json:"members"`
	Pagination Pagination `json:"pagination"`
}

func (a *API) organizationMembers(c *Ctx, _ *NoBody) (*memberList, error) {
	us, total, err := a.app.OrganizationMembers(c.Context(), c.Actor, c.List)
	if err != nil {
		return nil, err
	}
	return &memberList{Members: views(us, userView), Pagination: pagination(c.List, total)}, nil
}

type customerUserRequest struct {
	Email     string `json:"email"`
	FirstName string `json:"first_name"`
	LastName  string `json:"last_name"`
	Role      string `json:"role,omitempty" enum:"admin,user,read_only" doc:"defaults to admin; at least one user must be an admin"`
	Password  string `json:"password,omitempty" doc:"with confirmed=true the user can sign in at once"`
	Confirmed bool   `json:"confirmed,omitempty" doc:"[CG] skip the confirmation e-mail"`
	Phone     string `json:"phone,omitempty"`
	Timezone  string `json:"timezone,omitempty"`
	Locale    string `json:"locale,omitempty"`
}

type customerOrgRequest struct {
	organizationFields
	ParentID string `json:"parent_id,omitempty" doc:"a partner organization the caller manages; defaults to the caller's organization"`
}

type createCustomerRequest struct {
	Organization            customerOrgRequest    `json:"organization"`
	SkipDefaultSubscription bool                  `json:"skip_default_subscription,omitempty" doc:"[CG] with true, plans is required"`
	Plans                   []planRequest         `json:"plans,omitempty" doc:"[CG] first plan per product wins"`
	Users                   []customerUserRequest `json:"users" doc:"1–100 users of the new organization"`
}

type customerResponse struct {
	Organization OrganizationView `json:"organization"`
	Users        []UserView       `json:"users"`
}

func (a *API) createCustomer(c *Ctx, in *createCustomerRequest) (*customerResponse, error) {
	o := in.Organization.organizationFields.update().Apply(tenant.Organization{})
	o.ParentID = in.Organization.ParentID
	plans := make([]app.PlanRequest, len(in.Plans))
	for i, p := range in.Plans {
		plans[i] = app.PlanRequest{Plan: p.Plan, Interval: p.Interval, StartDate: p.StartDate, EndDate: p.EndDate}
	}
	users := make([]app.NewUser, len(in.Users))
	for i, u := range in.Users {
		users[i] = app.NewUser{User: user.User{Email: u.Email, FirstName: u.FirstName, LastName: u.LastName, Role: u.Role,
			Phone: u.Phone, Timezone: u.Timezone, Locale: u.Locale}, Password: u.Password, Confirmed: u.Confirmed}
	}
	v, err := a.app.CreateCustomer(c.Context(), c.Actor, app.NewCustomer{
		Org:   app.NewOrganization{Org: o, SkipDefaultSubscription: in.SkipDefaultSubscription, Plans: plans},
		Users: users})
	if err != nil {
		return nil, err
	}
	return &customerResponse{Organization: orgDetail(v.Organization).Organization, Users: views(v.Users, userView)}, nil
}
