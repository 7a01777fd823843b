import { http } from '../http'
import type { PasswordReset, RoleGrant, StaffUser, StaffUserList, UserCreate, UserCreated, UserQuery, UserUpdate } from './types'

export * from './types'

const userPath = (id: string) => `/api/v1/users/${encodeURIComponent(id)}`

/** Staff accounts of the readable tenants, optionally one tenant and a name search. */
export async function listUsers(query: UserQuery = {}): Promise<StaffUser[]> {
  const q = query.q?.trim()
  const res = await http.get<StaffUserList>('/api/v1/users', { query: { q: q || undefined, tenant: query.tenant || undefined } })
  return Array.isArray(res?.items) ? res.items.map(normalizeUser) : []
}

export async function getUser(id: string): Promise<StaffUser> {
  return normalizeUser(await http.get<StaffUser>(userPath(id)))
}

export async function createUser(body: UserCreate): Promise<UserCreated> {
  const res = await http.post<UserCreated>('/api/v1/users', body)
  return { ...res, user: normalizeUser(res.user) }
}

export async function updateUser(id: string, body: UserUpdate): Promise<StaffUser> {
  return normalizeUser(await http.put<StaffUser>(userPath(id), body))
}

/** Issues a new one-time password; the user must change it at the next sign-in. */
export function resetPassword(id: string): Promise<PasswordReset> {
  return http.post<PasswordReset>(`${userPath(id)}/reset-password`)
}

export async function grantRole(id: string, grant: RoleGrant): Promise<StaffUser> {
  return normalizeUser(await http.post<StaffUser>(`${userPath(id)}/grants`, grant))
}

export async function revokeRole(id: string, role: string): Promise<StaffUser> {
  return normalizeUser(await http.delete<StaffUser>(`${userPath(id)}/grants/${encodeURIComponent(role)}`))
}

/** The PUT body that leaves a user as they are except for `changes`. */
export function userUpdate(u: StaffUser, changes: Partial<UserUpdate> = {}): UserUpdate {
  return {
    display_name: u.display_name,
    department_id: u.department_id ?? null,
    phone: u.phone ?? '',
    email: u.email ?? '',
    status: u.status,
    ...changes,
  }
}

function normalizeUser(u: StaffUser): StaffUser {
  return { ...u, grants: Array.isArray(u.grants) ? u.grants : [], department_id: u.department_id ?? null }
}
