package store

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"github.com/perimeterhq/perimeter/internal/listing"
	"github.com/perimeterhq/perimeter/internal/webhook"
)

const webhookColumns = `w.id, w.organization_id, w.name, w.url, w.events, w.secret_sealed, w.active, w.failing_since,
	w.deactivated_reason, w.created_by, w.created_at, w.updated_at`

func scanWebhook(sc interface{ Scan(...any) error }) (webhook.Webhook, error) {
	var w webhook.Webhook
	err := sc.Scan(&w.ID, &w.OrganizationID, &w.Name, &w.URL, jsonCol{&w.Events}, &w.SecretSealed, &w.Active,
		nullTimeCol{&w.FailingSince}, &w.DeactivatedReason, &w.CreatedBy, timeCol{&w.CreatedAt}, timeCol{&w.UpdatedAt})
	if w.Events == nil {
		w.Events = []string{}
	}
	return w, err
}

// CreateWebhook inserts a webhook.
func (q *Q) CreateWebhook(ctx context.Context, w webhook.Webhook) error {
	_, err := q.exec(ctx, `INSERT INTO webhooks (id, organization_id, name, url, events, secret_sealed, active, failing_since,
		deactivated_reason, created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		w.ID, w.OrganizationID, w.Name, w.URL, jsonVal(w.Events), w.SecretSealed, w.Active, nts(w.FailingSince),
		w.DeactivatedReason, w.CreatedBy, ts(w.CreatedAt), ts(w.UpdatedAt))
	return err
}

// FindWebhook returns a webhook of an organization.
func (q *Q) FindWebhook(ctx context.Context, orgID, id string) (webhook.Webhook, error) {
	w, err := scanWebhook(q.queryRow(ctx, `SELECT `+webhookColumns+` FROM webhooks w WHERE w.id = ? AND w.organization_id = ?`, id, orgID))
	return w, notFound(err, "Webhook")
}

// webhookListSQL is webhook.List in the SQL of FindWebhooks.
var webhookListSQL = bindList(&webhook.List, listSQL{
	Date: "w.created_at", ID: "w.id",
	Cols: map[string]colSQL{
		"name":       {Expr: "w.name"},
		"url":        {Expr: "w.url"},
		"active":     {Expr: "w.active"},
		"events":     {Expr: "w.events"},
		"created_at": {Expr: "w.created_at"},
		"updated_at": {Expr: "w.updated_at"},
	},
})

// FindWebhooks lists an organization's webhooks.
func (q *Q) FindWebhooks(ctx context.Context, orgID string, p listing.Params) ([]webhook.Webhook, int, error) {
	lq := listQuery{Select: webhookColumns, From: "webhooks w"}
	lq.where("w.organization_id = ?", orgID)
	var out []webhook.Webhook
	total, err := q.runList(ctx, lq, webhookListSQL, p, func(r *sql.Rows) error {
		w, err := scanWebhook(r)
		out = append(out, w)
		return err
	})
	return out, total, err
}

// UpdateWebhook writes a webhook's mutable fields.
func (q *Q) UpdateWebhook(ctx context.Context, w webhook.Webhook) error {
	_, err := q.exec(ctx, `UPDATE webhooks SET name = ?, url = ?, events = ?, secret_sealed = ?, active = ?, failing_since = ?,
		deactivated_reason = ?, updated_at = ? WHERE id = ? AND organization_id = ?`,
		w.Name, w.URL, jsonVal(w.Events), w.SecretSealed, w.Active, nts(w.FailingSince), w.DeactivatedReason,
		ts(w.UpdatedAt), w.ID, w.OrganizationID)
	return err
}

// DeleteWebhook removes a webhook of an organization with its deliveries.
func (q *Q) DeleteWebhook(ctx context.Context, orgID, id string) error {
	_, err := q.DeleteOwned(ctx, "webhooks", orgID, []string{id})
	return err
}

// ActiveWebhooksOf returns the active webhooks of the organizations on a
// materialized path ("/root/partner/customer/"): the organization and its
// ancestors, whose webhooks receive its events.
func (q *Q) ActiveWebhooksOf(ctx context.Context, path string) ([]webhook.Webhook, error) {
	ids := strings.FieldsFunc(path, func(r rune) bool { return r == '/' })
	if len(ids) == 0 {
		return nil, nil
	}
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	rows, err := q.query(ctx, `SELECT `+webhookColumns+` FROM webhooks w WHERE w.organization_id IN (`+placeholders(len(ids))+
		`) AND w.active ORDER BY w.created_at, w.id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []webhook.Webhook
	for rows.Next() {
		w, err := scanWebhook(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, w)
	}
	return out, mapErr(rows.Err())
}

// WebhookFailed records a delivery's final failure: the webhook's failing
// streak starts now unless it already runs. It returns when the streak began.
func (q *Q) WebhookFailed(ctx context.Context, orgID, id string, at time.Time) (time.Time, error) {
	if _, err := q.exec(ctx, `UPDATE webhooks SET failing_since = ? WHERE id = ? AND organization_id = ? AND failing_since IS NULL`,
		ts(at), id, orgID); err != nil {
		return time.Time{}, err
	}
	var since time.Time
	err := q.queryRow(ctx, `SELECT failing_since FROM webhooks WHERE id = ? AND organization_id = ?`, id, orgID).Scan(timeCol{&since})
	return since, notFound(err, "Webhook")
}

// WebhookSucceeded ends a webhook's failing streak. The condition keeps the
// common case (no streak) a read, so concurrent deliveries do not queue on the
// webhook's row.
func (q *Q) WebhookSucceeded(ctx context.Context, orgID, id string) error {
	_, err := q.exec(ctx, `UPDATE webhooks SET failing_since = NULL WHERE id = ? AND organization_id = ? AND failing_since IS NOT NULL`, id, orgID)
	return err
}

// DeactivateWebhook turns a webhook off with a reason; it reports whether it
// was active.
func (q *Q) DeactivateWebhook(ctx context.Context, orgID, id, reason string, at time.Time) (bool, error) {
	res, err := q.exec(ctx, `UPDATE webhooks SET active = FALSE, deactivated_reason = ?, updated_at = ? WHERE id = ? AND organization_id = ? AND active`,
		reason, ts(at), id, orgID)
	if err != nil {
		return false, err
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}
