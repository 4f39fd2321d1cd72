package api

// claimDoc describes the agent's long poll.
const claimDoc = "Records the agent's version and heartbeat, then waits up to 25 s for the oldest " +
	"queued run of a scan that names this scanner and moves it to running. 204 when there is " +
	"none. A run whose target lies outside the networks the agent reports fails with the " +
	"reason instead."

// agentRoutes registers the scanner agent protocol (spec §3): remote agents
// authenticate with their scanner token (Authorization: Scanner <token>) and
// no API key.
func (a *API) agentRoutes() {
	Handle(a, Op{Method: "POST", Path: "/v2/agent/jobs/claim", Tag: "Scanner agents",
		Auth: AuthScanner, Description: claimDoc,
		Summary: "Claim the next run of the agent's scanner (long poll)"}, a.claimAgentJob)
	Handle(a, Op{Method: "POST", Path: "/v2/agent/jobs/{id}/progress", Tag: "Scanner agents",
		Auth: AuthScanner, Summary: "Heartbeat and progress of a claimed run; answers whether to " +
			"stop (409: the attempt was superseded, drop the job)"}, a.agentProgress)
	Handle(a, Op{Method: "POST", Path: "/v2/agent/jobs/{id}/results", Tag: "Scanner agents",
		Auth: AuthScanner, Summary: "Store a batch of finished hosts (idempotent per batch; " +
			"409: the attempt was superseded)"}, a.agentResults)
	Handle(a, Op{Method: "POST", Path: "/v2/agent/jobs/{id}/finish", Tag: "Scanner agents",
		Auth: AuthScanner, Summary: "End a claimed run (409: the attempt was superseded)"}, a.agentFinish)
	Handle(a, Op{Method: "POST", Path: "/v2/agent/jobs/{id}/release", Tag: "Scanner agents",
		Auth: AuthScanner, Summary: "Hand a claimed run back on shutdown: queued again at once " +
			"as the next attempt (409: the attempt was superseded)"}, a.agentRelease)
}
