package main

import (
	"encoding/json"
	"errors"

	"github.com/spf13/cobra"

	"github.com/perimeterhq/perimeter/internal/app"
)

func init() { extraCommands = append(extraCommands, newBootstrapCommand) }

func newBootstrapCommand() *cobra.Command {
	var dbURL, email, password string
	cmd := &cobra.Command{
		Use:   "bootstrap",
		Short: "Create the platform organization, a superadmin and a new API key; print them as JSON",
		Long: `bootstrap creates, if absent, the platform organization, a superadmin user with the
given e-mail and password, and (every time) a new API key of the platform organization.
It prints exactly one JSON object: {"organization_id", "user_id", "api_key"}. Running it
again with the same e-mail prints the same ids and a new API key.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if email == "" {
				return errors.New("--email is required")
			}
			s, err := openStore(cmd.Context(), dbURL)
			if err != nil {
				return err
			}
			defer s.Close()
			if _, err := s.Migrate(cmd.Context()); err != nil {
				return err
			}
			res, err := app.New(s, app.Config{}, nil).Bootstrap(cmd.Context(), email, password)
			if err != nil {
				return err
			}
			return json.NewEncoder(cmd.OutOrStdout()).Encode(res)
		},
	}
	databaseFlag(cmd.Flags(), &dbURL)
	cmd.Flags().StringVar(&email, "email", envString("PERIMETER_ADMIN_EMAIL", ""), "superadmin e-mail (env PERIMETER_ADMIN_EMAIL)")
	cmd.Flags().StringVar(&password, "password", envString("PERIMETER_ADMIN_PASSWORD", ""), "superadmin password, used when the user is created (env PERIMETER_ADMIN_PASSWORD)")
	return cmd
}
