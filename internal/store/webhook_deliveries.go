package store

import (
	"context"
	"database/sql"
	"net/http"
	"time"

	"github.com/perimeterhq/perimeter/internal/listing"
	"github.com/perimeterhq/perimeter/internal/webhook"
)

const deliveryColumns = `d.id, d.organization_id, d.webhook_id, d.event_id, d.event_type, d.status, d.attempts, d.request_body,
	d.response_status, d.duration_us, d.error, d.next_attempt_at, d.created_at, d.updated_at, d.finished_at`

func scanDelivery(sc interface{ Scan(...any) error }) (webhook.Delivery, error) {
	var d webhook.Delivery
	var body string
	var us int64
	err := sc.Scan(&d.ID, &d.OrganizationID, &d.WebhookID, &d.EventID, &d.EventType, &d.Status, &d.Attempts, &body,
		&d.ResponseStatus, &us, &d.Error, nullTimeCol{&d.NextAttemptAt}, timeCol{&d.CreatedAt}, timeCol{&d.UpdatedAt},
		nullTimeCol{&d.FinishedAt})
	d.Body, d.Duration = []byte(body), time.Duration(us)*time.Microsecond
	return d, err
}

// CreateDelivery inserts a pending delivery unless the webhook already has
// one for the event; it reports whether it inserted.
func (q *Q) CreateDelivery(ctx context.Context, d webhook.Delivery) (bool, error) {
	res, err := q.exec(ctx, `INSERT INTO webhook_deliveries (id, organization_id, webhook_id, event_id, event_type, status,
		attempts, request_body, next_attempt_at, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?)
		ON CONFLICT (webhook_id, event_id) DO NOTHING`,
		d.ID, d.OrganizationID, d.WebhookID, d.EventID, d.EventType, d.Status, string(d.Body), nts(d.NextAttemptAt),
		ts(d.CreatedAt), ts(d.UpdatedAt))
	if err != nil {
		return false, err
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

// DeliveryByID returns a delivery whatever its organization (the delivery
// worker, which has only the id its job carries).
func (q *Q) DeliveryByID(ctx context.Context, id string) (webhook.Delivery, error) {
	// By id only: a webhook.deliver job carries just the delivery id; the row tells its organization.
	d, err := scanDelivery(q.queryRow(ctx, `SELECT `+deliveryColumns+` FROM webhook_deliveries d WHERE d.id = ?`, id))
	return d, notFound(err, "Delivery")
}

// FindDelivery returns a delivery of an organization's webhook.
func (q *Q) FindDelivery(ctx context.Context, orgID, webhookID, id string) (webhook.Delivery, error) {
	d, err := scanDelivery(q.queryRow(ctx, `SELECT `+deliveryColumns+` FROM webhook_deliveries d
		WHERE d.id = ? AND d.webhook_id = ? AND d.organization_id = ?`, id, webhookID, orgID))
	return d, notFound(err, "Delivery")
}

// deliveryListSQL is webhook.DeliveryList in the SQL of FindDeliveries.
var deliveryListSQL = bindList(&webhook.DeliveryList, listSQL{
	Date: "d.created_at", ID: "d.id",
	Cols: map[string]colSQL{
		"event":           {Expr: "d.event_type"},
		"status":          {Expr: "d.status"},
		"event_id":        {Expr: "d.event_id"},
		"response_status": {Expr: "d.response_status"},
		"attempts":        {Expr: "d.attempts"},
		"created_at":      {Expr: "d.created_at"},
	},
})

// FindDeliveries lists the deliveries of an organization's webhook.
func (q *Q) FindDeliveries(ctx context.Context, orgID, webhookID string, p listing.Params) ([]webhook.Delivery, int, error) {
	lq := listQuery{Select: deliveryColumns, From: "webhook_deliveries d"}
	lq.where("d.organization_id = ?", orgID)
	lq.where("d.webhook_id = ?", webhookID)
	var out []webhook.Delivery
	total, err := q.runList(ctx, lq, deliveryListSQL, p, func(r *sql.Rows) error {
		d, err := scanDelivery(r)
		out = append(out, d)
		return err
	})
	return out, total, err
}

// InsertAttempt logs one attempt of a delivery; it reports false when the
// attempt was logged already (another worker made it).
func (q *Q) InsertAttempt(ctx context.Context, orgID string, a webhook.Attempt) (bool, error) {
	res, err := q.exec(ctx, `INSERT INTO webhook_attempts (delivery_id, attempt, organization_id, request_headers, response_status,
		response_headers, response_body, response_truncated, duration_us, error, started_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (delivery_id, attempt) DO NOTHING`,
		a.DeliveryID, a.Number, orgID, jsonVal(headerMap(a.RequestHeaders)), a.ResponseStatus, jsonVal(headerMap(a.ResponseHeaders)),
		string(a.ResponseBody), a.ResponseTruncated, a.Duration.Microseconds(), a.Error, ts(a.StartedAt))
	if err != nil {
		return false, err
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

func headerMap(h http.Header) map[string][]string {
	if h == nil {
		return map[string][]string{}
	}
	return h
}

// FindAttempts lists a delivery's attempts, first first.
func (q *Q) FindAttempts(ctx context.Context, orgID, deliveryID string) ([]webhook.Attempt, error) {
	rows, err := q.query(ctx, `SELECT delivery_id, attempt, request_headers, response_status, response_headers, response_body,
		response_truncated, duration_us, error, started_at FROM webhook_attempts WHERE delivery_id = ? AND organization_id = ?
		ORDER BY attempt`, deliveryID, orgID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []webhook.Attempt
	for rows.Next() {
		var a webhook.Attempt
		var body string
		var us int64
		var reqH, resH map[string][]string
		if err := rows.Scan(&a.DeliveryID, &a.Number, jsonCol{&reqH}, &a.ResponseStatus, jsonCol{&resH}, &body,
			&a.ResponseTruncated, &us, &a.Error, timeCol{&a.StartedAt}); err != nil {
			return nil, err
		}
		a.RequestHeaders, a.ResponseHeaders = reqH, resH
		a.ResponseBody, a.Duration = []byte(body), time.Duration(us)*time.Microsecond
		out = append(out, a)
	}
	return out, mapErr(rows.Err())
}

// UpdateDeliveryAfter writes the outcome of attempt d.Attempts, provided the
// delivery is still pending after prev attempts (compare-and-set: a
// duplicate worker's write loses). It reports whether it wrote.
func (q *Q) UpdateDeliveryAfter(ctx context.Context, d webhook.Delivery, prev int) (bool, error) {
	res, err := q.exec(ctx, `UPDATE webhook_deliveries SET status = ?, attempts = ?, response_status = ?, duration_us = ?, error = ?,
		next_attempt_at = ?, updated_at = ?, finished_at = ? WHERE id = ? AND organization_id = ? AND attempts = ? AND status = 'pending'`,
		d.Status, d.Attempts, d.ResponseStatus, d.Duration.Microseconds(), d.Error, nts(d.NextAttemptAt), ts(d.UpdatedAt),
		nts(d.FinishedAt), d.ID, d.OrganizationID, prev)
	if err != nil {
		return false, err
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

// OverdueDelivery is a pending delivery whose next attempt is long past due.
type OverdueDelivery struct {
	ID             string
	OrganizationID string
	Attempts       int
	NextAttemptAt  time.Time
}

// OverdueDeliveries lists pending deliveries due before a time, oldest first:
// their job died with a killed worker.
func (q *Q) OverdueDeliveries(ctx context.Context, before time.Time, limit int) ([]OverdueDelivery, error) {
	rows, err := q.query(ctx, `SELECT id, organization_id, attempts, next_attempt_at FROM webhook_deliveries
		WHERE status = 'pending' AND next_attempt_at < ? ORDER BY next_attempt_at LIMIT ?`, ts(before), limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []OverdueDelivery
	for rows.Next() {
		var o OverdueDelivery
		if err := rows.Scan(&o.ID, &o.OrganizationID, &o.Attempts, timeCol{&o.NextAttemptAt}); err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	return out, mapErr(rows.Err())
}

// PostponeDelivery moves an overdue delivery's next attempt to next, if it is
// still the same attempt due at the same time; it reports whether it did (the
// caller then enqueues the attempt again).
func (q *Q) PostponeDelivery(ctx context.Context, o OverdueDelivery, next time.Time) (bool, error) {
	res, err := q.exec(ctx, `UPDATE webhook_deliveries SET next_attempt_at = ? WHERE id = ? AND organization_id = ?
		AND status = 'pending' AND attempts = ? AND next_attempt_at = ?`, ts(next), o.ID, o.OrganizationID, o.Attempts,
		ts(o.NextAttemptAt))
	if err != nil {
		return false, err
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

// DeliveryStatusCounts counts an organization's deliveries by status (tests,
// benchmarks and diagnostics).
func (q *Q) DeliveryStatusCounts(ctx context.Context, orgID string) (map[string]int, error) {
	rows, err := q.query(ctx, `SELECT status, COUNT(*) FROM webhook_deliveries WHERE organization_id = ? GROUP BY status`, orgID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var s string
		var n int
		if err := rows.Scan(&s, &n); err != nil {
			return nil, err
		}
		out[s] = n
	}
	return out, mapErr(rows.Err())
}
