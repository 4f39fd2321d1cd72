package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"time"

	"github.com/perimeterhq/perimeter/internal/listing"
)

// Delivery statuses: pending until an attempt gets a 2xx answer (succeeded) or
// the last retry fails or the destination is refused (failed).
const (
	DeliveryPending   = "pending"
	DeliverySucceeded = "succeeded"
	DeliveryFailed    = "failed"
)

// Delivery is one event sent to one webhook, with every attempt. Its ID is the
// X-CG-Hook-Delivery header: the same on every retry, so receivers can
// deduplicate.
type Delivery struct {
	ID             string
	OrganizationID string // the webhook's organization
	WebhookID      string
	EventID        string
	EventType      string
	Status         string
	Attempts       int
	Body           []byte // the exact request body, fixed at creation: every retry sends the same bytes
	ResponseStatus int    // of the last attempt; 0 when it got no answer
	Duration       time.Duration
	Error          string
	NextAttemptAt  *time.Time
	CreatedAt      time.Time
	UpdatedAt      time.Time
	FinishedAt     *time.Time
}

// Attempt is one HTTP request of a delivery and what came back.
type Attempt struct {
	DeliveryID        string
	Number            int // 1 for the first request, 2 for the first retry, …
	RequestHeaders    http.Header
	ResponseStatus    int // 0: no answer (refused, unreachable, timeout)
	ResponseHeaders   http.Header
	ResponseBody      []byte // at most MaxResponseBody bytes
	ResponseTruncated bool
	Duration          time.Duration
	Error             string // why the attempt failed; "" on a 2xx answer
	Refused           bool   // the guard refused the destination: retrying cannot help
	StartedAt         time.Time
}

// OK reports whether the receiver accepted the delivery (2xx).
func (a Attempt) OK() bool { return a.Error == "" && a.ResponseStatus >= 200 && a.ResponseStatus < 300 }

// MaxResponseBody is how much of a receiver's answer is kept per attempt.
const MaxResponseBody = 64 << 10

// Payload is the JSON body of a delivery. The CG contract fixes the headers;
// the body carries the event with its resource and data.
type Payload struct {
	ID             string         `json:"id"`    // the delivery id (as in X-CG-Hook-Delivery)
	Event          string         `json:"event"` // as in X-CG-Hook-Event
	EventID        string         `json:"event_id"`
	CreatedAt      time.Time      `json:"created_at"` // when the event happened
	OrganizationID string         `json:"organization_id"`
	Resource       Resource       `json:"resource"`
	Data           map[string]any `json:"data"`
}

// Resource names what the event is about.
type Resource struct {
	Type string `json:"type"`
	ID   string `json:"id"`
}

// Body encodes a payload. The bytes are stored with the delivery and sent
// unchanged on every attempt, so a signature always covers exactly what the
// receiver reads.
func Body(p Payload) []byte {
	if p.Data == nil {
		p.Data = map[string]any{}
	}
	p.CreatedAt = p.CreatedAt.UTC()
	b, err := json.Marshal(p)
	if err != nil {
		panic("webhook: unencodable payload: " + err.Error()) // event payloads are plain data
	}
	return b
}

// Headers of a delivery [CG].
const (
	HeaderSignature = "X-CG-Hook-Signature"
	HeaderEvent     = "X-CG-Hook-Event"
	HeaderDelivery  = "X-CG-Hook-Delivery"
	UserAgentPrefix = "CloneGuard-Hook/"
)

// Sign returns the X-CG-Hook-Signature value for body: "sha256=" and the hex
// HMAC-SHA256 of the raw body keyed with the webhook's secret [CG].
func Sign(secret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// Verify checks a signature header the way a receiver must: over the raw
// body, in constant time.
func Verify(secret string, body []byte, header string) bool {
	return hmac.Equal([]byte(Sign(secret, body)), []byte(header))
}

// DeliveryList declares how deliveries are filtered and sorted.
var DeliveryList = listing.Spec{
	Columns: []listing.Column{
		{Name: "event", Kind: listing.Enum, Values: Events, Sortable: true},
		{Name: "status", Kind: listing.Enum, Values: []string{DeliveryPending, DeliverySucceeded, DeliveryFailed}, Sortable: true},
		{Name: "event_id", Kind: listing.ID},
		{Name: "response_status", Kind: listing.Number, Sortable: true},
		{Name: "attempts", Kind: listing.Number, Sortable: true},
		{Name: "created_at", Sortable: true, NoFilter: true},
	},
	DateName: "created_at", DefaultSort: "created_at", DefaultDesc: true,
}
