package httpapi

import "sunshine/pkg/authz"

// register wires every route. Order matters to Fiber: specific routes first, then the
// API catch-all (problem+json 404), then the console with its SPA fallback.
func (s *Server) register() {
	s.public("GET", "/healthz", s.healthz)
	s.public("GET", "/readyz", s.readyz)
	s.public("GET", "/metrics", s.metricsHandler())
	s.public("GET", "/api/openapi.yaml", s.openapi)
	s.app.Use("/api/v1/public", s.publicReads)

	s.registerIdentity()
	s.registerCatalogue()
	s.registerCasework()
	s.registerSupervision()
	s.registerOps()
	s.registerProjects()
	s.registerFiles()

	s.app.All("/api/*", notFoundAPI)
	s.app.Use(s.console)
}

// registerIdentity: tenants, identity, authorization and the audit trail.
func (s *Server) registerIdentity() {
	s.public("POST", "/api/v1/auth/login", s.login)
	s.public("GET", "/api/v1/public/tenants", s.publicTenants)
	s.route("POST", "/api/v1/auth/logout", "", s.logout)
	s.route("GET", "/api/v1/me", "", s.me)
	s.route("POST", "/api/v1/me/password", "", s.changePassword)
	s.route("GET", "/api/v1/roles", authz.UserRead, s.roles)

	s.route("GET", "/api/v1/tenants", authz.TenantRead, s.listTenants)
	s.route("POST", "/api/v1/tenants", authz.TenantManage, s.provisionTenant)
	s.route("GET", "/api/v1/tenants/:code", authz.TenantRead, s.getTenant)
	s.route("POST", "/api/v1/tenants/:code/suspend", authz.TenantManage, s.suspendTenant)
	s.route("POST", "/api/v1/tenants/:code/resume", authz.TenantManage, s.resumeTenant)
	s.route("PATCH", "/api/v1/tenants/:code/settings", authz.SettingsManage, s.patchTenantSettings)

	s.route("GET", "/api/v1/departments", authz.DepartmentRead, s.listDepartments)
	s.route("POST", "/api/v1/departments", authz.DepartmentManage, s.createDepartment)
	s.route("PUT", "/api/v1/departments/:id", authz.DepartmentManage, s.updateDepartment)

	s.route("GET", "/api/v1/users", authz.UserRead, s.listUsers)
	s.route("POST", "/api/v1/users", authz.UserManage, s.createUser)
	s.route("GET", "/api/v1/users/:id", authz.UserRead, s.getUser)
	s.route("PUT", "/api/v1/users/:id", authz.UserManage, s.updateUser)
	s.route("POST", "/api/v1/users/:id/reset-password", authz.UserManage, s.resetPassword)
	s.route("POST", "/api/v1/users/:id/grants", authz.UserManage, s.grantRole)
	s.route("DELETE", "/api/v1/users/:id/grants/:role", authz.UserManage, s.revokeRole)

	s.route("GET", "/api/v1/audit/events", authz.AuditRead, s.listAuditEvents)
	s.route("GET", "/api/v1/audit/verify", authz.AuditRead, s.verifyAudit)
	s.route("GET", "/api/v1/security-events", authz.AuditRead, s.listSecurityEvents)
}
