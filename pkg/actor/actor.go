// Package actor carries who is acting — a signed-in user, a citizen on the portal,
// or the system itself — through the context, from the transport (which resolves it
// once from the verified session) to the services and the audit trail.
package actor

import (
	"context"

	"github.com/google/uuid"
)

// Kind distinguishes the actors the audit trail records.
type Kind string

const (
	// KindUser is a signed-in staff member.
	KindUser Kind = "user"
	// KindPublic is a member of the public on a portal (no account).
	KindPublic Kind = "public"
	// KindSystem is the platform itself: jobs, migrations, manifests.
	KindSystem Kind = "system"
)

// Actor is who performs an action.
type Actor struct {
	Kind        Kind
	UserID      uuid.UUID
	Username    string
	DisplayName string
	// Tenant is the actor's own tenant: writes land here.
	TenantID   uuid.UUID
	TenantCode string
	TenantPath string
	// DepartmentID is the user's department (uuid.Nil when none).
	DepartmentID uuid.UUID
	RequestID    string
	IP           string
}

// Name is how the audit trail names the actor.
func (a Actor) Name() string {
	switch a.Kind {
	case KindUser:
		if a.DisplayName != "" {
			return a.DisplayName + " (" + a.Username + ")"
		}
		return a.Username
	case KindPublic:
		return "public"
	default:
		return "system"
	}
}

// System returns the system actor acting for a tenant.
func System(tenantID uuid.UUID, tenantCode string) Actor {
	return Actor{Kind: KindSystem, TenantID: tenantID, TenantCode: tenantCode}
}

type key struct{}

// With stores the actor in the context.
func With(ctx context.Context, a Actor) context.Context { return context.WithValue(ctx, key{}, a) }

// From returns the context's actor; ok is false when there is none.
func From(ctx context.Context) (Actor, bool) {
	a, ok := ctx.Value(key{}).(Actor)
	return a, ok
}
