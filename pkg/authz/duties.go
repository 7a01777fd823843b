package authz

import (
	"fmt"
	"strings"
)

// Conflict is a pair of roles one person may not hold together (separation of
// duties): whoever holds both would check its own work.
type Conflict [2]string

// Conflicts is a separation-of-duties policy.
type Conflicts []Conflict

// DefaultConflicts is the default policy (auth.role_conflicts overrides it):
//   - an administrator (tenant or platform) is never its own auditor, nor its own
//     supervisor: it manages the staff and settings both of those watch;
//   - a supervisor never works the cases it supervises (window clerk, case handler,
//     department head).
func DefaultConflicts() Conflicts {
	return Conflicts{
		{TenantAdmin, Auditor},
		{TenantAdmin, Supervisor},
		{PlatformAdmin, Auditor},
		{PlatformAdmin, Supervisor},
		{Supervisor, WindowClerk},
		{Supervisor, CaseHandler},
		{Supervisor, DeptAdmin},
	}
}

// DefaultConflictsSpec is DefaultConflicts written as the configuration writes it.
func DefaultConflictsSpec() string { return DefaultConflicts().String() }

// ParseConflicts reads a policy: comma-separated "role:role" pairs; "none" is the
// empty policy (no separation of duties); "" or "default" is DefaultConflicts.
func ParseConflicts(spec string) (Conflicts, error) {
	spec = strings.TrimSpace(spec)
	switch spec {
	case "", "default":
		return DefaultConflicts(), nil
	case "none":
		return Conflicts{}, nil
	}
	var out Conflicts
	for _, item := range strings.Split(spec, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		a, b, ok := strings.Cut(item, ":")
		a, b = strings.TrimSpace(a), strings.TrimSpace(b)
		if !ok || a == "" || b == "" {
			return nil, fmt.Errorf("%q is not a role:role pair", item)
		}
		for _, r := range []string{a, b} {
			if _, known := Role(r); !known {
				return nil, fmt.Errorf("%q names an unknown role %q", item, r)
			}
		}
		if a == b {
			return nil, fmt.Errorf("%q pairs a role with itself", item)
		}
		out = append(out, Conflict{a, b})
	}
	return out, nil
}

// String writes the policy as ParseConflicts reads it.
func (cs Conflicts) String() string {
	if len(cs) == 0 {
		return "none"
	}
	parts := make([]string, len(cs))
	for i, c := range cs {
		parts[i] = c[0] + ":" + c[1]
	}
	return strings.Join(parts, ",")
}

// Find returns the first conflicting pair among roles (in either order).
func (cs Conflicts) Find(roles []string) (string, string, bool) {
	held := map[string]bool{}
	for _, r := range roles {
		held[r] = true
	}
	for _, c := range cs {
		if held[c[0]] && held[c[1]] {
			return c[0], c[1], true
		}
	}
	return "", "", false
}
