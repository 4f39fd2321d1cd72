package main

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/perimeterhq/perimeter/internal/agent"
	"github.com/perimeterhq/perimeter/internal/feed"
)

func init() { extraCommands = append(extraCommands, newAgentCommand) }

// envAgentToken holds the scanner token: an environment variable (or a
// file), never a flag, so it shows in no process list or shell history.
const envAgentToken = "PERIMETER_AGENT_TOKEN"

type agentFlags struct {
	server, tokenFile, networks, feedDir, caFile, version, logFormat string
	heartbeat                                                        time.Duration
}

func newAgentCommand() *cobra.Command {
	var f agentFlags
	cmd := &cobra.Command{
		Use:   "agent --server URL",
		Short: "Run a remote scanner agent: claim the scans of an agent scanner and run them here",
		Long: `Run a remote scanner agent near the assets it scans.

The agent authenticates with the token of a scanner of app_type "agent"
(shown once when the scanner is created), read from PERIMETER_AGENT_TOKEN or
--token-file. It long-polls the server for that scanner's runs, scans them
with the same engine as the server, streams the results back, and finishes
them. It talks HTTPS only (plain http only to this machine), and never
contacts an address outside --networks.`,
		Example: `  PERIMETER_AGENT_TOKEN=pma_… perimeter agent --server https://perimeter.example.com --networks 10.1.0.0/16`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			cfg, err := f.config()
			if err != nil {
				return err
			}
			cfg.Log = newLogger(cmd.ErrOrStderr(), f.logFormat)
			a, err := agent.New(cfg)
			if err != nil {
				return err
			}
			return a.Run(ctx)
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&f.server, "server", envString("PERIMETER_AGENT_SERVER", ""),
		"the Perimeter API's base URL, https://… (plain http only to loopback) (env PERIMETER_AGENT_SERVER)")
	fs.StringVar(&f.tokenFile, "token-file", envString("PERIMETER_AGENT_TOKEN_FILE", ""),
		"file holding the scanner token (default: the token is read from env "+envAgentToken+")")
	fs.StringVar(&f.networks, "networks", envString("PERIMETER_AGENT_NETWORKS", ""),
		"CIDRs this agent may scan, comma-separated; nothing outside them is contacted (env PERIMETER_AGENT_NETWORKS; default: no limit)")
	fs.StringVar(&f.feedDir, "feed-dir", envString("PERIMETER_FEED_DIR", feed.DefaultDir()),
		"vulnerability feed directory for CVE matching, as for serve (env PERIMETER_FEED_DIR)")
	fs.StringVar(&f.caFile, "ca-file", envString("PERIMETER_AGENT_CA_FILE", ""),
		"PEM file of a private CA that signed the server's certificate (env PERIMETER_AGENT_CA_FILE)")
	fs.StringVar(&f.version, "version", version, "the version reported to the server")
	fs.DurationVar(&f.heartbeat, "heartbeat", envDuration("PERIMETER_AGENT_HEARTBEAT", 5*time.Second),
		"how often a running scan reports progress; keep it well below the server's --scan-stale-after")
	fs.StringVar(&f.logFormat, "log-format", envString("PERIMETER_LOG_FORMAT", "text"), "text or json (env PERIMETER_LOG_FORMAT)")
	return cmd
}

// config turns the flags and the environment into the agent's configuration.
func (f agentFlags) config() (agent.Config, error) {
	if strings.TrimSpace(f.server) == "" {
		return agent.Config{}, errors.New("--server is required (the Perimeter API's https:// URL)")
	}
	token := os.Getenv(envAgentToken)
	if f.tokenFile != "" {
		b, err := os.ReadFile(f.tokenFile)
		if err != nil {
			return agent.Config{}, fmt.Errorf("--token-file: %w", err)
		}
		token = strings.TrimSpace(string(b))
	}
	if token == "" {
		return agent.Config{}, errors.New("no scanner token: set " + envAgentToken + " or give --token-file")
	}
	nets, err := parseNetworks(f.networks)
	if err != nil {
		return agent.Config{}, err
	}
	return agent.Config{Server: f.server, Token: token, Version: f.version, Networks: nets, FeedDir: f.feedDir,
		CAFile: f.caFile, Heartbeat: f.heartbeat}, nil
}

// parseNetworks reads --networks: CIDRs or single addresses, comma-separated.
func parseNetworks(s string) ([]netip.Prefix, error) {
	var nets []netip.Prefix
	var bad []string
	for _, tok := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' }) {
		p, err := netip.ParsePrefix(tok)
		if err != nil {
			a, aerr := netip.ParseAddr(tok)
			if aerr != nil {
				bad = append(bad, tok)
				continue
			}
			p = netip.PrefixFrom(a, a.BitLen())
		}
		nets = append(nets, p.Masked())
	}
	if len(bad) > 0 {
		return nil, fmt.Errorf("--networks: not a CIDR: %s", strings.Join(bad, ", "))
	}
	return nets, nil
}
