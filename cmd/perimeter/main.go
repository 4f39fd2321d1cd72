// Command perimeter is the single Perimeter binary: the API server, job workers,
// database tools and the command-line scanner.
package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"
)

func main() {
	if err := newRootCommand().Execute(); err != nil {
		os.Exit(1)
	}
}

// newRootCommand assembles every subcommand; each lives in a file named after it.
func newRootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:           "perimeter",
		Short:         "Perimeter: self-hosted vulnerability scanning platform",
		SilenceUsage:  true,
		SilenceErrors: false,
	}
	root.AddCommand(newVersionCommand())
	for _, extra := range extraCommands {
		root.AddCommand(extra())
	}
	return root
}

// extraCommands lets subcommand files register themselves from init, so adding a
// command never means editing this file.
var extraCommands []func() *cobra.Command

func newVersionCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version",
		Args:  cobra.NoArgs,
		Run: func(cmd *cobra.Command, _ []string) {
			fmt.Fprintln(cmd.OutOrStdout(), "perimeter", version)
		},
	}
}
