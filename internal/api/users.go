package api

import (
	"github.com/perimeterhq/perimeter/internal/app"
	"github.com/perimeterhq/perimeter/internal/user"
)

type userList struct {
	Users      []UserView `json:"users"`
	Pagination Pagination `json:"pagination"`
}

func (a *API) listUsers(c *Ctx, _ *NoBody) (*userList, error) {
	us, total, err := a.app.ListUsers(c.Context(), c.Actor, c.List)
	if err != nil {
		return nil, err
	}
	return &userList{Users: views(us, userView), Pagination: pagination(c.List, total)}, nil
}

type createUserRequest struct {
	Email          string `json:"email"`
	FirstName      string `json:"first_name"`
	LastName       string `json:"last_name"`
	OrganizationID string `json:"organization_id,omitempty" doc:"defaults to the caller's organization"`
	Role           string `json:"role,omitempty" enum:"superadmin,admin,user,read_only" doc:"defaults to user"`
	Password       string `json:"password,omitempty" doc:"with confirmed=true the user can sign in at once"`
	Confirmed      bool   `json:"confirmed,omitempty" doc:"[CG] skip the confirmation e-mail"`
	Phone          string `json:"phone,omitempty"`
	Timezone       string `json:"timezone,omitempty"`
	Locale         string `json:"locale,omitempty"`
}

func (a *API) createUser(c *Ctx, in *createUserRequest) (*userEnvelope, error) {
	u, err := a.app.CreateUser(c.Context(), c.Actor, app.NewUser{
		User: user.User{Email: in.Email, FirstName: in.FirstName, LastName: in.LastName, OrganizationID: in.OrganizationID,
			Role: in.Role, Phone: in.Phone, Timezone: in.Timezone, Locale: in.Locale},
		Password: in.Password, Confirmed: in.Confirmed,
	})
	if err != nil {
		return nil, err
	}
	return &userEnvelope{userView(u)}, nil
}

func (a *API) getUser(c *Ctx, _ *NoBody) (*userEnvelope, error) {
	u, err := a.app.GetUser(c.Context(), c.Actor, c.Path("id"))
	if err != nil {
		return nil, err
	}
	return &userEnvelope{userView(u)}, nil
}

type updateUserRequest struct {
	Email     *string `json:"email,omitempty"`
	FirstName *string `json:"first_name,omitempty"`
	LastName  *string `json:"last_name,omitempty"`
	Role      *string `json:"role,omitempty" enum:"superadmin,admin,user,read_only"`
	Phone     *string `json:"phone,omitempty"`
	Timezone  *string `json:"timezone,omitempty"`
	Locale    *string `json:"locale,omitempty"`
}

func (a *API) updateUser(c *Ctx, in *updateUserRequest) (*userEnvelope, error) {
	u, err := a.app.UpdateUser(c.Context(), c.Actor, c.Path("id"), user.Update{Email: in.Email, FirstName: in.FirstName,
		LastName: in.LastName, Role: in.Role, Phone: in.Phone, Timezone: in.Timezone, Locale: in.Locale})
	if err != nil {
		return nil, err
	}
	return &userEnvelope{userView(u)}, nil
}

func (a *API) deleteUser(c *Ctx, _ *NoBody) (*Empty, error) {
	return nil, a.app.DeleteUser(c.Context(), c.Actor, c.Path("id"))
}
