import { ApiError, http } from '../http'
import type {
  Card,
  CardFilter,
  CardPage,
  CaseRef,
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

/** One page of cards, newest first: a supervisor's read scope, or a department's own cards. */
export async function listCards(filter: CardFilter = {}): Promise<CardPage> {
  const res = await http.get<CardPage>('/api/v1/supervision/cards', { query: compact(filter) })
  return {
    items: Array.isArray(res?.items) ? res.items : [],
    total: res?.total ?? 0,
    page: res?.page ?? filter.page ?? 1,
    page_size: res?.page_size ?? filter.page_size ?? 20,
  }
}

export function getCard(id: string): Promise<Card> {
  return http.get<Card>(`/api/v1/supervision/cards/${encodeURIComponent(id)}`)
}

/** The supervised department objects to a card (supervision:reply). */
export function appealCard(id: string, reason: string): Promise<Card> {
  return http.post<Card>(`/api/v1/supervision/cards/${encodeURIComponent(id)}/appeal`, { reason })
}

/** A supervisor withdraws a card (supervision:act). */
export function cancelCard(id: string, reason: string): Promise<Card> {
  return http.post<Card>(`/api/v1/supervision/cards/${encodeURIComponent(id)}/cancel`, { reason })
}

/** A supervisor accepts (the card is cancelled) or rejects (it stands) an appeal. */
export function decideAppeal(id: string, accept: boolean, reason: string): Promise<Card> {
  return http.post<Card>(`/api/v1/supervision/cards/${encodeURIComponent(id)}/decide-appeal`, { accept, reason })
}

/** Notices newest first (the API returns up to 500, unpaged). */
export async function listNotices(filter: NoticeFilter = {}): Promise<Notice[]> {
  const res = await http.get<{ items: Notice[] }>('/api/v1/supervision/notices', { query: compact(filter) })
  return Array.isArray(res?.items) ? res.items : []
}

export function sendNotice(body: NoticeInput): Promise<Notice> {
  const payload: NoticeInput = { department_id: body.department_id, text: body.text.trim() }
  if (body.card_id) payload.card_id = body.card_id
  else if (body.case_id) payload.case_id = body.case_id
  if (body.reply_working_days) payload.reply_working_days = body.reply_working_days
  return http.post<Notice>('/api/v1/supervision/notices', payload)
}

export function replyNotice(id: string, text: string): Promise<Notice> {
  return http.post<Notice>(`/api/v1/supervision/notices/${encodeURIComponent(id)}/reply`, { text: text.trim() })
}

/** The dashboard's numbers; lists missing from the answer come back empty. */
export async function getOverview(scope: OverviewScope = {}): Promise<Overview> {
  const res = await http.get<Partial<Overview>>('/api/v1/supervision/overview', { query: compact(scope) })
  return {
    tenants: Array.isArray(res?.tenants) ? res.tenants : [],
    departments: Array.isArray(res?.departments) ? res.departments : [],
    by_rule: res?.by_rule ?? {},
    totals: { reminder: 0, yellow: 0, red: 0, appealed: 0, total: 0, ...(res?.totals ?? {}) },
    oldest: Array.isArray(res?.oldest) ? res.oldest : [],
    trend: Array.isArray(res?.trend) ? res.trend : [],
    generated_at: res?.generated_at,
  }
}

/** Cases by tracking number, item or applicant, for sending a notice about a case (case:read). */
export async function searchCases(q: string, tenant?: string): Promise<CaseRef[]> {
  const res = await http.get<{ items: CaseRef[] }>('/api/v1/cases', { query: compact({ q, tenant, page_size: 20 }) })
  return Array.isArray(res?.items) ? res.items : []
}

// ---- Dev mode only -------------------------------------------------------------------------

/** The longest single jump: a browser session lives 12 hours on the platform clock (sliding). */
export const TIME_TRAVEL_STEP_HOURS = 11

/** Moves the platform clock forward and runs the supervision sweep (only a dev-mode server has it). */
export function timeTravel(hours: number): Promise<TimeTravelResult> {
  return http.post<TimeTravelResult>('/api/v1/dev/time-travel', { hours })
}

/**
 * Whether the server offers time travel, without moving the clock: a dev server refuses zero hours
 * as invalid (422), any other server does not know the route.
 */
export async function timeTravelAvailable(): Promise<boolean> {
  try {
    await timeTravel(0)
    return true
  } catch (e) {
    return e instanceof ApiError && e.status === 422
  }
}

/**
 * Travels in jumps of at most TIME_TRAVEL_STEP_HOURS so the caller's session (12 hours, sliding on
 * the platform clock) stays alive: every jump is itself a request that renews it.
 */
export async function timeTravelInSteps(
  hours: number,
  onStep?: (done: number, result: TimeTravelResult) => void,
): Promise<TimeTravelResult | null> {
  let left = Math.floor(hours)
  let done = 0
  let last: TimeTravelResult | null = null
  while (left > 0) {
    const step = Math.min(left, TIME_TRAVEL_STEP_HOURS)
    last = await timeTravel(step)
    left -= step
    done += step
    onStep?.(done, last)
  }
  return last
}
