// Package agent is the client side of the scanner agent protocol (API.md §3):
// the loop a remote `perimeter agent` runs near the assets. It long-polls the
// server for a run of its scanner, scans it with the same engine the server's
// built-in path uses (internal/scanner), streams finished hosts back in
// numbered batches, heartbeats, and finishes the run.
//
// The server holds every rule about runs; the agent only has to be a careful
// client: a batch whose answer was lost is sent again with the same sequence
// (the server rewrites the same rows), a 409 means the attempt is no longer
// this agent's and the scan stops at once, and nothing outside the networks
// the agent was told it may reach is ever contacted.
package agent
