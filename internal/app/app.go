// Package app holds Perimeter's use cases: one file per aggregate, each doing
// the tenancy and role checks, validation, transactions, audit events and job
// enqueueing for an operation. It is the only place business rules live; the
// API layer decodes and encodes, the store runs SQL.
package app

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/perimeterhq/perimeter/internal/audit"
	"github.com/perimeterhq/perimeter/internal/blob"
	"github.com/perimeterhq/perimeter/internal/hostspec"
	"github.com/perimeterhq/perimeter/internal/notify"
	"github.com/perimeterhq/perimeter/internal/scanner"
	"github.com/perimeterhq/perimeter/internal/store"
)

// Config holds the tunable rules of the app layer.
type Config struct {
	SessionTTL       time.Duration // lifetime of a sign-in session (default 24 h)
	LockoutThreshold int           // failed sign-ins of a username from one address before each try waits (default 5)
	LockoutDelay     time.Duration // the first wait; it doubles with each further failure (default 30 s)
	LockoutDuration  time.Duration // the longest wait (default 15 min)
	LockoutWindow    time.Duration // failures are forgotten this long after the last one or the end of a wait (default 15 min)
	Version          string        // the running binary's version (reported by scanner self-tests)

	FeedDir            string        // vulnerability feeds for CVE matching (nvd/, kev.json, epss.csv)
	ScanHeartbeat      time.Duration // how often a running scan saves progress and checks for stop (default 2 s)
	ScanStaleAfter     time.Duration // a run without heartbeat for this long lost its worker (default 60 s)
	MaxRunAttempts     int           // attempts of a run whose worker died before it fails (default 3)
	OrgScanConcurrency int           // runs of one organization executing at once (default 2)
	ScanExclude        string        // hosts no scan of any organization may touch (hostspec notation)
	NmapPath           string        // the nmap binary nmap scanners run ("": nmap on PATH)
	GMPPollInterval    time.Duration // how often a scan on a Greenbone manager asks its progress (default 10 s)
	GMPTimeout         time.Duration // longest wait of one GMP read, write or dial (default 60 s)
	Blobs              blob.Store    // where generated report files live (nil: reports cannot be generated)

	Hooks HooksConfig // webhooks, notifications and e-mail (hooks.go)
	AI    AIConfig    // the vulnerability assistant (ai_assistant.go)

	ConsoleURL string           // web console base URL for links in account e-mails ("" : the e-mails carry the token only)
	SMS        notify.SMSSender // SMS provider for two-factor codes; nil: the development provider (sms_outbox table)
}

// DefaultScanExclude keeps tenants' scans off link-local addresses, where
// cloud instance metadata services answer (169.254.169.254 and its IPv6 peers).
const DefaultScanExclude = "169.254.0.0/16, fe80::/10"

// ValidateScanExclude checks the platform's scan exclusions.
func ValidateScanExclude(list string) error {
	if strings.TrimSpace(list) == "" {
		return nil
	}
	_, err := hostspec.Parse("192.0.2.1", list)
	return err
}

func (c *Config) defaults() {
	if c.SessionTTL <= 0 {
		c.SessionTTL = 24 * time.Hour
	}
	if c.LockoutThreshold <= 0 {
		c.LockoutThreshold = 5
	}
	if c.LockoutWindow <= 0 {
		c.LockoutWindow = 15 * time.Minute
	}
	if c.LockoutDelay <= 0 {
		c.LockoutDelay = 30 * time.Second
	}
	if c.LockoutDuration <= 0 {
		c.LockoutDuration = 15 * time.Minute
	}
	if c.ScanHeartbeat <= 0 {
		c.ScanHeartbeat = 2 * time.Second
	}
	if c.ScanStaleAfter <= 0 {
		c.ScanStaleAfter = 60 * time.Second
	}
	if c.MaxRunAttempts <= 0 {
		c.MaxRunAttempts = 3
	}
	if c.OrgScanConcurrency <= 0 {
		c.OrgScanConcurrency = 2
	}
	c.Hooks.defaults()
	c.AI.defaults()
}

// App is the use-case layer over a store.
type App struct {
	store *store.Store
	cfg   Config
	log   *slog.Logger
	now   func() time.Time

	cveOnce sync.Once
	cve     scanner.CVEMatcher // loaded once from FeedDir, shared by every run

	results resultCache // aggregates over findings, per organization (see cached)

	hooks *hookState // webhook delivery and e-mail (hooks.go)

	auth *authCache // resolved credentials, per authentication epoch

	aiLimit *aiLimiter // prompts per user (ai_assistant.go)
}

// New returns an App. log may be nil.
func New(s *store.Store, cfg Config, log *slog.Logger) *App {
	cfg.defaults()
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &App{store: s, cfg: cfg, log: log, now: func() time.Time { return time.Now().UTC().Truncate(time.Microsecond) },
		results: resultCache{entries: map[string]*cacheEntry{}}, hooks: newHookState(cfg.Hooks, cfg.Version, log),
		auth: newAuthCache(), aiLimit: &aiLimiter{per: cfg.AI.PromptsPerMinute}}
}

// SetClock replaces the clock (tests of expiry and lockout).
func (a *App) SetClock(now func() time.Time) {
	a.now = func() time.Time { return now().UTC().Truncate(time.Microsecond) }
}

// Store exposes the store to the job runner and tests.
func (a *App) Store() *store.Store { return a.store }

// newID returns a UUIDv7: sortable by creation, not enumerable.
func newID() string { return uuid.Must(uuid.NewV7()).String() }

// RequestMeta describes the request behind an operation, for the audit trail.
type RequestMeta struct {
	IP        string
	UserAgent string
	RequestID string
}

type metaKey struct{}

// WithRequestMeta attaches request facts to ctx.
func WithRequestMeta(ctx context.Context, m RequestMeta) context.Context {
	return context.WithValue(ctx, metaKey{}, m)
}

func metaFrom(ctx context.Context) RequestMeta {
	m, _ := ctx.Value(metaKey{}).(RequestMeta)
	return m
}

// record appends an audit event in the caller's transaction, so the record and
// the change commit together.
func (a *App) record(ctx context.Context, q *store.Q, actor *Actor, orgID, action, resType, resID string, changes map[string]any) error {
	m := metaFrom(ctx)
	e := audit.Event{
		ID: newID(), OrganizationID: orgID, Action: action, ResourceType: resType, ResourceID: resID,
		Changes: changes, IP: m.IP, UserAgent: m.UserAgent, RequestID: m.RequestID, CreatedAt: a.now(),
	}
	if actor != nil {
		e.ActorID, e.ActorEmail, e.ImpersonatorID = actor.User.ID, actor.User.Email, actor.ImpersonatorID
		if e.OrganizationID == "" {
			e.OrganizationID = actor.Org.ID
		}
	}
	return q.InsertAuditEvent(ctx, e)
}
