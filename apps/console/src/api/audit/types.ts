/** The before/after images and extra data an audit event records (any of them may be absent). */
export interface AuditSummary {
  before?: unknown
  after?: unknown
  data?: unknown
}

/** One entry of a tenant's hash-chained audit trail. */
export interface AuditEvent {
  tenant_code: string
  /** Position in the tenant's chain, from 1. */
  seq: number
  id: string
  /** RFC 3339 time. */
  at: string
  actor_id: string | null
  /** "市平台管理员 (admin)"; "" for the system. */
  actor_name: string
  /** "auth.login", "tenant.provision" … */
  action: string
  object_type: string
  object_id: string
  request_id: string
  ip: string
  summary: AuditSummary | null
}

export interface AuditFilter {
  tenant?: string
  /** An exact action ("user.grant") or a prefix ("auth", "tenant."). */
  action?: string
  /** A user id. */
  actor?: string
  object_type?: string
  object_id?: string
  /** RFC 3339 or YYYY-MM-DD, inclusive. */
  from?: string
  /** RFC 3339 or YYYY-MM-DD, exclusive. */
  to?: string
  page?: number
  page_size?: number
}

export interface AuditPage {
  items: AuditEvent[]
  total: number
  page: number
  page_size: number
}

/** The first event whose hash does not match the chain. */
export interface AuditBadEvent {
  tenant_code: string
  seq: number
  id?: string
  action?: string
  at?: string
  reason: string
}

export interface AuditVerifyResult {
  ok: boolean
  /** Events checked. */
  events: number
  first_bad_event?: AuditBadEvent
}

/** The kinds of security events (GET /api/v1/security-events). */
export const SECURITY_KINDS = ['denied', 'not_found', 'cross_tenant', 'login_failed', 'throttled', 'password_check_failed', 'captcha_failed'] as const
export type SecurityKind = (typeof SECURITY_KINDS)[number]

/** One refused or suspicious request in the security log (not hash-chained; bounded). */
export interface SecurityEvent {
  id: number
  tenant_code: string
  /** RFC 3339 time. */
  at: string
  kind: SecurityKind
  /** The problem code the request was refused with. */
  code: string
  status: number
  user_id: string | null
  /** The signed-in user, or the username a sign-in named (capped at 64 characters). */
  username: string
  ip: string
  user_agent: string
  method: string
  path: string
  request_id: string
  detail: string
}

export interface SecurityFilter {
  tenant?: string
  kind?: SecurityKind | ''
  /** RFC 3339 time or YYYY-MM-DD. */
  since?: string
  page?: number
  page_size?: number
}

export interface SecurityPage {
  items: SecurityEvent[]
  total: number
  page: number
  page_size: number
}
