package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/perimeterhq/perimeter/internal/store"
)

func init() { extraCommands = append(extraCommands, newMigrateCommand) }

func newMigrateCommand() *cobra.Command {
	var dbURL string
	cmd := &cobra.Command{
		Use:   "migrate",
		Short: "Apply database migrations (serve also does this at start)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			s, err := openStore(cmd.Context(), dbURL)
			if err != nil {
				return err
			}
			defer s.Close()
			applied, err := s.Migrate(cmd.Context())
			for _, m := range applied {
				fmt.Fprintln(cmd.OutOrStdout(), "applied", m)
			}
			if err == nil && len(applied) == 0 {
				fmt.Fprintln(cmd.OutOrStdout(), "database is up to date")
			}
			return err
		},
	}
	databaseFlag(cmd.Flags(), &dbURL)
	return cmd
}

func openStore(ctx context.Context, dbURL string) (*store.Store, error) {
	if ctx == nil {
		ctx = context.Background()
	}
	return store.Open(ctx, dbURL)
}
