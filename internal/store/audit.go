package store

import (
	"context"
	"database/sql"

	"github.com/perimeterhq/perimeter/internal/audit"
	"github.com/perimeterhq/perimeter/internal/listing"
	"github.com/perimeterhq/perimeter/internal/tenant"
)

const auditColumns = `a.id, a.organization_id, a.actor_id, a.actor_email, a.impersonator_id, a.action, a.resource_type,
	a.resource_id, a.changes, a.ip, a.user_agent, a.request_id, a.created_at`

func scanAudit(sc interface{ Scan(...any) error }) (audit.Event, error) {
	var e audit.Event
	err := sc.Scan(&e.ID, &e.OrganizationID, &e.ActorID, &e.ActorEmail, &e.ImpersonatorID, &e.Action, &e.ResourceType,
		&e.ResourceID, jsonCol{&e.Changes}, &e.IP, &e.UserAgent, &e.RequestID, timeCol{&e.CreatedAt})
	return e, err
}

// InsertAuditEvent appends an event. There is deliberately no update or delete.
func (q *Q) InsertAuditEvent(ctx context.Context, e audit.Event) error {
	if e.Changes == nil {
		e.Changes = map[string]any{}
	}
	_, err := q.exec(ctx, `INSERT INTO audit_events (id, organization_id, actor_id, actor_email, impersonator_id, action,
		resource_type, resource_id, changes, ip, user_agent, request_id, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		e.ID, e.OrganizationID, e.ActorID, e.ActorEmail, e.ImpersonatorID, e.Action, e.ResourceType, e.ResourceID,
		jsonVal(e.Changes), e.IP, e.UserAgent, e.RequestID, ts(e.CreatedAt))
	return err
}

// FindAuditEvent returns an event of an organization inside scope.
func (q *Q) FindAuditEvent(ctx context.Context, sc tenant.Scope, id string) (audit.Event, error) {
	cond, args := scopeSQL("a.organization_id", sc)
	e, err := scanAudit(q.queryRow(ctx, `SELECT `+auditColumns+` FROM audit_events a WHERE a.id = ? AND `+cond, append([]any{id}, args...)...))
	return e, notFound(err, "Audit event")
}

// auditListSQL is audit.List in the SQL of FindAuditEvents.
var auditListSQL = bindList(&audit.List, listSQL{
	Date: "a.created_at", ID: "a.id",
	Cols: map[string]colSQL{
		"actor":           {Expr: "a.actor_email"},
		"actor_id":        {Expr: "a.actor_id"},
		"action":          {Expr: "a.action"},
		"resource_type":   {Expr: "a.resource_type"},
		"resource_id":     {Expr: "a.resource_id"},
		"organization_id": {Expr: "a.organization_id"},
		"request_id":      {Expr: "a.request_id"},
		"ip":              {Expr: "a.ip"},
		"created_at":      {Expr: "a.created_at"},
	},
})

// FindAuditEvents lists events of organizations inside scope.
func (q *Q) FindAuditEvents(ctx context.Context, sc tenant.Scope, p listing.Params) ([]audit.Event, int, error) {
	lq := listQuery{Select: auditColumns, From: "audit_events a"}
	lq.scope("a.organization_id", sc)
	var out []audit.Event
	total, err := q.runList(ctx, lq, auditListSQL, p, func(r *sql.Rows) error {
		e, err := scanAudit(r)
		out = append(out, e)
		return err
	})
	return out, total, err
}
