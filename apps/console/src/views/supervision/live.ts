// Applying live card events to the dashboard between two fetches of the overview. Pure functions:
// the dashboard keeps a LiveState, feeds it each event of the stream, and replaces it with the
// server's numbers whenever a (throttled) re-fetch answers.
import {
  OPEN_STATUSES,
  type Card,
  type CardBase,
  type CardCounts,
  type CardEvent,
  type CardStatus,
  type Overview,
  type OverviewScope,
} from '@/api/supervision'

/** The dashboard's numbers and the last status seen of each card (to turn an update into a delta). */
export interface LiveState {
  overview: Overview
  /** card id → the status the dashboard last counted it with. */
  known: Record<string, CardStatus>
}

/** The oldest list holds this many cards, as the API's. */
export const OLDEST_LIMIT = 10

export const emptyCounts = (): CardCounts => ({ reminder: 0, yellow: 0, red: 0, appealed: 0, total: 0 })

export function emptyOverview(): Overview {
  return { tenants: [], departments: [], by_rule: {}, totals: emptyCounts(), oldest: [], trend: [], case_rungs: emptyCounts(), cases: [] }
}

export const isOpen = (status: string | null | undefined): boolean => OPEN_STATUSES.includes(status as CardStatus)

/** A fresh state from a fetched overview (its oldest cards are known to be open as listed). */
export function liveState(overview: Overview, previous?: LiveState): LiveState {
  const known: Record<string, CardStatus> = { ...(previous?.known ?? {}) }
  for (const c of overview.oldest) known[c.id] = c.status
  return { overview, known }
}

/** Whether an event belongs to the dashboard's scope (a tenant, a department, or everything readable). */
export function inScope(e: CardEvent, scope: OverviewScope): boolean {
  if (scope.tenant && e.tenant_code !== scope.tenant) return false
  if (scope.department && e.card.department_id !== scope.department) return false
  return true
}

/** The day (YYYY-MM-DD) of an instant in China (UTC+8, no daylight saving), as the trend counts it. */
export function chinaDay(iso: string): string {
  const t = Date.parse(iso)
  if (Number.isNaN(t)) return ''
  return new Date(t + 8 * 3600_000).toISOString().slice(0, 10)
}

/**
 * The status a card had before an update the dashboard did not see coming. The transitions are
 * active → appealed → active (rejected) | cancelled (accepted or withdrawn), and either open status
 * → cancelled | resolved, so the card itself tells: it was under appeal when an appeal came after
 * the last decision (or the decision accepted it).
 */
export function inferPreviousStatus(card: CardBase): CardStatus {
  switch (card.status) {
    case 'appealed':
      return 'active'
    case 'active':
      return 'appealed'
    default: {
      if (card.decision === 'accepted') return 'appealed'
      if (!card.appealed_at) return 'active'
      if (!card.decided_at) return 'appealed'
      return Date.parse(card.appealed_at) > Date.parse(card.decided_at) ? 'appealed' : 'active'
    }
  }
}

function addCounts(c: CardCounts, level: string, status: string, n: number): CardCounts {
  const out = { ...c }
  if (level === 'reminder' || level === 'yellow' || level === 'red') out[level] = Math.max(0, out[level] + n)
  if (status === 'appealed') out.appealed = Math.max(0, out.appealed + n)
  out.total = Math.max(0, out.total + n)
  return out
}

/** Applies a delta to counts: remove the card as it was counted, add it as it is now. */
function moveCounts(c: CardCounts, level: string, before: CardStatus | null, after: CardStatus): CardCounts {
  let out = c
  if (before && isOpen(before)) out = addCounts(out, level, before, -1)
  if (isOpen(after)) out = addCounts(out, level, after, +1)
  return out
}

const byCreated = (a: CardBase, b: CardBase) => Date.parse(a.created_at) - Date.parse(b.created_at) || a.id.localeCompare(b.id)

/**
 * A card from the stream with its department's name: the server's when it sent one, else the one
 * the dashboard already has (the card as listed before, or the overview's department counts). No
 * department list is fetched for names.
 */
export function withDepartmentName(card: Card, ov: Pick<Overview, 'departments' | 'oldest'>): Card {
  if (card.department_name || !card.department_id) return card
  const listed = ov.oldest.find((c) => c.id === card.id)?.department_name
  const counted = ov.departments.find((d) => d.department_id === card.department_id)?.name
  const name = listed || counted || ''
  return name ? { ...card, department_name: name } : card
}

/**
 * The state after one event. Events outside the scope or of a tenant the overview does not cover,
 * and repeats of an event already applied, leave it as it is. Counts never go below zero; a
 * department the overview did not list yet is added under the card's department name.
 */
