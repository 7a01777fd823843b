import { http } from '../http'
import type { ChangePasswordRequest, LoginRequest, LoginResponse, Me } from './types'

export * from './types'

/** Signs in; the server sets the session and CSRF cookies. A 401 here means bad credentials, not "go to login". */
export function login(body: LoginRequest): Promise<LoginResponse> {
  return http.post<LoginResponse>('/api/v1/auth/login', body, { skipAuthRedirect: true })
}

export function logout(): Promise<void> {
  return http.post<void>('/api/v1/auth/logout', undefined, { skipAuthRedirect: true })
}

/** The signed-in user, tenant, roles and permissions. */
export function fetchMe(options: { skipAuthRedirect?: boolean } = {}): Promise<Me> {
  return http.get<Me>('/api/v1/me', options)
}

export function changePassword(body: ChangePasswordRequest): Promise<void> {
  return http.post<void>('/api/v1/me/password', body)
}
