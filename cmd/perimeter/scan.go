package main

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/perimeterhq/perimeter/internal/hostspec"
	"github.com/perimeterhq/perimeter/internal/portspec"
	"github.com/perimeterhq/perimeter/internal/scanner"
	"github.com/perimeterhq/perimeter/internal/scanner/result"
)

func init() { extraCommands = append(extraCommands, newScanCommand) }

// scanFlags are the options of `perimeter scan`.
type scanFlags struct {
	ports, exclude, profile, feedDir, format string
	rate, concurrency, perHost               int
	timeout                                  time.Duration
	noPing, portsOnly                        bool
}

// Output formats.
const (
	formatTable = "table"
	formatJSON  = "json"
	formatJSONL = "jsonl"
)

func newScanCommand() *cobra.Command {
	var f scanFlags
	cmd := &cobra.Command{
		Use:   "scan TARGETS...",
		Short: "Scan hosts for open ports, services and vulnerabilities",
		Long: `Scan hosts for open ports, services and vulnerabilities.

TARGETS are IP addresses, CIDRs (10.0.0.0/24), ranges (10.0.0.1-20) and
hostnames (resolved when the scan starts), separated by spaces or commas.
Excluded addresses are never contacted, also when a hostname resolves to one.

Profiles: ` + strings.Join(scanner.ProfileNames(), ", ") + ` (default "` + scanner.DefaultProfileName + `").
Ports use T:/U: notation, e.g. T:1-1024,8080,U:53,161 (a list without a
prefix is TCP).`,
		Example: `  perimeter scan 192.0.2.10
  perimeter scan 10.0.0.0/24 --exclude 10.0.0.1 --profile Discovery
  perimeter scan example.internal --ports T:1-65535 --format json`,
		Args:         cobra.MinimumNArgs(1),
		SilenceUsage: true,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runScan(cmd, args, f)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.ports, "ports", "", "ports to scan, e.g. T:1-1024,8080,U:53,161 (default: the profile's)")
	fl.StringVar(&f.exclude, "exclude", "", "hosts never to contact (addresses, CIDRs, ranges, hostnames)")
	fl.StringVar(&f.profile, "profile", scanner.DefaultProfileName, "scan profile: "+strings.Join(scanner.ProfileNames(), ", "))
	fl.StringVar(&f.feedDir, "feed-dir", defaultFeedDir(), "vulnerability feed directory (nvd/*.json, kev.json, epss.csv)")
	fl.StringVar(&f.format, "format", formatTable, "output format: table, json or jsonl (one event per line)")
	fl.IntVar(&f.rate, "rate", 0, "most probes per second across the scan (default: the profile's, unlimited for the built-ins)")
	fl.IntVar(&f.concurrency, "concurrency", 0, "most sockets in flight across the scan (default: the profile's)")
	fl.IntVar(&f.perHost, "per-host", 0, "most concurrent connections to one host (default: the profile's)")
	fl.DurationVar(&f.timeout, "timeout", 0, "longest wait for one probe's answer, e.g. 500ms (default: adaptive, per the profile)")
	fl.BoolVar(&f.noPing, "no-ping", false, "skip host discovery: treat every host as up")
	fl.BoolVar(&f.portsOnly, "ports-only", false, "only find open ports: no service detection, checks or CVE matching")
	return cmd
}

// defaultFeedDir is $PERIMETER_DATA_DIR/feeds, or ./data/feeds.
func defaultFeedDir() string {
	if dir := os.Getenv("PERIMETER_DATA_DIR"); dir != "" {
		return filepath.Join(dir, "feeds")
	}
	return filepath.Join("data", "feeds")
}

// scanOptions turns the command line into engine options, reporting every
// invalid input at once.
func scanOptions(args []string, f scanFlags) (scanner.Options, error) {
	opts := scanner.Options{
		Hosts:       strings.Join(args, ","),
		Exclude:     f.exclude,
		Rate:        f.rate,
		Concurrency: f.concurrency,
		PerHost:     f.perHost,
		Timeout:     f.timeout,
		NoPing:      f.noPing,
		FeedDir:     f.feedDir,
	}
	var errs []error
	switch f.format {
	case formatTable, formatJSON, formatJSONL:
	default:
		errs = append(errs, fmt.Errorf("--format %q: want table, json or jsonl", f.format))
	}
	prof, ok := scanner.ProfileByName(f.profile)
	if !ok {
		errs = append(errs, fmt.Errorf("--profile %q: unknown profile (have: %s)", f.profile, strings.Join(scanner.ProfileNames(), ", ")))
	}
	opts.Profile = prof
	if f.ports != "" {
		ports, err := portspec.Parse(f.ports)
		if err != nil {
			errs = append(errs, fmt.Errorf("--ports: %w", err))
		}
		opts.Ports = ports
	}
	if _, err := hostspec.Parse(opts.Hosts, opts.Exclude); err != nil {
		errs = append(errs, err)
	}
	if f.portsOnly {
		off := false
		opts.ServiceDetection, opts.Checks, opts.CVE = &off, &off, &off
	}
	if len(errs) > 0 {
		return opts, errors.Join(errs...)
	}
	if err := opts.Validate(); err != nil {
		return opts, err
	}
	return opts, nil
}

