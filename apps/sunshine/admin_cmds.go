package main

import (
	"encoding/json"
	"fmt"

	"github.com/google/uuid"
	"github.com/spf13/cobra"

	"sunshine/pkg/audit"
	"sunshine/pkg/authz"
	"sunshine/pkg/identity"
	"sunshine/pkg/tenancy"
	"sunshine/pkg/tenant"
)

// cliPlatform sets up the database side only (no Redis, no roles) for one-shot
// commands; in dev mode it uses the embedded server like `sunshine dev`.
func cliPlatform(cmd *cobra.Command) (*platform, error) {
	cfg, err := loadConfig()
	if err != nil {
		return nil, err
	}
	return setup(cmd.Context(), cfg, false)
}

func tenantsCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "tenants", Short: "Manage tenants declaratively"}
	var asJSON bool
	apply := &cobra.Command{
		Use:   "apply DIR",
		Short: "Reconcile the database to the tenant manifests in DIR: create what is missing, update what changed, report drift, never delete",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			p, err := cliPlatform(cmd)
			if err != nil {
				return err
			}
			defer p.close()
			ctx := cmd.Context()
			if _, err := authz.SyncRolePermissions(ctx, p.db.Gorm(ctx)); err != nil {
				return err
			}
			reg := tenant.NewRegistry(p.db, 0)
			hasher := identity.NewHasher(p.cfg.Auth.Argon2MemoryKiB, p.cfg.Auth.Argon2Iterations, p.cfg.Auth.Argon2Parallelism)
			svc := tenancy.NewService(p.db, reg, hasher, p.clock, nil)
			rep, err := svc.Apply(ctx, args[0])
			if err != nil {
				return err
			}
			if asJSON {
				return json.NewEncoder(cmd.OutOrStdout()).Encode(rep)
			}
			fmt.Fprint(cmd.OutOrStdout(), rep.String())
			return nil
		},
	}
	apply.Flags().BoolVar(&asJSON, "json", false, "print the report as JSON")
	cmd.AddCommand(apply)
	return cmd
}

func auditCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "audit", Short: "Inspect the audit trail"}
	var code string
	verify := &cobra.Command{
		Use:   "verify",
		Short: "Verify the hash chains of the audit trail; exits non-zero and names the first bad event when one fails",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			p, err := cliPlatform(cmd)
			if err != nil {
				return err
			}
			defer p.close()
			ctx := cmd.Context()
			reg := tenant.NewRegistry(p.db, 0)
			var ids []uuid.UUID
			if code != "" {
				t, err := reg.ByCode(ctx, code)
				if err != nil {
					return err
				}
				ids = []uuid.UUID{t.ID}
			} else {
				all, err := reg.All(ctx)
				if err != nil {
					return err
				}
				ids = tenant.IDs(all)
			}
			rep, err := audit.Verify(ctx, p.db, ids)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			if rep.OK {
				fmt.Fprintf(out, "ok: %d events verified\n", rep.Events)
				return nil
			}
			f := rep.First
			t, _ := reg.ByID(ctx, f.TenantID)
			name := f.TenantID.String()
			if t != nil {
				name = t.Code + " " + t.Name
			}
			fmt.Fprintf(out, "FAILED: tenant %s, event #%d %s %s: %s\n", name, f.Seq, f.ID, f.Action, f.Reason)
			return exitCode(2)
		},
	}
	verify.Flags().StringVar(&code, "tenant", "", "verify only this tenant's chain (division code)")
	cmd.AddCommand(verify)
	return cmd
}
