package main

import (
	"fmt"
	"strconv"

	"github.com/spf13/cobra"

	"sunshine/pkg/platform/db/migrate"
	"sunshine/pkg/platform/logging"
)

func migrateCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "migrate",
		Short: "Apply, roll back or list database migrations (runs as the owner: DATABASE_URL)",
	}
	migrator := func() (migrate.Migrator, error) {
		cfg, err := loadConfig()
		if err != nil {
			return migrate.Migrator{}, err
		}
		if cfg.Database.URL == "" {
			return migrate.Migrator{}, fmt.Errorf("config: database.url (SUNSHINE_DATABASE_URL or DATABASE_URL) is required for migrate")
		}
		log := logging.New(cmd.ErrOrStderr(), cfg.Log.Level, cfg.Log.Format, cfg.Dev())
		return migrate.Migrator{OwnerURL: cfg.Database.URL, AppLogin: cfg.Database.AppRole, AppPassword: cfg.Database.AppPassword, Log: log}, nil
	}
	up := &cobra.Command{
		Use: "up", Short: "Create the roles if needed and apply every pending migration", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			m, err := migrator()
			if err != nil {
				return err
			}
			return m.Up(cmd.Context())
		},
	}
	var to string
	down := &cobra.Command{
		Use: "down", Short: "Roll back one migration (or down to --to VERSION; --to 0 rolls back everything)", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			m, err := migrator()
			if err != nil {
				return err
			}
			version := int64(-1)
			if to != "" {
				if version, err = strconv.ParseInt(to, 10, 64); err != nil || version < 0 {
					return fmt.Errorf("--to must be a version number ≥ 0")
				}
			}
			return m.Down(cmd.Context(), version)
		},
	}
	down.Flags().StringVar(&to, "to", "", "target version")
	status := &cobra.Command{
		Use: "status", Short: "List migrations and whether each is applied", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			m, err := migrator()
			if err != nil {
				return err
			}
			list, err := m.Status(cmd.Context())
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			for _, s := range list {
				applied := "pending"
				if s.State == "applied" {
					applied = "applied " + s.AppliedAt.Format("2006-01-02 15:04:05")
				}
				fmt.Fprintf(out, "%05d  %-40s  %s\n", s.Source.Version, s.Source.Path, applied)
			}
			return nil
		},
	}
	cmd.AddCommand(up, down, status)
	return cmd
}
