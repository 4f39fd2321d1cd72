package agent

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/perimeterhq/perimeter/internal/scanner"
	"github.com/perimeterhq/perimeter/internal/scanner/cve"
)

// Agent is one `perimeter agent` process: it claims runs of its scanner one
// at a time and scans them.
type Agent struct {
	cfg   Config
	c     *client
	log   *slog.Logger
	fence fence
	cve   scanner.CVEMatcher
}

// New checks cfg and loads the vulnerability feed. It returns an error for a
// server URL that is not HTTPS (or loopback), a missing token, or an
// unreadable --ca-file; a feed that does not load is logged and scans run
// without CVE matching, as on the server.
func New(cfg Config) (*Agent, error) {
	cfg = cfg.withDefaults()
	u, err := CheckServerURL(cfg.Server)
	if err != nil {
		return nil, err
	}
	if cfg.Token == "" {
		return nil, errors.New("no scanner token: set PERIMETER_AGENT_TOKEN or give --token-file")
	}
	hc, err := cfg.httpClient()
	if err != nil {
		return nil, err
	}
	a := &Agent{cfg: cfg, log: cfg.Log, fence: newFence(cfg.Networks),
		c: &client{base: u, token: cfg.Token, http: hc, ua: "perimeter-agent/" + cfg.Version}}
	if cfg.FeedDir != "" {
		if db, err := cve.Load(cfg.FeedDir); err != nil {
			a.log.Error("CVE feed not loaded; scans run without CVE matching", "feed_dir", cfg.FeedDir, "err", err)
		} else {
			a.cve = db
		}
	}
	return a, nil
}

// Run claims and scans runs until ctx ends, then returns nil after the
// current run's collected results were sent (the run itself is left to the
// server, which queues it again once the heartbeats stop). It returns
// ErrUnauthorized when the server does not know the token, and a refusal of
// the claim itself (bad --networks) as an error.
func (a *Agent) Run(ctx context.Context) error {
	nets := make([]string, len(a.cfg.Networks))
	for i, p := range a.cfg.Networks {
		nets[i] = p.String()
	}
	req := claimRequest{Version: a.cfg.Version, Networks: nets, Wait: a.cfg.Wait}
	a.log.Info("scanner agent started", "server", a.c.base.Redacted(), "version", a.cfg.Version, "networks", nets)
	b := backoff{base: time.Second, max: a.cfg.MaxBackoff}
	for ctx.Err() == nil {
		cctx, cancel := context.WithTimeout(ctx, time.Duration(a.cfg.Wait)*time.Second+30*time.Second)
		job, err := a.c.claim(cctx, req)
		cancel()
		var fe *forbiddenError
		switch {
		case ctx.Err() != nil:
		case errors.Is(err, ErrUnauthorized):
			return err
		case errors.As(err, &fe):
			d := a.cfg.MaxBackoff
			a.log.Warn("the scanner is inactive; polling again later", "in", d, "err", err)
			_ = sleep(ctx, d)
		case retryable(err):
			d := b.next()
			a.log.Warn("claim failed; retrying", "in", d.Round(time.Millisecond), "err", err)
			_ = sleep(ctx, d)
		case err != nil:
			return fmt.Errorf("claim: %w", err)
		case job != nil:
			b.reset()
			if err := a.runJob(ctx, job); errors.Is(err, ErrUnauthorized) {
				return err
			}
		default:
			b.reset()
		}
	}
	a.log.Info("scanner agent stopped")
	return nil
}
