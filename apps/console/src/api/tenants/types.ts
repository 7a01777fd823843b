/** Known tenant levels; the API may add more, which the console shows as they come. */
export type TenantLevel = 'city' | 'county' | 'district' | (string & {})

export type TenantStatus = 'active' | 'suspended' | (string & {})

/** A tenant as listed publicly (no login) by GET /api/v1/public/tenants. */
export interface PublicTenant {
  /** GB/T 2260 division code, e.g. "410581". */
  code: string
  name: string
  level: TenantLevel
  /** The parent tenant's code; null for the city. */
  parent: string | null
  status: TenantStatus
}

export interface PublicTenantList {
  items: PublicTenant[]
}

/** A tenant as GET /api/v1/tenants shows it to staff. */
export interface Tenant extends PublicTenant {
  /** Codes from the city down, e.g. "410500/410581". */
  path: string
  /** Why the tenant is suspended; absent or "" when active. */
  status_reason?: string
}

export interface TenantList {
  items: Tenant[]
  total: number
}

/** Tenant settings: free-form keys (working-day limits, the department template …). */
export type TenantSettings = Record<string, unknown>

/** GET /api/v1/tenants/{code}: the tenant, its own settings and those merged with its city's. */
export interface TenantDetail extends Tenant {
  settings: TenantSettings
  effective_settings: TenantSettings
}

/** Levels a city may provision below itself. */
export type ChildLevel = 'county' | 'district'

/** Body of POST /api/v1/tenants. */
export interface ProvisionRequest {
  code: string
  name: string
  level: ChildLevel
  /** The city's code. */
  parent: string
  admin: {
    username: string
    display_name: string
  }
}

/** Answer of POST /api/v1/tenants (201). The password is shown once and never again. */
export interface ProvisionResponse {
  tenant: Tenant
  admin: {
    username: string
    one_time_password: string
  }
}

/** One entry of the city's settings.department_template. */
export interface DepartmentTemplateEntry {
  code: string
  name: string
  type: string
  sort: number
}
