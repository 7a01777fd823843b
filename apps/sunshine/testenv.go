package main

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/spf13/cobra"

	"sunshine/pkg/platform/embeddedpg"
	"sunshine/pkg/platform/logging"
)

// testenvCmd runs a command with TEST_DATABASE_URL pointing at a throwaway embedded
// PostgreSQL, so that `make test` on a bare machine starts one server for every test
// package instead of one per package. An existing TEST_DATABASE_URL is kept.
func testenvCmd() *cobra.Command {
	return &cobra.Command{
		Use:    "testenv -- COMMAND [ARGS...]",
		Short:  "Run a command against a throwaway embedded PostgreSQL (for make test)",
		Hidden: true,
		Args:   cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			env := os.Environ()
			if os.Getenv("TEST_DATABASE_URL") == "" {
				dir, err := os.MkdirTemp("", "sunshine-testenv-")
				if err != nil {
					return err
				}
				defer os.RemoveAll(dir)
				if err := os.Chmod(dir, 0o755); err != nil {
					return err
				}
				started := time.Now()
				srv, err := embeddedpg.Start(ctx, embeddedpg.Config{DataDir: filepath.Join(dir, "pg"), Port: 0, Logger: logging.Discard()})
				if err != nil {
					return err
				}
				defer srv.Stop(context.Background())
				url := srv.URL("postgres")
				fmt.Fprintf(cmd.ErrOrStderr(), "testenv: embedded PostgreSQL on port %d (%s)\n", srv.Port(), time.Since(started).Round(time.Millisecond))
				env = append(env, "TEST_DATABASE_URL="+url)
			}
			c := exec.CommandContext(ctx, args[0], args[1:]...)
			c.Env, c.Stdin, c.Stdout, c.Stderr = env, os.Stdin, os.Stdout, os.Stderr
			err := c.Run()
			var exit *exec.ExitError
			if errors.As(err, &exit) {
				return exitCode(exit.ExitCode())
			}
			return err
		},
	}
}

// testenvDBCmds create and drop a throwaway database on TEST_DATABASE_URL's server
// (the browser tests run `sunshine dev` against a real server this way).
func testenvDBCmds() []*cobra.Command {
	admin := func() (string, error) {
		u := os.Getenv("TEST_DATABASE_URL")
		if u == "" {
			return "", fmt.Errorf("TEST_DATABASE_URL is not set")
		}
		return u, nil
	}
	create := &cobra.Command{
		Use: "testenv-createdb", Hidden: true, Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			u, err := admin()
			if err != nil {
				return err
			}
			name := fmt.Sprintf("sunshine_e2e_%d", time.Now().UnixNano())
			conn, err := pgx.Connect(cmd.Context(), u)
			if err != nil {
				return err
			}
			defer conn.Close(cmd.Context())
			if _, err := conn.Exec(cmd.Context(), "CREATE DATABASE "+name); err != nil {
				return err
			}
			parsed, err := url.Parse(u)
			if err != nil {
				return err
			}
			parsed.Path = "/" + name
			fmt.Fprintln(cmd.OutOrStdout(), parsed.String())
			return nil
		},
	}
	drop := &cobra.Command{
		Use: "testenv-dropdb URL", Hidden: true, Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			u, err := admin()
			if err != nil {
				return err
			}
			target, err := url.Parse(args[0])
			if err != nil {
				return err
			}
			name := strings.TrimPrefix(target.Path, "/")
			if !strings.HasPrefix(name, "sunshine_e2e_") {
				return fmt.Errorf("refusing to drop %q: not an e2e database", name)
			}
			conn, err := pgx.Connect(cmd.Context(), u)
			if err != nil {
				return err
			}
			defer conn.Close(cmd.Context())
			_, err = conn.Exec(cmd.Context(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
			return err
		},
	}
	return []*cobra.Command{create, drop}
}
