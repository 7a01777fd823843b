import { http } from '../http'
import type {
  Card,
  CardFilter,
  CardPage,
  CaseRef,
  DevClock,
  Notice,
  NoticeFilter,
  NoticeInput,
  Overview,
  OverviewScope,
  TimeTravelResult,
} from './types'

export * from './types'

/** The live stream (server-sent events); the session cookie authenticates it. */
export const STREAM_URL = '/api/v1/supervision/stream'

/** Drops empty filter values (the API treats a present-but-empty parameter as a filter). */
function compact(filter: object): Record<string, string | number> {
  const out: Record<string, string | number> = {}
  for (const [k, v] of Object.entries(filter)) {
    if (v === undefined || v === null) continue
    const s = typeof v === 'string' ? v.trim() : v
    if (s !== '') out[k] = s as string | number
  }
  return out
}

/** A card with its names present (the server resolves them; "" when it has none). */
export function normalizeCard<T extends Partial<Pick<Card, 'tenant_code' | 'department_name'>>>(c: T): T & Pick<Card, 'tenant_code' | 'department_name'> {
  return { ...c, tenant_code: c.tenant_code ?? '', department_name: c.department_name ?? '' }
}

/** One page of cards, newest first: a supervisor's read scope, or a department's own cards. */
export async function listCards(filter: CardFilter = {}): Promise<CardPage> {
  const res = await http.get<CardPage>('/api/v1/supervision/cards', { query: compact(filter) })
  return {
    items: Array.isArray(res?.items) ? res.items.map(normalizeCard) : [],
    total: res?.total ?? 0,
    page: res?.page ?? filter.page ?? 1,
    page_size: res?.page_size ?? filter.page_size ?? 20,
  }
}

export async function getCard(id: string): Promise<Card> {
  return normalizeCard(await http.get<Card>(`/api/v1/supervision/cards/${encodeURIComponent(id)}`))
}

/** The supervised department objects to a card (supervision:reply). */
export async function appealCard(id: string, reason: string): Promise<Card> {
  return normalizeCard(await http.post<Card>(`/api/v1/supervision/cards/${encodeURIComponent(id)}/appeal`, { reason }))
}

/** A supervisor withdraws a card (supervision:act). */
export async function cancelCard(id: string, reason: string): Promise<Card> {
  return normalizeCard(await http.post<Card>(`/api/v1/supervision/cards/${encodeURIComponent(id)}/cancel`, { reason }))
}

/** A supervisor accepts (the card is cancelled) or rejects (it stands) an appeal. */
export async function decideAppeal(id: string, accept: boolean, reason: string): Promise<Card> {
  return normalizeCard(await http.post<Card>(`/api/v1/supervision/cards/${encodeURIComponent(id)}/decide-appeal`, { accept, reason }))
}

const normalizeNotice = (n: Notice): Notice => ({ ...n, department_name: n.department_name ?? '' })

/** Notices newest first, with their region and department name (the API returns up to 500, unpaged). */
export async function listNotices(filter: NoticeFilter = {}): Promise<Notice[]> {
  const res = await http.get<{ items: Notice[] }>('/api/v1/supervision/notices', { query: compact(filter) })
  return Array.isArray(res?.items) ? res.items.map(normalizeNotice) : []
}

export async function sendNotice(body: NoticeInput): Promise<Notice> {
  const payload: NoticeInput = { department_id: body.department_id, text: body.text.trim() }
  if (body.card_id) payload.card_id = body.card_id
  else if (body.case_id) payload.case_id = body.case_id
  if (body.reply_working_days) payload.reply_working_days = body.reply_working_days
  return normalizeNotice(await http.post<Notice>('/api/v1/supervision/notices', payload))
}

export async function replyNotice(id: string, text: string): Promise<Notice> {
  return normalizeNotice(await http.post<Notice>(`/api/v1/supervision/notices/${encodeURIComponent(id)}/reply`, { text: text.trim() }))
}

/** The dashboard's numbers; lists missing from the answer come back empty. */
export async function getOverview(scope: OverviewScope = {}): Promise<Overview> {
  const res = await http.get<Partial<Overview>>('/api/v1/supervision/overview', { query: compact(scope) })
  return {
    tenants: Array.isArray(res?.tenants) ? res.tenants : [],
    departments: Array.isArray(res?.departments) ? res.departments : [],
    by_rule: res?.by_rule ?? {},
    totals: { reminder: 0, yellow: 0, red: 0, appealed: 0, total: 0, ...(res?.totals ?? {}) },
    oldest: Array.isArray(res?.oldest) ? res.oldest.map(normalizeCard) : [],
    trend: Array.isArray(res?.trend) ? res.trend : [],
    case_rungs: { reminder: 0, yellow: 0, red: 0, appealed: 0, total: 0, ...(res?.case_rungs ?? {}) },
    cases: Array.isArray(res?.cases) ? res.cases.map(normalizeCard) : [],
    generated_at: res?.generated_at,
  }
}

/** Cases by tracking number, item or applicant, for sending a notice about a case (case:read). */
export async function searchCases(q: string, tenant?: string): Promise<CaseRef[]> {
  const res = await http.get<{ items: CaseRef[] }>('/api/v1/cases', { query: compact({ q, tenant, page_size: 20 }) })
  return Array.isArray(res?.items) ? res.items : []
}

// ---- Dev mode only -------------------------------------------------------------------------

/**
 * The longest jump the console asks for: the server's own bound (90 days). Sessions run on the wall
 * clock, so a jump of any size leaves the caller signed in.
 */
export const MAX_TIME_TRAVEL_HOURS = 24 * 90

/** Whether a number of hours is a jump the server accepts: a whole number from 1 to 90 days' worth. */
export function validTravelHours(hours: unknown): hours is number {
  return typeof hours === 'number' && Number.isInteger(hours) && hours >= 1 && hours <= MAX_TIME_TRAVEL_HOURS
}

/** The platform clock (dev mode only; supervision:read): now, how far it has travelled, whether it can move. */
export function getDevClock(): Promise<DevClock> {
  return http.get<DevClock>('/api/v1/dev/clock')
}

/**
 * Moves the platform clock forward in one jump and runs the supervision sweep (only a dev-mode
 * server has it). Hours outside 1 … MAX_TIME_TRAVEL_HOURS are refused before anything is sent.
 */
export function timeTravel(hours: number): Promise<TimeTravelResult> {
  if (!validTravelHours(hours)) return Promise.reject(new RangeError(`time travel: hours must be a whole number from 1 to ${MAX_TIME_TRAVEL_HOURS}`))
  return http.post<TimeTravelResult>('/api/v1/dev/time-travel', { hours })
}

/**
 * The platform clock when the server offers time travel, else null — probed with GET, so nothing
 * moves: a production server does not know the route (404), and a clock that cannot move says so.
 */
export async function timeTravelAvailable(): Promise<DevClock | null> {
  try {
    const clock = await getDevClock()
    return clock && clock.movable ? clock : null
  } catch {
    return null
  }
}
