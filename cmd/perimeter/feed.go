package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/perimeterhq/perimeter/internal/feed"
	"github.com/perimeterhq/perimeter/internal/scanner/cve"
)

func init() { extraCommands = append(extraCommands, newFeedCommand) }

// newFeedCommand is `perimeter feed`: sync and status of the local
// vulnerability feed that CVE matching reads.
func newFeedCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:          "feed",
		Short:        "Manage the local vulnerability feed (NVD CVEs, CISA KEV, FIRST EPSS, Debian security tracker)",
		SilenceUsage: true,
	}
	cmd.AddCommand(newFeedSyncCommand(), newFeedStatusCommand(), newFeedDebianCommand())
	return cmd
}

func newFeedSyncCommand() *cobra.Command {
	var cfg feed.Config
	cmd := &cobra.Command{
		Use:   "sync",
		Short: "Download the feed, or only what changed since the last sync",
		Long: `Download NVD CVE records through the NVD CVE API 2.0 (everything the first
time, then only records modified since the last sync), the CISA KEV catalog
and the FIRST EPSS scores into the feed directory. An interrupted sync resumes
where it stopped. Without an API key NVD allows 5 requests per 30 seconds, so
a first full download takes about 20 minutes; with one, about 2.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if cfg.APIKey == "" {
				cfg.APIKey = os.Getenv("NVD_API_KEY")
			}
			cfg.Log = func(format string, args ...any) {
				fmt.Fprintf(cmd.ErrOrStderr(), format+"\n", args...)
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			res, err := feed.Sync(ctx, cfg)
			printSyncResult(cmd.OutOrStdout(), res)
			return err
		},
	}
	f := cmd.Flags()
	f.StringVar(&cfg.Dir, "feed-dir", feed.DefaultDir(), "feed directory ($PERIMETER_DATA_DIR/feeds when that is set)")
	f.StringVar(&cfg.NVDURL, "nvd-url", feed.DefaultNVDURL, "NVD CVE API 2.0 endpoint")
	f.StringVar(&cfg.KEVURL, "kev-url", feed.DefaultKEVURL, "CISA KEV catalog JSON URL")
	f.StringVar(&cfg.EPSSURL, "epss-url", feed.DefaultEPSSURL, "FIRST EPSS scores CSV (gzip) URL")
	f.StringVar(&cfg.APIKey, "api-key", "", "NVD API key (default $NVD_API_KEY; the variable keeps it out of the process list)")
	f.StringSliceVar(&cfg.Sources, "sources", nil, "sources to sync: nvd, kev, epss (default all)")
	f.BoolVar(&cfg.Full, "full", false, "download all of NVD again instead of the changes since the last sync")
	f.BoolVar(&cfg.AllowHTTP, "allow-http", false, "allow plain http to non-loopback hosts (a local mirror)")
	return cmd
}

func printSyncResult(w io.Writer, res feed.Result) {
	if n := res.NVD; n.Ran {
		kind := "incremental update"
		if n.Full {
			kind = "full download"
		}
		if n.Resumed {
			kind += " (resumed)"
		}
		fmt.Fprintf(w, "nvd: %s, %d pages, %d CVEs", kind, n.Pages, n.CVEs)
		if !n.Through.IsZero() {
			fmt.Fprintf(w, "; mirrored through %s", n.Through.Format(time.RFC3339))
		}
		fmt.Fprintln(w)
	}
	for _, f := range []struct {
		name string
		res  feed.FileResult
	}{{"kev", res.KEV}, {"epss", res.EPSS}} {
		switch {
		case !f.res.Ran:
		case f.res.NotModified:
			fmt.Fprintf(w, "%s: not modified (%s, %d records)\n", f.name, f.res.File, f.res.Records)
		case f.res.File != "":
			fmt.Fprintf(w, "%s: %s, %d records\n", f.name, f.res.File, f.res.Records)
		}
	}
}

// feedStatus is `perimeter feed status --json`.
type feedStatus struct {
	Dir string `json:"dir"`
	NVD struct {
		CVEs           int          `json:"cves"`
		Rejected       int          `json:"rejected"`
		Matchable      int          `json:"matchable"`
		Files          int          `json:"files"`
		NewestModified time.Time    `json:"newest_modified,omitzero"`
		LastSync       time.Time    `json:"last_sync,omitzero"`
		LastFull       time.Time    `json:"last_full,omitzero"`
		Pending        *feed.NVDRun `json:"pending,omitempty"`
	} `json:"nvd"`
	KEV struct {
		Entries        int       `json:"entries"`
		CatalogVersion string    `json:"catalog_version,omitempty"`
		LastSync       time.Time `json:"last_sync,omitzero"`
	} `json:"kev"`
	EPSS struct {
		Scores       int       `json:"scores"`
		ModelVersion string    `json:"model_version,omitempty"`
		ScoreDate    string    `json:"score_date,omitempty"`
		LastSync     time.Time `json:"last_sync,omitzero"`
	} `json:"epss"`
	Debian struct {
		Loaded     bool      `json:"loaded"`
		Packages   int       `json:"packages"`
		CVEs       int       `json:"cves"`
		Kept       int       `json:"kept"`
		LastImport time.Time `json:"last_import,omitzero"`
	} `json:"debian"`
}

func newFeedStatusCommand() *cobra.Command {
	var dir string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Show what the feed holds and when it was last synced",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			st, err := feed.ReadState(dir)
			if err != nil {
				return err
			}
			db, err := cve.Load(dir)
			if err != nil {
				return err
			}
			s := newFeedStatus(dir, st, db.Stats())
			if asJSON {
				enc := json.NewEncoder(cmd.OutOrStdout())
				enc.SetIndent("", "  ")
				return enc.Encode(s)
			}
			printFeedStatus(cmd.OutOrStdout(), s)
			return nil
		},
	}
	cmd.Flags().StringVar(&dir, "feed-dir", feed.DefaultDir(), "feed directory ($PERIMETER_DATA_DIR/feeds when that is set)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

func newFeedStatus(dir string, st feed.State, stats cve.Stats) feedStatus {
	var s feedStatus
	s.Dir = dir
	s.NVD.CVEs, s.NVD.Rejected, s.NVD.Matchable, s.NVD.Files = stats.CVEs, stats.Rejected, stats.Matchable, stats.NVDFiles
	s.NVD.NewestModified, s.NVD.LastSync, s.NVD.LastFull, s.NVD.Pending = stats.NewestModified, st.NVD.LastSync, st.NVD.LastFull, st.NVD.Pending
	s.KEV.Entries, s.KEV.CatalogVersion, s.KEV.LastSync = stats.KEV.Count, stats.KEV.CatalogVersion, st.KEV.LastSync
	s.EPSS.Scores, s.EPSS.ModelVersion, s.EPSS.ScoreDate, s.EPSS.LastSync = stats.EPSS.Count, stats.EPSS.ModelVersion, stats.EPSS.ScoreDate, st.EPSS.LastSync
	s.Debian.Loaded, s.Debian.Packages, s.Debian.CVEs, s.Debian.Kept, s.Debian.LastImport = stats.DebianLoaded, stats.Debian.Packages, stats.Debian.CVEs, stats.Debian.Kept, st.Debian.LastSync
	return s
}

func printFeedStatus(w io.Writer, s feedStatus) {
	fmt.Fprintf(w, "feed directory: %s\n", s.Dir)
	fmt.Fprintf(w, "nvd:  %d CVEs (%d matchable, %d rejected) in %d files", s.NVD.CVEs, s.NVD.Matchable, s.NVD.Rejected, s.NVD.Files)
	if !s.NVD.NewestModified.IsZero() {
		fmt.Fprintf(w, ", newest change %s", s.NVD.NewestModified.Format(time.RFC3339))
	}
	fmt.Fprintf(w, "\n      last sync: %s", when(s.NVD.LastSync))
	if !s.NVD.LastFull.IsZero() {
		fmt.Fprintf(w, " (last full download %s)", s.NVD.LastFull.Format(time.RFC3339))
	}
	fmt.Fprintln(w)
	if p := s.NVD.Pending; p != nil {
		fmt.Fprintf(w, "      interrupted sync: window %d/%d at index %d, %d records saved; `perimeter feed sync` resumes it\n",
			p.Window+1, len(p.Windows), p.NextIndex, p.Fetched)
	}
	fmt.Fprintf(w, "kev:  %d entries", s.KEV.Entries)
	if s.KEV.CatalogVersion != "" {
		fmt.Fprintf(w, ", catalog %s", s.KEV.CatalogVersion)
	}
	fmt.Fprintf(w, "; last sync: %s\n", when(s.KEV.LastSync))
	fmt.Fprintf(w, "epss: %d scores", s.EPSS.Scores)
	if s.EPSS.ScoreDate != "" {
		fmt.Fprintf(w, ", scored %s (model %s)", s.EPSS.ScoreDate, s.EPSS.ModelVersion)
	}
	fmt.Fprintf(w, "; last sync: %s\n", when(s.EPSS.LastSync))
	if s.Debian.Loaded {
		fmt.Fprintf(w, "debian: %d CVEs in %d source packages (%d kept for matching); last import: %s\n",
			s.Debian.CVEs, s.Debian.Packages, s.Debian.Kept, when(s.Debian.LastImport))
	} else {
		fmt.Fprintln(w, "debian: not loaded (`perimeter feed debian FILE` imports the Debian security tracker)")
	}
}

// newFeedDebianCommand is `perimeter feed debian FILE`: import a Debian
// security tracker export from a local file (never downloaded).
func newFeedDebianCommand() *cobra.Command {
	var dir string
	cmd := &cobra.Command{
		Use:   "debian FILE",
		Short: "Import the Debian security tracker JSON from a local file",
		Long: `Validate FILE, a Debian security tracker export (the JSON served at
https://security-tracker.debian.org/tracker/data/json, plain or gzipped), and
copy it into the feed directory as debian.json[.gz]. CVE matching then drops
CVEs that Debian fixed in the package version a service's banner shows
(OpenSSH "Debian-2+deb12u10"), and confirms the others.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			res, err := feed.ImportDebian(dir, args[0], time.Now())
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "debian: %s, %d CVEs (%d bytes)\n", res.File, res.Records, res.Bytes)
			return nil
		},
	}
	cmd.Flags().StringVar(&dir, "feed-dir", feed.DefaultDir(), "feed directory ($PERIMETER_DATA_DIR/feeds when that is set)")
	return cmd
}

func when(t time.Time) string {
	if t.IsZero() {
		return "never"
	}
	return t.Format(time.RFC3339)
}
