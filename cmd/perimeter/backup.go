package main

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/perimeterhq/perimeter/internal/store"
)

func init() {
	extraCommands = append(extraCommands, newBackupCommand, newRestoreCommand)
}

func newBackupCommand() *cobra.Command {
	var dbURL, out string
	cmd := &cobra.Command{
		Use:   "backup",
		Short: "Copy the SQLite database while the server runs (PostgreSQL: use pg_dump)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if out == "" {
				return errors.New("--out is required")
			}
			v, err := store.BackupSQLite(cmd.Context(), dbURL, out)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "backup written to %s (schema version %d)\n", out, v)
			return nil
		},
	}
	databaseFlag(cmd.Flags(), &dbURL)
	cmd.Flags().StringVar(&out, "out", "", "backup file to create (never overwritten)")
	return cmd
}

func newRestoreCommand() *cobra.Command {
	var dbURL, from string
	var force bool
	cmd := &cobra.Command{
		Use:   "restore",
		Short: "Make a SQLite database a copy of a backup (stop the server first)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if from == "" {
				return errors.New("--from is required")
			}
			v, err := store.RestoreSQLite(cmd.Context(), from, dbURL, force)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "restored %s into %s (schema version %d; serve applies newer migrations at start)\n", from, dbURL, v)
			return nil
		},
	}
	databaseFlag(cmd.Flags(), &dbURL)
	cmd.Flags().StringVar(&from, "from", "", "backup file written by perimeter backup")
	cmd.Flags().BoolVar(&force, "force", false, "replace an existing database")
	return cmd
}
