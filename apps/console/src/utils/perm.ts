import { useAuthStore } from '@/stores/auth'

/**
 * What an element or route needs: one permission ("user:manage"), any one of several, or nothing.
 * Permissions are the exact strings GET /api/v1/me returns; there is no wildcard matching here,
 * so the console never shows more than the server grants.
 */
export type PermRequirement = string | readonly string[] | null | undefined

/** Pure check: does this set of granted permissions satisfy the requirement? */
export function checkPerm(granted: ReadonlySet<string> | readonly string[], required: PermRequirement): boolean {
  if (required === null || required === undefined || required === '') return true
  const has = (p: string) => ('has' in granted ? granted.has(p) : granted.includes(p))
  if (typeof required === 'string') return has(required)
  if (required.length === 0) return true
  return required.some(has)
}

/** Does the signed-in user hold the permission? False when nobody is signed in (unless nothing is required). */
export function hasPerm(required: PermRequirement): boolean {
  return useAuthStore().hasPerm(required)
}
