/** Body of POST /api/v1/auth/login. */
export interface LoginRequest {
  /** Tenant code (GB/T 2260 division code), e.g. "410581". */
  tenant: string
  username: string
  password: string
}

export interface User {
  id: string
  username: string
  display_name: string
  /** The user's department; null for tenant-wide staff (administrators, auditors). */
  department_id?: string | null
  phone?: string
  must_change_password: boolean
}

export interface TenantRef {
  code: string
  name: string
  level: string
}

/**
 * One role grant. `domain` is the tenant path it applies to; `subtree` extends a city grant to
 * every county below it (supervisors, the leading group, auditors, platform administrators).
 */
export interface Grant {
  role: string
  domain: string
  subtree: boolean
}

/** Answer of POST /api/v1/auth/login; the session itself travels in an HttpOnly cookie. */
export interface LoginResponse {
  /** A bearer token for API clients. The console ignores it and relies on the cookie. */
  token: string
  user: User
  tenant: TenantRef
}

/** Answer of GET /api/v1/me. */
export interface Me {
  user: User
  tenant: TenantRef & {
    /** The tenant path in the tree, e.g. "410500/410581". */
    path: string
    parent?: string | null
    status?: string
  }
  roles: string[]
  /** Absent from older servers; the console treats that as no grants beyond `roles`. */
  grants?: Grant[]
  permissions: string[]
}

/** Body of POST /api/v1/me/password. */
export interface ChangePasswordRequest {
  old_password: string
  new_password: string
}
