package agent

import (
	"context"
	"time"

	"github.com/perimeterhq/perimeter/internal/scanner/result"
)

// batch is the body of one results call: finished hosts, numbered. A batch
// keeps its number when it is sent again after a lost answer.
type batch struct {
	Attempt int           `json:"attempt"`
	Seq     int           `json:"seq"`
	Hosts   []result.Host `json:"hosts"`
	Down    []string      `json:"down"`
}

func (b *batch) size() int { return len(b.Hosts) + len(b.Down) }

// add puts a finished host in the batch: up hosts whole, down ones by address.
func (b *batch) add(h *result.Host) {
	if h.Status != result.HostUp {
		b.Down = append(b.Down, h.IP.String())
		return
	}
	b.Hosts = append(b.Hosts, *h)
}

// resultsCallTimeout bounds one try of a results call: a batch of 256 hosts
// with their findings is a few MB at most.
const resultsCallTimeout = 60 * time.Second

// upload sends the batches in order, each until the server has it (retrying
// transient failures with the same sequence number). On the first failure
// that retrying cannot fix it calls fail and discards the rest; it returns
// that failure once batches is closed.
func (a *Agent) upload(ctx context.Context, jobID string, batches <-chan *batch, fail func(error)) error {
	var failed error
	for b := range batches {
		if failed != nil {
			continue
		}
		err := a.retry(ctx, "results", func(ctx context.Context) error {
			cctx, cancel := context.WithTimeout(ctx, resultsCallTimeout)
			defer cancel()
			return a.c.results(cctx, jobID, b)
		})
		if err != nil {
			failed = err
			fail(err)
			continue
		}
		a.log.Debug("results sent", "run_id", jobID, "seq", b.Seq, "hosts", len(b.Hosts), "down", len(b.Down))
	}
	return failed
}
