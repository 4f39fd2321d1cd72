package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/perimeterhq/perimeter/internal/api"
	"github.com/perimeterhq/perimeter/internal/app"
	"github.com/perimeterhq/perimeter/internal/blob"
	"github.com/perimeterhq/perimeter/internal/console"
	"github.com/perimeterhq/perimeter/internal/feed"
	"github.com/perimeterhq/perimeter/internal/jobs"
)

func init() { extraCommands = append(extraCommands, newServeCommand) }

type serveConfig struct {
	out                            io.Writer // where the first-run banner goes (stderr)
	addr, dbURL, logFormat         string
	feedDir, scanExclude, dataDir  string
	nmapPath                       string
	workers, scanWorkers, orgScans int
	noHTTP                         bool
	sessionTTL, shutdown           time.Duration
	heartbeat, staleAfter          time.Duration
	gmpPoll, gmpTimeout            time.Duration // openvas scanners (GMP)
	hooks                          hookFlags     // webhooks, notifications, e-mail (hooks_flags.go)
	ai                             aiFlags       // the vulnerability assistant (ai_flags.go)
	identity                       identityFlags // account e-mail links, SMS (identity_flags.go)
	http                           httpFlags     // TLS, timeouts, rate limits (serve_http.go)
}

func newServeCommand() *cobra.Command {
	var c serveConfig
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the API server and job workers",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			c.out = cmd.ErrOrStderr()
			return serve(ctx, c)
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&c.addr, "addr", envString("PERIMETER_ADDR", ":8080"), "listen address (env PERIMETER_ADDR)")
	databaseFlag(fs, &c.dbURL)
	fs.IntVar(&c.workers, "workers", envInt("PERIMETER_WORKERS", 4), "concurrent background jobs in this process; 0 = none (env PERIMETER_WORKERS)")
	fs.BoolVar(&c.noHTTP, "no-http", envString("PERIMETER_NO_HTTP", "") == "1",
		"a worker node: run background jobs and scans only, serve no HTTP (env PERIMETER_NO_HTTP=1)")
	fs.DurationVar(&c.sessionTTL, "session-ttl", envDuration("PERIMETER_SESSION_TTL", 24*time.Hour), "sign-in session lifetime (env PERIMETER_SESSION_TTL)")
	fs.DurationVar(&c.shutdown, "shutdown-timeout", envDuration("PERIMETER_SHUTDOWN_TIMEOUT", 30*time.Second), "how long in-flight requests and jobs get to finish on shutdown")
	fs.StringVar(&c.dataDir, "data-dir", envString("PERIMETER_DATA_DIR", "data"), "data directory: generated report files under blobs/ (env PERIMETER_DATA_DIR)")
	fs.StringVar(&c.feedDir, "feed-dir", envString("PERIMETER_FEED_DIR", feed.DefaultDir()), "vulnerability feed directory for CVE matching (env PERIMETER_FEED_DIR)")
	fs.StringVar(&c.scanExclude, "scan-exclude", envString("PERIMETER_SCAN_EXCLUDE", app.DefaultScanExclude),
		"hosts no scan may touch, whatever the target says: e.g. the platform's own networks (env PERIMETER_SCAN_EXCLUDE)")
	fs.StringVar(&c.nmapPath, "nmap-path", envString("PERIMETER_NMAP_PATH", ""),
		"the nmap binary nmap scanners run; a scanner's own path must name the same file (env PERIMETER_NMAP_PATH; default: nmap on PATH)")
	fs.DurationVar(&c.gmpPoll, "gmp-poll-interval", envDuration("PERIMETER_GMP_POLL_INTERVAL", 10*time.Second),
		"how often a scan on an openvas scanner asks the Greenbone manager for its progress (env PERIMETER_GMP_POLL_INTERVAL)")
	fs.DurationVar(&c.gmpTimeout, "gmp-timeout", envDuration("PERIMETER_GMP_TIMEOUT", time.Minute),
		"how long one GMP command may take before the manager counts as unreachable (env PERIMETER_GMP_TIMEOUT)")
	fs.IntVar(&c.scanWorkers, "scan-workers", envInt("PERIMETER_SCAN_WORKERS", 2), "scans executing at once in this process (env PERIMETER_SCAN_WORKERS)")
	fs.IntVar(&c.orgScans, "org-scan-limit", envInt("PERIMETER_ORG_SCAN_LIMIT", 2), "scans of one organization executing at once, across nodes (env PERIMETER_ORG_SCAN_LIMIT)")
	fs.DurationVar(&c.heartbeat, "scan-heartbeat", envDuration("PERIMETER_SCAN_HEARTBEAT", 2*time.Second), "how often a running scan saves progress")
	fs.DurationVar(&c.staleAfter, "scan-stale-after", envDuration("PERIMETER_SCAN_STALE_AFTER", time.Minute), "a scan without heartbeat this long lost its worker and is retried")
	addHookFlags(fs, &c.hooks)
	addAIFlags(fs, &c.ai)
	addIdentityFlags(fs, &c.identity)
	addHTTPFlags(fs, &c.http)
	fs.StringVar(&c.logFormat, "log-format", envString("PERIMETER_LOG_FORMAT", "text"), "text or json (env PERIMETER_LOG_FORMAT)")
	return cmd
}

