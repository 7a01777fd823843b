import { http } from '../http'
import type {
  ProvisionRequest,
  ProvisionResponse,
  PublicTenant,
  PublicTenantList,
  Tenant,
  TenantDetail,
  TenantList,
} from './types'

export * from './types'

/**
 * Every tenant, for the login picker and the portal (public, no session needed). The server lets
 * browsers cache the list briefly; `fresh` bypasses that cache and refreshes it (after a tenant was
 * opened, suspended or resumed, so the login picker of this browser shows the change at once).
 */
export async function listPublicTenants(options: { fresh?: boolean } = {}): Promise<PublicTenant[]> {
  const res = await http.get<PublicTenantList>('/api/v1/public/tenants', {
    skipAuthRedirect: true,
    cache: options.fresh ? 'reload' : undefined,
  })
  return Array.isArray(res?.items) ? res.items : []
}

/** The tenants the signed-in user may read (their own, plus the counties below a city for city-wide roles). */
export async function listTenants(): Promise<Tenant[]> {
  const res = await http.get<TenantList>('/api/v1/tenants')
  return Array.isArray(res?.items) ? res.items : []
}

/** One tenant with its own and its effective (merged with the city's) settings. */
export async function getTenant(code: string): Promise<TenantDetail> {
  const res = await http.get<TenantDetail>(`/api/v1/tenants/${encodeURIComponent(code)}`)
  return { ...res, settings: res.settings ?? {}, effective_settings: res.effective_settings ?? {} }
}

/** Opens a county or district below the caller's city, with its first administrator (platform administrators only). */
export function provisionTenant(body: ProvisionRequest): Promise<ProvisionResponse> {
  return http.post<ProvisionResponse>('/api/v1/tenants', body)
}

/** Suspends a tenant: its staff can no longer sign in and its portal shows a notice. */
export function suspendTenant(code: string, reason: string): Promise<Tenant> {
  return http.post<Tenant>(`/api/v1/tenants/${encodeURIComponent(code)}/suspend`, { reason })
}

export function resumeTenant(code: string): Promise<Tenant> {
  return http.post<Tenant>(`/api/v1/tenants/${encodeURIComponent(code)}/resume`)
}

/** Merges keys into the tenant's own settings; a null value removes the key (the city's value applies again). */
export async function patchTenantSettings(code: string, settings: Record<string, unknown>): Promise<TenantDetail> {
  const res = await http.patch<TenantDetail>(`/api/v1/tenants/${encodeURIComponent(code)}/settings`, { settings })
  return { ...res, settings: res.settings ?? {}, effective_settings: res.effective_settings ?? {} }
}

/** Cities first, then the rest by code: the order the picker shows. */
export function sortTenants<T extends Pick<PublicTenant, 'code' | 'level'>>(list: readonly T[]): T[] {
  return [...list].sort((a, b) => {
    const ac = a.level === 'city' ? 0 : 1
    const bc = b.level === 'city' ? 0 : 1
    return ac - bc || a.code.localeCompare(b.code)
  })
}

/** "林州市 (410581)". */
export function tenantLabel(t: Pick<PublicTenant, 'code' | 'name'>): string {
  return `${t.name} (${t.code})`
}

/** Matches a picker query against the name or the code (case-insensitive, trimmed). */
export function filterTenants<T extends Pick<PublicTenant, 'code' | 'name'>>(list: readonly T[], query: string): T[] {
  const q = query.trim().toLowerCase()
  if (!q) return [...list]
  return list.filter((t) => t.name.toLowerCase().includes(q) || t.code.includes(q))
}

/** Tenants that may be signed in to: "active", or no status given. */
export function isActiveTenant(t: PublicTenant): boolean {
  return !t.status || t.status === 'active'
}

/** The first four digits a county's code shares with its city ("4105" for 410500). */
export function cityPrefix(cityCode: string): string {
  return cityCode.slice(0, 4)
}
