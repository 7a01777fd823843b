import { http } from '../http'
import type { RoleInfo, RoleList } from './types'

export * from './types'

/** The role catalogue in display order, with what the caller may grant. */
export async function listRoles(): Promise<RoleInfo[]> {
  const res = await http.get<RoleList>('/api/v1/roles')
  return Array.isArray(res?.items) ? res.items : []
}

/** The role's label in the UI language (Chinese unless English is chosen), else its code. */
export function roleInfoLabel(role: Pick<RoleInfo, 'name' | 'label' | 'label_en'>, locale: string): string {
  if (locale === 'en') return role.label_en || role.label || role.name
  return role.label || role.label_en || role.name
}

/**
 * Whether the "covers the counties below" box applies to a role for a user of a tenant at
 * `tenantLevel`: only subtree-capable roles, only at city level.
 */
export function subtreeAllowed(role: Pick<RoleInfo, 'subtree'> | undefined, tenantLevel: string | undefined): boolean {
  return !!role?.subtree && tenantLevel === 'city'
}
