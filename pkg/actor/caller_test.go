package actor_test

import (
	"context"
	"errors"
	"testing"

	"github.com/google/uuid"

	"sunshine/pkg/actor"
	"sunshine/pkg/platform/db"
)

func TestCallerCarriesActorScopeAndReadTenants(t *testing.T) {
	own, child, other := uuid.New(), uuid.New(), uuid.New()
	user := uuid.New()
	c := actor.Caller{Actor: actor.Actor{Kind: actor.KindUser, UserID: user, TenantID: own}, ReadTenants: []uuid.UUID{own, child}}

	ctx := actor.WithCaller(context.Background(), c)
	got, ok := actor.CallerFrom(ctx)
	if !ok || got.UserID != user || len(got.ReadTenants) != 2 {
		t.Fatalf("CallerFrom = %+v, %v", got, ok)
	}
	if a, ok := actor.From(ctx); !ok || a.UserID != user {
		t.Fatalf("From = %+v, %v; the caller's actor must be in the context too", a, ok)
	}
	s, ok := db.ScopeFrom(ctx)
	if !ok || s.Tenant != own || s.User != user || len(s.Read) != 2 {
		t.Fatalf("ScopeFrom = %+v, %v; the caller's scope must be in the context too", s, ok)
	}

	if w := c.WriteScope(); w.Tenant != own || w.User != user || len(w.Read) != 1 || w.Read[0] != own {
		t.Fatalf("WriteScope = %+v, want own tenant only", w)
	}
	if r := c.ReadScope(); r.Tenant != uuid.Nil || len(r.Read) != 2 {
		t.Fatalf("ReadScope = %+v, want both readable tenants and no writer", r)
	}
	if r := c.ReadScopeOf([]uuid.UUID{child, other}); len(r.Read) != 1 || r.Read[0] != child {
		t.Fatalf("ReadScopeOf = %+v, want the unreadable tenant dropped", r)
	}
	if c.MayRead(other) || !c.MayRead(child) {
		t.Fatal("MayRead disagrees with ReadTenants")
	}
}

func TestCallerOfWithoutCaller(t *testing.T) {
	if _, err := actor.CallerOf(context.Background()); !errors.Is(err, actor.ErrNoCaller) {
		t.Fatalf("CallerOf(empty) = %v, want ErrNoCaller", err)
	}
	c := actor.NewCaller(actor.System(uuid.New(), "x"))
	if len(c.ReadTenants) != 1 || c.ReadTenants[0] != c.TenantID {
		t.Fatalf("NewCaller reads %v, want its own tenant", c.ReadTenants)
	}
}

func TestCallerCan(t *testing.T) {
	user := actor.Caller{Actor: actor.Actor{Kind: actor.KindUser}}
	if user.Can("power:draft") {
		t.Fatal("a user caller without Permits may do nothing")
	}
	user.Permits = func(p string) bool { return p == "power:draft" }
	if !user.Can("power:draft") || user.Can("power:review") {
		t.Fatal("Can must ask Permits")
	}
	if !actor.NewCaller(actor.System(uuid.New(), "x")).Can("power:review") {
		t.Fatal("the system caller may do everything")
	}
}
