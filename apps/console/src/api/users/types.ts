import type { Grant } from '../auth/types'

export type { Grant }

export type UserStatus = 'active' | 'disabled' | (string & {})

/** A staff account as the user administration API shows it. */
export interface StaffUser {
  id: string
  tenant_code: string
  username: string
  display_name: string
  department_id: string | null
  phone: string
  email: string
  status: UserStatus
  must_change_password: boolean
  last_login_at?: string | null
  created_at: string
  grants: Grant[]
}

export interface StaffUserList {
  items: StaffUser[]
}

export interface UserQuery {
  /** Matches the username or the display name. */
  q?: string
  /** A readable tenant's code; empty: every readable tenant. */
  tenant?: string
}

/** A role to grant: `subtree` only for subtree-capable roles at city level. */
export interface RoleGrant {
  role: string
  subtree: boolean
}

/** Body of POST /api/v1/users (the account is created in the caller's own tenant). */
export interface UserCreate {
  username: string
  display_name: string
  department_id: string | null
  phone: string
  email: string
  roles: RoleGrant[]
}

/** Answer of POST /api/v1/users (201). The password is shown once and never again. */
export interface UserCreated {
  user: StaffUser
  one_time_password: string
}

/** Body of PUT /api/v1/users/{id}. */
export interface UserUpdate {
  display_name: string
  department_id: string | null
  phone: string
  email: string
  status: UserStatus
}

export interface PasswordReset {
  one_time_password: string
}
