import { http } from '../http'
import type { AuditFilter, AuditPage, AuditVerifyResult, SecurityFilter, SecurityPage } from './types'

export * from './types'

/** One page of audit events, newest first. Empty filter values are not sent. */
export async function listAuditEvents(filter: AuditFilter = {}): Promise<AuditPage> {
  const query: Record<string, string | number | undefined> = {}
  for (const [k, v] of Object.entries(filter)) {
    if (v === undefined || v === null) continue
    const s = typeof v === 'string' ? v.trim() : v
    if (s !== '') query[k] = s
  }
  const res = await http.get<AuditPage>('/api/v1/audit/events', { query })
  return {
    items: Array.isArray(res?.items) ? res.items : [],
    total: res?.total ?? 0,
    page: res?.page ?? filter.page ?? 1,
    page_size: res?.page_size ?? filter.page_size ?? 20,
  }
}

/** One page of the security log, newest first. Empty filter values are not sent. */
export async function listSecurityEvents(filter: SecurityFilter = {}): Promise<SecurityPage> {
  const query: Record<string, string | number | undefined> = {}
  for (const [k, v] of Object.entries(filter)) {
    if (v === undefined || v === null) continue
    const s = typeof v === 'string' ? v.trim() : v
    if (s !== '') query[k] = s
  }
  const res = await http.get<SecurityPage>('/api/v1/security-events', { query })
  return {
    items: Array.isArray(res?.items) ? res.items : [],
    total: res?.total ?? 0,
    page: res?.page ?? filter.page ?? 1,
    page_size: res?.page_size ?? filter.page_size ?? 20,
  }
}

/** Recomputes the hash chains of the readable tenants (or one) and reports the first break. */
export function verifyAudit(tenant?: string): Promise<AuditVerifyResult> {
  return http.get<AuditVerifyResult>('/api/v1/audit/verify', { query: { tenant: tenant || undefined } })
}

/**
 * The from/to query values for a day range picked in local time: from the first day's midnight to
 * the midnight after the last day (the API's `to` is exclusive). Days are "YYYY-MM-DD".
 */
export function dayRange(range: readonly [string, string] | null | undefined): { from?: string; to?: string } {
  if (!range || !range[0] || !range[1]) return {}
  const start = localMidnight(range[0])
  const end = localMidnight(range[1])
  if (!start || !end) return {}
  end.setDate(end.getDate() + 1)
  return { from: start.toISOString(), to: end.toISOString() }
}

function localMidnight(day: string): Date | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day)
  if (!m) return null
  return new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]))
}
