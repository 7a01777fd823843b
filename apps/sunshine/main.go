// Command sunshine is the one binary of the Sunshine platform (阳光施政平台). The same
// image runs every role: `api`, `worker`, `scheduler`, or `dev` (all three in one
// process with an embedded PostgreSQL, an in-process Redis and demo data).
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"sunshine/pkg/platform/config"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := rootCmd().ExecuteContext(ctx); err != nil {
		var exit exitCode
		if errors.As(err, &exit) {
			os.Exit(int(exit))
		}
		fmt.Fprintln(os.Stderr, "sunshine:", err)
		os.Exit(1)
	}
}

// exitCode lets a command end the process with a specific status (testenv passes
// its child's status through).
type exitCode int

func (e exitCode) Error() string { return fmt.Sprintf("exit status %d", int(e)) }

func rootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:           "sunshine",
		Short:         "Sunshine governance platform (阳光施政平台)",
		Long:          "Sunshine (阳光施政平台): one binary for every role. Configuration comes from the embedded defaults\n(see `sunshine config defaults`) overridden by SUNSHINE_* environment variables, DATABASE_URL and REDIS_URL.",
		SilenceUsage:  true,
		SilenceErrors: true,
		Version:       version,
	}
	root.AddCommand(
		roleCmd("api", "Serve the HTTP API, the staff console and the public portal", roleAPI),
		roleCmd("worker", "Process background tasks (deadline reminders, notifications, scoring)", roleWorker),
		roleCmd("scheduler", "Enqueue periodic tasks (run exactly one replica)", roleScheduler),
		devCmd(),
		migrateCmd(),
		configCmd(),
		tenantsCmd(),
		auditCmd(),
		testenvCmd(),
	)
	root.AddCommand(testenvDBCmds()...)
	return root
}

func loadConfig() (*config.Config, error) {
	return config.Load(nil, nil)
}

func roleCmd(name, short string, r role) *cobra.Command {
	return &cobra.Command{
		Use:   name,
		Short: short,
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := loadConfig()
			if err != nil {
				return err
			}
			return run(cmd.Context(), cfg, []role{r})
		},
	}
}

func devCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "dev",
		Short: "Run api, worker and scheduler in one process with embedded PostgreSQL and Redis and the Anyang demo data",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := config.Load(devLookup, nil)
			if err != nil {
				return err
			}
			return run(cmd.Context(), cfg, []role{roleAPI, roleWorker, roleScheduler})
		},
	}
}

// devLookup defaults SUNSHINE_MODE to dev for `sunshine dev` (an explicit value wins).
func devLookup(name string) (string, bool) {
	v, ok := os.LookupEnv(name)
	if name == "SUNSHINE_MODE" && !ok {
		return "dev", true
	}
	return v, ok
}

func configCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "config", Short: "Show configuration"}
	cmd.AddCommand(&cobra.Command{
		Use:   "defaults",
		Short: "Print the commented defaults file (every key and its environment variable)",
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, err := cmd.OutOrStdout().Write(config.DefaultsYAML)
			return err
		},
	}, &cobra.Command{
		Use:   "check",
		Short: "Validate the configuration from the environment and report problems",
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := loadConfig()
			if err != nil {
				return err
			}
			for _, w := range cfg.Warnings {
				fmt.Fprintln(cmd.ErrOrStderr(), "warning:", w)
			}
			fmt.Fprintln(cmd.OutOrStdout(), "configuration ok (mode", cfg.Mode+", level", cfg.Deployment.Level+")")
			return nil
		},
	})
	return cmd
}