func runScan(cmd *cobra.Command, args []string, f scanFlags) error {
	opts, err := scanOptions(args, f)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	out := newScanOutput(f.format, cmd.OutOrStdout(), cmd.ErrOrStderr())
	bar := progressBar(cmd, f.format)
	events := make(chan result.Event, 256)
	consumed := make(chan error, 1)
	go func() {
		var werr error
		for ev := range events {
			if ev.Kind == result.EventProgress && bar != nil {
				_ = bar.Set(int(ev.Progress))
			}
			if werr == nil {
				werr = out.event(ev)
			}
		}
		consumed <- werr
	}()
	stats, runErr := scanner.Run(ctx, opts, events)
	close(events)
	werr := <-consumed
	if bar != nil {
		_ = bar.Finish()
	}
	if runErr != nil && ctx.Err() == nil {
		return runErr
	}
	if err := out.finish(stats); err != nil {
		return err
	}
	if werr != nil {
		return werr
	}
	if runErr != nil {
		return fmt.Errorf("scan interrupted: %w (partial results above)", runErr)
	}
	return nil
}

// progressBar draws on stderr, and only when stderr is a terminal: a bar in
// a log file or a pipe is noise.
func progressBar(cmd *cobra.Command, format string) *progressbar.ProgressBar {
	w, ok := cmd.ErrOrStderr().(*os.File)
	if !ok || !term.IsTerminal(int(w.Fd())) || format == formatJSONL {
		return nil
	}
	return progressbar.NewOptions(100,
		progressbar.OptionSetWriter(w),
		progressbar.OptionSetDescription("scanning"),
		progressbar.OptionClearOnFinish(),
		progressbar.OptionSetPredictTime(true),
		progressbar.OptionThrottle(100*time.Millisecond),
	)
}

// scanOutput writes the scan in one format: jsonl streams every event; json
// and table collect finished hosts and write them at the end. Non-fatal
// errors go to stderr, except in jsonl where they are events like the rest.
type scanOutput struct {
	format      string
	out, errOut io.Writer
	enc         *json.Encoder
	hosts       []*result.Host
	warnings    int
}

// maxWarnings caps the non-fatal errors printed to stderr: a host whose
// services do not answer the checks can produce dozens.
const maxWarnings = 10

func newScanOutput(format string, out, errOut io.Writer) *scanOutput {
	return &scanOutput{format: format, out: out, errOut: errOut, enc: json.NewEncoder(out)}
}

func (o *scanOutput) event(ev result.Event) error {
	if o.format == formatJSONL {
		return o.enc.Encode(ev)
	}
	switch ev.Kind {
	case result.EventHostDone:
		o.hosts = append(o.hosts, ev.Host)
	case result.EventError:
		if o.warnings++; o.warnings <= maxWarnings {
			fmt.Fprintf(o.errOut, "warning: %s\n", ev.Err)
		}
	}
	return nil
}

func (o *scanOutput) finish(stats result.Stats) error {
	if o.warnings > maxWarnings {
		fmt.Fprintf(o.errOut, "warning: %d more non-fatal errors not shown (--format jsonl lists every one)\n", o.warnings-maxWarnings)
	}
	slices.SortFunc(o.hosts, func(a, b *result.Host) int { return a.IP.Compare(b.IP) })
	switch o.format {
	case formatJSON:
		return o.enc.Encode(jsonDocument(o.hosts, stats))
	case formatTable:
		return writeTable(o.out, o.hosts, stats)
	}
	return nil
}