func serve(ctx context.Context, c serveConfig) error {
	log := newLogger(c.out, c.logFormat)
	if c.noHTTP && c.workers <= 0 {
		return errors.New("--no-http needs --workers above 0: a node with neither HTTP nor workers would do nothing")
	}
	if err := app.ValidateScanExclude(c.scanExclude); err != nil {
		return fmt.Errorf("--scan-exclude: %w", err)
	}
	s, err := openStore(ctx, c.dbURL)
	if err != nil {
		return err
	}
	defer s.Close()
	applied, err := s.Migrate(ctx)
	if err != nil {
		return err
	}
	if len(applied) > 0 {
		log.Info("database migrated", "engine", s.Engine(), "applied", len(applied))
	}
	blobs, err := blob.NewDir(filepath.Join(c.dataDir, "blobs"))
	if err != nil {
		return fmt.Errorf("--data-dir: %w", err)
	}
	hooks, err := c.hooks.config(c.dbURL, log)
	if err != nil {
		return err
	}
	aiCfg, err := c.ai.config(log)
	if err != nil {
		return err
	}
	cfg := app.Config{SessionTTL: c.sessionTTL, Version: version, FeedDir: c.feedDir, ScanHeartbeat: c.heartbeat,
		ScanStaleAfter: c.staleAfter, OrgScanConcurrency: c.orgScans, ScanExclude: c.scanExclude, NmapPath: c.nmapPath,
		GMPPollInterval: c.gmpPoll, GMPTimeout: c.gmpTimeout, Blobs: blobs, Hooks: hooks, AI: aiCfg}
	if err := c.identity.apply(&cfg, log); err != nil {
		return err
	}
	a := app.New(s, cfg, log)
	res, email, password, created, err := a.FirstRun(ctx, os.Getenv("PERIMETER_ADMIN_EMAIL"), os.Getenv("PERIMETER_ADMIN_PASSWORD"))
	if err != nil {
		return fmt.Errorf("first-run bootstrap: %w", err)
	}
	if created {
		// Printed once, on the first start of an empty database, so the operator
		// can sign in; the password is not printed when the operator chose it.
		shown := password
		if os.Getenv("PERIMETER_ADMIN_PASSWORD") != "" {
			shown = "(from PERIMETER_ADMIN_PASSWORD)"
		}
		fmt.Fprintf(c.out, "\n  First run: created the platform organization and a superadmin.\n"+
			"    e-mail:   %s\n    password: %s\n    API key:  %s\n  Store them now; they are not shown again.\n\n",
			email, shown, res.APIKey)
	}

	if _, err := a.EnsureConsoleKey(ctx); err != nil {
		return fmt.Errorf("web console key: %w", err)
	}

	var runner *jobs.Runner
	if c.workers > 0 {
		reap := min(15*time.Second, max(c.staleAfter/4, 100*time.Millisecond))
		if runner, err = jobs.Start(ctx, s, a, jobs.Options{Workers: c.workers, ScanWorkers: c.scanWorkers, ReapInterval: reap, WebhookWorkers: c.hooks.workers, Log: log}); err != nil {
			return err
		}
	}
	if c.noHTTP {
		return workOnly(ctx, c, log, runner, s.Engine())
	}
	handler := api.New(a, api.Options{Version: version, Log: log, Ready: s.Ping,
		KeyLimit: limit(c.http.rateKey), UserLimit: limit(c.http.rateUser), Console: console.New()})
	srv, err := c.http.server(handler)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", c.addr)
	if err != nil {
		return err
	}
	log.Info("listening", "addr", ln.Addr().String(), "tls", srv.TLSConfig != nil, "engine", s.Engine(), "workers", c.workers, "version", version)
	errc := make(chan error, 1)
	go func() { errc <- serveOn(srv, ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), c.shutdown)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		log.Warn("http shutdown", "err", err)
	}
	if runner != nil {
		if err := runner.Stop(sctx); err != nil {
			log.Warn("jobs shutdown", "err", err)
		}
	}
	log.Info("stopped")
	return nil
}

// workOnly is a worker node (--no-http): it runs jobs until ctx ends, then
// lets running jobs finish (up to the shutdown timeout); a scan cut short is
// requeued and continued by another node.
func workOnly(ctx context.Context, c serveConfig, log *slog.Logger, runner *jobs.Runner, engine string) error {
	log.Info("worker node: running jobs, no HTTP", "engine", engine, "workers", c.workers, "scan_workers", c.scanWorkers, "version", version)
	<-ctx.Done()
	log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), c.shutdown)
	defer cancel()
	if err := runner.Stop(sctx); err != nil {
		log.Warn("jobs shutdown", "err", err)
	}
	log.Info("stopped")
	return nil
}