export function applyCardEvent(state: LiveState, e: CardEvent, scope: OverviewScope = {}): LiveState {
  if (!inScope(e, scope)) return state
  // The overview lists every tenant it covers: a card of another one is not this dashboard's.
  const covered = state.overview.tenants
  if (covered.length > 0 && !covered.some((t) => t.code === e.tenant_code)) return state
  const card = withDepartmentName(e.card, state.overview)
  const seen = state.known[card.id]
  const before: CardStatus | null = seen ?? (e.type === 'card.created' ? null : inferPreviousStatus(card))
  const after = card.status
  const wasOpen = before !== null && isOpen(before)
  const nowOpen = isOpen(after)
  const known = { ...state.known, [card.id]: after }
  if (seen !== undefined && seen === after) {
    // A repeat, or a change the counts do not see: refresh the card where it is listed.
    return { overview: { ...state.overview, oldest: replaceCard(state.overview.oldest, card) }, known }
  }
  const ov = state.overview
  const level = card.level

  const totals = moveCounts(ov.totals, level, before, after)
  const tenants = ov.tenants.map((t) =>
    t.code === e.tenant_code ? { ...t, counts: moveCounts(t.counts, level, before, after) } : t,
  )
  let departments = ov.departments
  if (card.department_id) {
    const i = departments.findIndex((d) => d.department_id === card.department_id)
    if (i >= 0) {
      departments = departments.map((d, j) => (j === i ? { ...d, counts: moveCounts(d.counts, level, before, after) } : d))
    } else if (nowOpen) {
      departments = [
        ...departments,
        { tenant_code: e.tenant_code, department_id: card.department_id, name: card.department_name, counts: moveCounts(emptyCounts(), level, null, after) },
      ]
    }
  }
  const byRule = { ...ov.by_rule }
  const ruleDelta = (nowOpen ? 1 : 0) - (wasOpen ? 1 : 0)
  if (ruleDelta !== 0) byRule[card.rule] = Math.max(0, (byRule[card.rule] ?? 0) + ruleDelta)

  let trend = ov.trend
  if (e.type === 'card.created' && seen === undefined) {
    const day = chinaDay(card.created_at)
    trend = trend.map((p) => (p.date === day && (level === 'reminder' || level === 'yellow' || level === 'red') ? { ...p, [level]: p[level] + 1 } : p))
  }

  let oldest = ov.oldest.filter((c) => c.id !== card.id)
  if (nowOpen) {
    const listed = oldest.length < ov.oldest.length
    const belongs = listed || oldest.length < OLDEST_LIMIT || byCreated(card, oldest[oldest.length - 1]!) < 0
    if (belongs) oldest = [...oldest, { ...card, tenant_code: card.tenant_code || e.tenant_code }].sort(byCreated).slice(0, OLDEST_LIMIT)
  }

  return { overview: { ...ov, totals, tenants, departments, by_rule: byRule, trend, oldest }, known }
}

function replaceCard(list: CardBase[], card: Card): CardBase[] {
  return list.some((c) => c.id === card.id) ? list.map((c) => (c.id === card.id ? card : c)) : list
}

/** One line of the dashboard's live feed. */
export interface FeedItem {
  /** Unique per event. */
  key: string
  type: CardEvent['type']
  tenant_code: string
  card: Card
  /** When the browser received it (ms). */
  receivedAt: number
}

export const FEED_LIMIT = 50

/**
 * When what a feed line reports happened, on the platform's clock: a new card's creation, else the
 * latest act recorded on the card (appeal, decision, cancellation, resolution), else its arrival.
 */
export function feedTime(item: FeedItem): string | number {
  const c = item.card
  if (item.type === 'card.created') return c.created_at || item.receivedAt
  const acts = [c.appealed_at, c.decided_at, c.cancelled_at, c.resolved_at].filter((x): x is string => !!x)
  if (!acts.length) return item.receivedAt
  return acts.reduce((a, b) => (Date.parse(b) > Date.parse(a) ? b : a))
}

let feedSeq = 0

/** The feed with an event on top, the oldest dropped past the limit. */
export function pushFeed(feed: readonly FeedItem[], e: CardEvent, now = Date.now(), limit = FEED_LIMIT): FeedItem[] {
  const item: FeedItem = { key: `${e.card.id}:${e.type}:${++feedSeq}`, type: e.type, tenant_code: e.tenant_code, card: e.card, receivedAt: now }
  return [item, ...feed].slice(0, limit)
}

/**
 * A list of cards (the department view's open cards) after an event: a new open card on top, a
 * changed one replaced, one that is no longer open dropped.
 */
export function upsertOpenCard(list: readonly Card[], e: CardEvent): Card[] {
  const card = e.card
  const i = list.findIndex((c) => c.id === card.id)
  if (!isOpen(card.status)) return i >= 0 ? list.filter((c) => c.id !== card.id) : [...list]
  if (i >= 0) return list.map((c) => (c.id === card.id ? card : c))
  return [card, ...list]
}

/**
 * A trailing throttle: the first call schedules `fn` after `wait` ms; calls until then join it.
 * `flush()` runs a pending call now, `cancel()` drops it.
 */
export function throttle(fn: () => void, wait: number) {
  let timer: ReturnType<typeof setTimeout> | null = null
  const run = () => {
    timer = null
    fn()
  }
  return {
    call(): void {
      if (timer === null) timer = setTimeout(run, wait)
    },
    flush(): void {
      if (timer === null) return
      clearTimeout(timer)
      run()
    },
    cancel(): void {
      if (timer !== null) clearTimeout(timer)
      timer = null
    },
    get pending(): boolean {
      return timer !== null
    },
  }
}