// The --format json document: exactly these fields, whatever the engine's
// types grow.
type (
	scanDoc struct {
		Hosts []hostDoc    `json:"hosts"`
		Stats result.Stats `json:"stats"`
	}
	hostDoc struct {
		IP        string       `json:"ip"`
		Hostnames []string     `json:"hostnames"`
		Status    string       `json:"status"`
		Ports     []portDoc    `json:"ports"`
		Findings  []findingDoc `json:"findings"`
	}
	portDoc struct {
		Port     int      `json:"port"`
		Protocol string   `json:"protocol"`
		State    string   `json:"state"`
		Service  string   `json:"service"`
		Product  string   `json:"product"`
		Version  string   `json:"version"`
		CPE      []string `json:"cpe"`
		Banner   string   `json:"banner"`
	}
	findingDoc struct {
		CheckID     string   `json:"check_id"`
		Title       string   `json:"title"`
		Severity    string   `json:"severity"`
		CVSSScore   float64  `json:"cvss_score"`
		CVSSVector  string   `json:"cvss_vector"`
		CVEs        []string `json:"cves"`
		Port        int      `json:"port"`
		Protocol    string   `json:"protocol"`
		Confidence  int      `json:"confidence"`
		Evidence    string   `json:"evidence"`
		Solution    string   `json:"solution"`
		PCIFail     bool     `json:"pci_fail"`
		PCIAutoFail bool     `json:"pci_auto_fail"`
	}
)

func jsonDocument(hosts []*result.Host, stats result.Stats) scanDoc {
	doc := scanDoc{Hosts: []hostDoc{}, Stats: stats}
	for _, h := range hosts {
		hd := hostDoc{IP: h.IP.String(), Hostnames: orEmpty(h.Hostnames), Status: h.Status, Ports: []portDoc{}, Findings: []findingDoc{}}
		for _, p := range h.Ports {
			hd.Ports = append(hd.Ports, portDoc{p.Port, p.Protocol, p.State, p.Service, p.Product, p.Version, orEmpty(p.CPE), p.Banner})
		}
		for _, f := range h.Findings {
			hd.Findings = append(hd.Findings, findingDoc{f.CheckID, f.Title, f.Severity, f.CVSSScore, f.CVSSVector, orEmpty(f.CVEs),
				f.Port, f.Protocol, f.Confidence, f.Evidence, f.Solution, f.PCIFail, f.PCIAutoFail})
		}
		doc.Hosts = append(doc.Hosts, hd)
	}
	return doc
}

func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// writeTable prints hosts that are up with their ports and findings (most
// severe first), then a summary line.
func writeTable(w io.Writer, hosts []*result.Host, stats result.Stats) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	down := 0
	for _, h := range hosts {
		if h.Status != result.HostUp {
			down++
			continue
		}
		name := h.IP.String()
		if len(h.Hostnames) > 0 {
			name += " (" + strings.Join(h.Hostnames, ", ") + ")"
		}
		fmt.Fprintf(tw, "%s\tup\t%s\n", name, h.Reason)
		if len(h.Ports) == 0 {
			fmt.Fprintln(tw, "  no open ports")
		} else {
			fmt.Fprintln(tw, "  PORT\tSTATE\tSERVICE\tPRODUCT\tVERSION")
		}
		for _, p := range h.Ports {
			fmt.Fprintf(tw, "  %d/%s\t%s\t%s\t%s\t%s\n", p.Port, p.Protocol, p.State, dash(p.Service), dash(p.Product), dash(p.Version))
		}
		if len(h.Findings) > 0 {
			fmt.Fprintln(tw, "  SEVERITY\tSCORE\tPORT\tCHECK\tTITLE")
		}
		findings := slices.Clone(h.Findings)
		slices.SortStableFunc(findings, func(a, b result.Finding) int {
			return cmp.Or(cmp.Compare(b.CVSSScore, a.CVSSScore), cmp.Compare(a.Port, b.Port))
		})
		for _, f := range findings {
			port := "host"
			if f.Port != 0 {
				port = strconv.Itoa(f.Port) + "/" + f.Protocol
			}
			fmt.Fprintf(tw, "  %s\t%.1f\t%s\t%s\t%s\n", f.Severity, f.CVSSScore, port, f.CheckID, f.Title)
		}
		fmt.Fprintln(tw)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	var sev []string
	for _, s := range []string{result.SeverityCritical, result.SeverityHigh, result.SeverityMedium, result.SeverityLow, result.SeverityInfo} {
		if n := stats.BySeverity[s]; n > 0 {
			sev = append(sev, fmt.Sprintf("%d %s", n, s))
		}
	}
	summary := fmt.Sprintf("%d hosts scanned (%d up, %d down) in %s: %d open ports, %d findings",
		stats.HostsTotal, stats.HostsUp, down, stats.Duration.Round(time.Millisecond), stats.PortsOpen, stats.Findings)
	if len(sev) > 0 {
		summary += " (" + strings.Join(sev, ", ") + ")"
	}
	_, err := fmt.Fprintln(w, summary)
	return err
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
