package api

import (
	"time"

	"github.com/perimeterhq/perimeter/internal/audit"
)

// AuditEventView is an audit event as the API shows it.
type AuditEventView struct {
	ID             string         `json:"id"`
	OrganizationID string         `json:"organization_id"`
	ActorID        string         `json:"actor_id"`
	ActorEmail     string         `json:"actor_email"`
	ImpersonatorID string         `json:"impersonator_id"`
	Action         string         `json:"action"`
	ResourceType   string         `json:"resource_type"`
	ResourceID     string         `json:"resource_id"`
	Changes        map[string]any `json:"changes" doc:"field → [old, new], or facts of the action"`
	IP             string         `json:"ip"`
	UserAgent      string         `json:"user_agent"`
	RequestID      string         `json:"request_id"`
	CreatedAt      time.Time      `json:"created_at"`
}

func auditView(e audit.Event) AuditEventView {
	ch := e.Changes
	if ch == nil {
		ch = map[string]any{}
	}
	return AuditEventView{ID: e.ID, OrganizationID: e.OrganizationID, ActorID: e.ActorID, ActorEmail: e.ActorEmail,
		ImpersonatorID: e.ImpersonatorID, Action: e.Action, ResourceType: e.ResourceType, ResourceID: e.ResourceID,
		Changes: ch, IP: e.IP, UserAgent: e.UserAgent, RequestID: e.RequestID, CreatedAt: e.CreatedAt}
}

type auditList struct {
	Events     []AuditEventView `json:"events"`
	Pagination Pagination       `json:"pagination"`
}

type auditEnvelope struct {
	Event AuditEventView `json:"event"`
}

func (a *API) listAuditEvents(c *Ctx, _ *NoBody) (*auditList, error) {
	es, total, err := a.app.ListAuditEvents(c.Context(), c.Actor, c.List)
	if err != nil {
		return nil, err
	}
	return &auditList{Events: views(es, auditView), Pagination: pagination(c.List, total)}, nil
}

func (a *API) getAuditEvent(c *Ctx, _ *NoBody) (*auditEnvelope, error) {
	e, err := a.app.GetAuditEvent(c.Context(), c.Actor, c.Path("id"))
	if err != nil {
		return nil, err
	}
	return &auditEnvelope{auditView(e)}, nil
}
