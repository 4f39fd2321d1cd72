package main

import (
	"encoding/json"
	"errors"
	"os"

	"github.com/spf13/cobra"

	"github.com/perimeterhq/perimeter/internal/app"
)

func init() { extraCommands = append(extraCommands, newImportCommand) }

func newImportCommand() *cobra.Command {
	var dbURL, scanID, format, as string
	cmd := &cobra.Command{
		Use:   "import --scan ID --as EMAIL FILE",
		Short: "Import an nmap XML, Nessus (.nessus v2) or OpenVAS/GVM XML report into a new run of a scan",
		Long: `import reads another scanner's report into a new, completed run of a scan, as
POST /v2/scans/{id}/import does: its hosts, services and findings join the scan's findings
lifecycle, exceptions, PCI verdict, reports and webhooks. The whole file is checked first
(malformed XML, or a host outside the scan's target, stores nothing). It acts as the user
--as in their current organization, with that user's role. The format is told from the file
unless --format names it. It prints the run as JSON.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if scanID == "" || as == "" {
				return errors.New("--scan and --as are required")
			}
			f, err := os.Open(args[0])
			if err != nil {
				return err
			}
			defer f.Close()
			s, err := openStore(cmd.Context(), dbURL)
			if err != nil {
				return err
			}
			defer s.Close()
			if _, err := s.Migrate(cmd.Context()); err != nil {
				return err
			}
			a := app.New(s, app.Config{}, nil)
			act, err := a.OperatorActor(cmd.Context(), as)
			if err != nil {
				return err
			}
			res, err := a.ImportResults(cmd.Context(), act, scanID, format, f)
			if err != nil {
				return err
			}
			return json.NewEncoder(cmd.OutOrStdout()).Encode(map[string]any{"run_id": res.Run.ID, "status": res.Run.Status,
				"scanner": res.Report.Scanner, "hosts": res.Report.Hosts, "services": res.Report.Services,
				"findings": res.Report.Findings, "pci_compliant": res.Run.PCICompliant})
		},
	}
	databaseFlag(cmd.Flags(), &dbURL)
	cmd.Flags().StringVar(&scanID, "scan", "", "id of the scan the run belongs to")
	cmd.Flags().StringVar(&as, "as", "", "e-mail of the user the import acts as")
	cmd.Flags().StringVar(&format, "format", "", "nmap, nessus or gvm (default: told from the file)")
	return cmd
}
