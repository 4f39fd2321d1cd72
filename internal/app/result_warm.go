package app

import (
	"context"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/perimeterhq/perimeter/internal/listing"
	"github.com/perimeterhq/perimeter/internal/store"
)

// WarmAggregatesArgs recomputes an organization's dashboard aggregates after
// its results changed in bulk (a run ended, a report was imported), so the
// first dashboard after a scan of a large organization reads stored values
// instead of waiting for a scan of every finding.
type WarmAggregatesArgs struct {
	OrganizationID string `json:"organization_id"`
}

// Kind implements river.JobArgs.
func (WarmAggregatesArgs) Kind() string { return "results.warm_aggregates" }

// warmAggregatesLater enqueues WarmAggregatesArgs in q's transaction, once per
// organization while one waits or runs.
func warmAggregatesLater(ctx context.Context, q *store.Q, orgID string) error {
	return q.EnqueueJob(ctx, WarmAggregatesArgs{OrganizationID: orgID}, &river.InsertOpts{MaxAttempts: 3,
		UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: []rivertype.JobState{rivertype.JobStateAvailable,
			rivertype.JobStatePending, rivertype.JobStateRunning, rivertype.JobStateScheduled, rivertype.JobStateRetryable}}})
}

// Dashboard aggregates WarmAggregates computes: the API's defaults and what
// the console's dashboard asks for (internal/console/web/assets/dashboard.js:
// totals over its trend periods, top 8, the PCI verdict with one failing
// finding).
var (
	warmPeriods    = []string{"7d", "14d", DefaultPeriod, "60d", "90d"}
	warmTopLimits  = []int{TopLimit.Default, 8}
	warmPCILimits  = []int{PCIFailingLimit.Default, 1}
	warmHostLimits = []int{RiskyHostsLimit.Default}
)

// WarmAggregates computes an organization's dashboard aggregates afresh and
// stores the slow ones (see cached), for every node to answer from.
func (a *App) WarmAggregates(ctx context.Context, orgID string) error {
	ctx = context.WithValue(ctx, recomputeKey{}, true)
	now := a.now().Truncate(time.Minute)
	for _, p := range warmPeriods {
		from, _, err := listing.ParseRelative(p, now)
		if err != nil {
			return err
		}
		if _, _, err := a.totals(ctx, orgID, p, from); err != nil {
			return err
		}
	}
	for _, l := range warmTopLimits {
		if _, _, err := a.top(ctx, orgID, l); err != nil {
			return err
		}
	}
	runs, err := a.store.R().LatestCompletedRuns(ctx, orgID)
	if err != nil {
		return err
	}
	ids := make([]string, len(runs))
	for i, r := range runs {
		ids[i] = r.RunID
	}
	for _, l := range warmPCILimits {
		if _, _, err := a.pciFailures(ctx, orgID, ids, l); err != nil {
			return err
		}
	}
	for _, l := range warmHostLimits {
		if _, _, err := a.riskyHosts(ctx, orgID, l); err != nil {
			return err
		}
	}
	return nil
}
