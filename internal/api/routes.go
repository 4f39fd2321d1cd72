package api

import (
	"errors"

	"github.com/perimeterhq/perimeter/internal/errs"
)

var (
	errNoRoute = errs.New(errs.NotFound, "No such endpoint")
	errPanic   = errors.New("handler panicked")
)

// routeTable registers every operation of the API, group by group, in the
// order the OpenAPI document has always listed them. Each group lives in the
// routes_<resource>.go file named beside it; handlers live in the file named
// after their resource.
func (a *API) routeTable() {
	a.operationalRoutes()            // below
	a.authRoutes()                   // routes_auth.go
	a.consoleRoutes()                // console_session.go: the web console's session cookie
	a.currentUserRoutes()            // routes_auth.go
	a.organizationRoutes()           // routes_organizations.go
	a.planRoutes()                   // routes_plans.go
	a.userRoutes()                   // routes_users.go
	a.userAdminRoutes()              // routes_users.go
	a.reportRoutes()                 // routes_reports.go
	a.advancedReportRoutes()         // routes_reports.go
	a.whitelabelRoutes()             // routes_organizations.go
	a.exceptionRoutes()              // routes_findings.go
	a.targetRoutes()                 // routes_inventory.go
	a.scanRoutes()                   // routes_scans.go
	a.scanResultRoutes()             // routes_scans.go
	a.scanProfileRoutes()            // routes_inventory.go
	a.scannerRoutes()                // routes_inventory.go
	a.portListRoutes()               // routes_inventory.go
	a.scheduleRoutes()               // routes_inventory.go
	a.vulnerabilityRoutes()          // routes_findings.go
	a.hostRoutes()                   // routes_findings.go
	a.webhookRoutes()                // routes_events.go
	a.notificationRoutes()           // routes_events.go
	a.notificationPreferenceRoutes() // routes_events.go
	a.auditRoutes()                  // routes_events.go
	a.agentRoutes()                  // routes_agent.go
}

// operationalRoutes registers liveness, readiness, metrics and the API documentation; no API key.
func (a *API) operationalRoutes() {
	Handle(a, Op{Method: "GET", Path: "/healthz", Tag: "Operations", Auth: AuthNone,
		Summary: "Liveness"}, a.healthz)
	Handle(a, Op{Method: "GET", Path: "/readyz", Tag: "Operations", Auth: AuthNone,
		Summary: "Readiness (database reachable)"}, a.readyz)
	Handle(a, Op{Method: "GET", Path: "/metrics", Tag: "Operations", Auth: AuthNone, Produces: "text/plain",
		Summary: "Prometheus metrics"}, a.metricsPage)
	Handle(a, Op{Method: "GET", Path: "/openapi.json", Tag: "Operations", Auth: AuthNone,
		Summary: "This OpenAPI document", Produces: "application/json"}, a.openapiDoc)
	Handle(a, Op{Method: "GET", Path: "/docs", Tag: "Operations", Auth: AuthNone, Produces: "text/html",
		Summary: "API documentation (Swagger UI, offline)"}, a.docsPage)
	Handle(a, Op{Method: "GET", Path: "/docs/assets/{file}", Tag: "Operations", Auth: AuthNone,
		Summary: "Documentation assets", Produces: "application/octet-stream"}, a.docsAsset)
}
