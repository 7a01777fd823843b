import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { Card, CardEvent, Overview } from '@/api/supervision'
import { CARD_LEVELS, CARD_RULES, CARD_STATUSES, NOTICE_STATUSES } from '@/api/supervision'
import { TASK_STATES } from '@/api/ops'
import zhCN from '@/locales/zh-CN'
import en from '@/locales/en'
import {
  applyCardEvent,
  chinaDay,
  emptyCounts,
  feedTime,
  inferPreviousStatus,
  liveState,
  OLDEST_LIMIT,
  pushFeed,
  throttle,
  upsertOpenCard,
  withDepartmentName,
  type LiveState,
} from '@/views/supervision/live'
import { canReplyNotice } from '@/views/supervision/notice'
import { cardLevelLabel, cardRuleLabel, formatDueDay, notificationKindLabel, notificationKindTagType } from '@/views/supervision/labels'
import { DEFAULT_LOCALE, setLocale } from '@/locales'

const ZJJ = 'dept-zjj'
const ZRZY = 'dept-zrzy'

function card(over: Partial<Card> = {}): Card {
  return {
    id: 'k-new',
    level: 'yellow',
    rule: 'case_overdue',
    case_id: 'case-1',
    step_id: null,
    object_ref: '',
    department_id: ZJJ,
    title: '超期未办结：建筑工程施工许可证核发（410581261128000277）',
    reason: '承诺时限已于 2026-12-04 届满仍未办结',
    deadline_at: '2026-12-04T16:00:00Z',
    finish_by: '2026-12-09T16:00:00Z',
    status: 'active',
    appeal_reason: '',
    appealed_at: null,
    appealed_by: '',
    decision: '',
    decision_reason: '',
    decided_at: null,
    decided_by: '',
    cancel_reason: '',
    cancelled_at: null,
    cancelled_by: '',
    resolved_at: null,
    created_at: '2026-12-04T16:00:05Z',
    tenant_code: '410581',
    // A card the stream brings may come without its department's name.
    department_name: '',
    ...over,
  }
}

const ev = (type: CardEvent['type'], c: Card): CardEvent => ({ type, tenant_code: c.tenant_code, card: c })

function overview(): Overview {
  // The overview's oldest cards name their region and department.
  const old = card({ id: 'k-old', created_at: '2026-11-28T01:57:48Z', level: 'red', rule: 'case_red', department_name: '住房和城乡建设局' })
  return {
    tenants: [
      { code: '410581', name: '林州市', counts: { reminder: 1, yellow: 21, red: 3, appealed: 0, total: 25 }, overdue_cases: 4 },
      { code: '410523', name: '汤阴县', counts: { reminder: 0, yellow: 2, red: 0, appealed: 0, total: 2 }, overdue_cases: 1 },
    ],
    departments: [{ tenant_code: '410581', department_id: ZJJ, name: '住房和城乡建设局', counts: { reminder: 0, yellow: 5, red: 2, appealed: 0, total: 7 } }],
    by_rule: { case_overdue: 4, case_red: 3 },
    totals: { reminder: 1, yellow: 23, red: 3, appealed: 0, total: 27 },
    oldest: [old],
    trend: [
      { date: '2026-12-04', reminder: 0, yellow: 0, red: 0 },
      { date: '2026-12-05', reminder: 0, yellow: 0, red: 0 },
    ],
  }
}

let state: LiveState
beforeEach(() => {
  state = liveState(overview())
})

describe('applyCardEvent', () => {
  it('counts a new card in the totals, its tenant, department, rule, the day of the trend and the oldest list', () => {
    const next = applyCardEvent(state, ev('card.created', card()))
    const o = next.overview
    expect(o.totals).toEqual({ reminder: 1, yellow: 24, red: 3, appealed: 0, total: 28 })
    expect(o.tenants[0]!.counts).toEqual({ reminder: 1, yellow: 22, red: 3, appealed: 0, total: 26 })
    expect(o.tenants[1]!.counts.total).toBe(2)
    expect(o.departments[0]!.counts).toMatchObject({ yellow: 6, total: 8 })
    expect(o.by_rule.case_overdue).toBe(5)
    // 16:00:05 UTC is past midnight in China: the card counts on the 5th.
    expect(o.trend).toEqual([
      { date: '2026-12-04', reminder: 0, yellow: 0, red: 0 },
      { date: '2026-12-05', reminder: 0, yellow: 1, red: 0 },
    ])
    expect(o.oldest.map((c) => c.id)).toEqual(['k-old', 'k-new'])
    // The new card is listed with its region and, the stream having left it out, the name the
    // overview already has for its department.
    expect(o.oldest[1]).toMatchObject({ tenant_code: '410581', department_name: '住房和城乡建设局' })
    expect(next.known['k-new']).toBe('active')
    // The input is not changed.
    expect(state.overview.totals.total).toBe(27)
  })

  it('counts a repeated event once', () => {
    const once = applyCardEvent(state, ev('card.created', card()))
    const twice = applyCardEvent(once, ev('card.created', card()))
    expect(twice.overview.totals.total).toBe(28)
    expect(twice.overview.trend[1]!.yellow).toBe(1)
  })

  it('follows an appeal, its rejection, and a cancellation', () => {
    let s = applyCardEvent(state, ev('card.created', card()))
    s = applyCardEvent(s, ev('card.updated', card({ status: 'appealed', appealed_at: '2026-12-05T01:00:00Z' })))
    expect(s.overview.totals).toMatchObject({ yellow: 24, appealed: 1, total: 28 })
    expect(s.overview.tenants[0]!.counts.appealed).toBe(1)
    s = applyCardEvent(
      s,
      ev('card.updated', card({ status: 'active', appealed_at: '2026-12-05T01:00:00Z', decision: 'rejected', decided_at: '2026-12-05T02:00:00Z' })),
    )
    expect(s.overview.totals).toMatchObject({ yellow: 24, appealed: 0, total: 28 })
    s = applyCardEvent(s, ev('card.updated', card({ status: 'cancelled', cancelled_at: '2026-12-05T03:00:00Z' })))
    expect(s.overview.totals).toEqual({ reminder: 1, yellow: 23, red: 3, appealed: 0, total: 27 })
    expect(s.overview.by_rule.case_overdue).toBe(4)
    expect(s.overview.departments[0]!.counts).toMatchObject({ yellow: 5, total: 7 })
    expect(s.overview.oldest.map((c) => c.id)).toEqual(['k-old'])
    // The trend counts cards raised, whatever became of them.
    expect(s.overview.trend[1]!.yellow).toBe(1)
  })

  it('infers the status before an update it did not see (an appealed card accepted, a card resolved)', () => {
    const accepted = card({
      id: 'k-old',
      level: 'red',
      rule: 'case_red',
      status: 'cancelled',
      appealed_at: '2026-12-05T01:00:00Z',
      decision: 'accepted',
      decided_at: '2026-12-05T02:00:00Z',
      cancelled_at: '2026-12-05T02:00:00Z',
    })
    // k-old is known from the oldest list as active, which wins over the inference.
    let s = applyCardEvent(state, ev('card.updated', accepted))
    expect(s.overview.totals).toEqual({ reminder: 1, yellow: 23, red: 2, appealed: 0, total: 26 })
    expect(s.overview.oldest).toEqual([])
    // An unknown card under appeal that is accepted: one fewer red, one fewer appeal.
    const base = liveState({ ...overview(), totals: { reminder: 0, yellow: 0, red: 1, appealed: 1, total: 1 } })
    s = applyCardEvent(base, ev('card.updated', { ...accepted, id: 'k-unknown' }))
    expect(s.overview.totals).toEqual({ reminder: 0, yellow: 0, red: 0, appealed: 0, total: 0 })
    // Resolved without any appeal: it was active.
    s = applyCardEvent(state, ev('card.updated', card({ id: 'k-x', status: 'resolved', resolved_at: '2026-12-06T00:00:00Z' })))
    expect(s.overview.totals).toMatchObject({ yellow: 22, appealed: 0, total: 26 })
  })

  it('ignores events outside the scope (another tenant, another department)', () => {
    expect(applyCardEvent(state, ev('card.created', card({ tenant_code: '410523' })), { tenant: '410581' })).toBe(state)
    expect(applyCardEvent(state, ev('card.created', card({ department_id: ZRZY })), { department: ZJJ })).toBe(state)
    expect(applyCardEvent(state, ev('card.created', card()), { tenant: '410581', department: ZJJ })).not.toBe(state)
    // A tenant the overview does not cover (a county dashboard hears only its own anyway).
    expect(applyCardEvent(state, ev('card.created', card({ tenant_code: '410599' })))).toBe(state)
  })

  it('adds a department the overview did not list (under the card’s name for it), and never counts below zero', () => {
    const s = applyCardEvent(state, ev('card.created', card({ department_id: ZRZY, level: 'reminder', rule: 'case_reminder', department_name: '自然资源局' })))
    expect(s.overview.departments.find((d) => d.department_id === ZRZY)).toEqual({
      tenant_code: '410581',
      department_id: ZRZY,
      name: '自然资源局',
      counts: { ...emptyCounts(), reminder: 1, total: 1 },
    })
    const unnamed = applyCardEvent(state, ev('card.created', card({ id: 'k-z', department_id: ZRZY })))
    expect(unnamed.overview.departments.find((d) => d.department_id === ZRZY)?.name).toBe('')
    const empty = liveState({ ...overview(), totals: emptyCounts(), by_rule: {} })
    const after = applyCardEvent(empty, ev('card.updated', card({ id: 'k-y', status: 'cancelled' })))
    expect(after.overview.totals).toEqual(emptyCounts())
    expect(after.overview.by_rule.case_overdue).toBe(0)
  })

  it('keeps the oldest list to its limit and in age order; a new card does not push out older ones', () => {
    const full = liveState({
      ...overview(),
      oldest: Array.from({ length: OLDEST_LIMIT }, (_, i) => card({ id: `o${i}`, created_at: `2026-11-${String(10 + i).padStart(2, '0')}T00:00:00Z` })),
    })
    const s = applyCardEvent(full, ev('card.created', card()))
    expect(s.overview.oldest).toHaveLength(OLDEST_LIMIT)
    expect(s.overview.oldest.some((c) => c.id === 'k-new')).toBe(false)
    // A listed card that changes but stays open is refreshed in place.
    const appealed = applyCardEvent(full, ev('card.updated', card({ id: 'o3', created_at: '2026-11-13T00:00:00Z', status: 'appealed' })))
    expect(appealed.overview.oldest.map((c) => c.id)).toEqual(full.overview.oldest.map((c) => c.id))
    expect(appealed.overview.oldest[3]!.status).toBe('appealed')
  })
})

describe('inferPreviousStatus', () => {
  it('reads the transitions from the card', () => {
    expect(inferPreviousStatus(card({ status: 'appealed' }))).toBe('active')
    expect(inferPreviousStatus(card({ status: 'active' }))).toBe('appealed')
    expect(inferPreviousStatus(card({ status: 'cancelled' }))).toBe('active')
    expect(inferPreviousStatus(card({ status: 'cancelled', appealed_at: '2026-12-05T01:00:00Z' }))).toBe('appealed')
    expect(inferPreviousStatus(card({ status: 'cancelled', decision: 'accepted', appealed_at: 'x', decided_at: 'y' }))).toBe('appealed')
    expect(
      inferPreviousStatus(card({ status: 'resolved', appealed_at: '2026-12-05T01:00:00Z', decision: 'rejected', decided_at: '2026-12-05T02:00:00Z' })),
    ).toBe('active')
    expect(
      inferPreviousStatus(card({ status: 'resolved', appealed_at: '2026-12-06T01:00:00Z', decision: 'rejected', decided_at: '2026-12-05T02:00:00Z' })),
    ).toBe('appealed')
  })
})

describe('feed and the department view', () => {
  it('puts the newest event on top, up to the limit, and dates it on the platform clock', () => {
    let feed = pushFeed([], ev('card.created', card({ id: 'a' })), 1)
    feed = pushFeed(feed, ev('card.updated', card({ id: 'a', status: 'appealed', appealed_at: '2026-12-06T00:00:00Z' })), 2)
    feed = pushFeed(feed, ev('card.created', card({ id: 'b' })), 3, 2)
    expect(feed.map((f) => `${f.card.id} ${f.type}`)).toEqual(['b card.created', 'a card.updated'])
    expect(new Set(feed.map((f) => f.key)).size).toBe(2)
    expect(feedTime(feed[0]!)).toBe('2026-12-04T16:00:05Z')
    expect(feedTime(feed[1]!)).toBe('2026-12-06T00:00:00Z')
    expect(feedTime({ ...feed[1]!, card: card({ appealed_at: null }) })).toBe(2)
  })

  it('keeps a department’s open cards current', () => {
    const list = [card({ id: 'a' }), card({ id: 'b' })]
    expect(upsertOpenCard(list, ev('card.created', card({ id: 'c' }))).map((c) => c.id)).toEqual(['c', 'a', 'b'])
    expect(upsertOpenCard(list, ev('card.updated', card({ id: 'a', status: 'appealed' })))[0]!.status).toBe('appealed')
    expect(upsertOpenCard(list, ev('card.updated', card({ id: 'b', status: 'resolved' }))).map((c) => c.id)).toEqual(['a'])
    expect(upsertOpenCard(list, ev('card.updated', card({ id: 'z', status: 'cancelled' }))).map((c) => c.id)).toEqual(['a', 'b'])
  })

  it('counts days in China time', () => {
    expect(chinaDay('2026-12-04T15:59:59Z')).toBe('2026-12-04')
    expect(chinaDay('2026-12-04T16:00:00Z')).toBe('2026-12-05')
    expect(chinaDay('nonsense')).toBe('')
    expect(formatDueDay('2026-12-04T16:00:00Z')).toBe('2026-12-04')
    expect(formatDueDay(null)).toBe('')
  })
})

describe('throttle', () => {
  beforeEach(() => vi.useFakeTimers())
  afterEach(() => vi.useRealTimers())

  it('runs once after the wait however many calls came in, and again for later calls', () => {
    const fn = vi.fn()
    const th = throttle(fn, 1500)
    th.call()
    th.call()
    th.call()
    expect(th.pending).toBe(true)
    vi.advanceTimersByTime(1499)
    expect(fn).not.toHaveBeenCalled()
    vi.advanceTimersByTime(1)
    expect(fn).toHaveBeenCalledTimes(1)
    th.call()
    th.flush()
    expect(fn).toHaveBeenCalledTimes(2)
    th.call()
    th.cancel()
    vi.advanceTimersByTime(5000)
    expect(fn).toHaveBeenCalledTimes(2)
  })
})

describe('notice replies', () => {
  const n = { status: 'sent' as const, department_id: ZJJ, tenant_code: '410581' }
  it('are for the department’s own users with supervision:reply, until answered', () => {
    expect(canReplyNotice(n, { departmentId: ZJJ, tenantCode: '410581', canReply: true })).toBe(true)
    expect(canReplyNotice({ ...n, status: 'escalated' }, { departmentId: ZJJ, tenantCode: '410581', canReply: true })).toBe(true)
    expect(canReplyNotice({ ...n, status: 'replied' }, { departmentId: ZJJ, tenantCode: '410581', canReply: true })).toBe(false)
    expect(canReplyNotice(n, { departmentId: ZRZY, tenantCode: '410581', canReply: true })).toBe(false)
    expect(canReplyNotice(n, { departmentId: ZJJ, tenantCode: '410523', canReply: true })).toBe(false)
    expect(canReplyNotice(n, { departmentId: ZJJ, tenantCode: '410581', canReply: false })).toBe(false)
    expect(canReplyNotice(n, { departmentId: null, tenantCode: '410581', canReply: true })).toBe(false)
  })
})

describe('supervision labels', () => {
  afterEach(() => setLocale(DEFAULT_LOCALE))

  it('exist in both languages for every level, rule, status, task state and channel', () => {
    for (const messages of [zhCN, en]) {
      expect(Object.keys(messages.cardLevel).sort()).toEqual([...CARD_LEVELS].sort())
      expect(Object.keys(messages.cardRule).sort()).toEqual([...CARD_RULES].sort())
      expect(Object.keys(messages.cardStatus).sort()).toEqual([...CARD_STATUSES].sort())
      expect(Object.keys(messages.noticeStatus).sort()).toEqual([...NOTICE_STATUSES].sort())
      expect(Object.keys(messages.ops.state).sort()).toEqual([...TASK_STATES].sort())
      expect(Object.keys(messages.inbox.channel).sort()).toEqual(['email', 'inapp', 'sms'])
    }
  })

  it('use the product’s Chinese terms, and keep unknown codes readable', () => {
    setLocale('zh-CN')
    expect(CARD_LEVELS.map(cardLevelLabel)).toEqual(['提醒', '黄牌', '红牌'])
    expect(cardRuleLabel('notice_unanswered')).toBe('督办逾期未回复')
    expect(cardRuleLabel('new_rule')).toBe('new_rule')
    expect(notificationKindLabel('card.red')).toBe('红牌')
    expect(notificationKindLabel('notice')).toBe('督办单')
    expect(notificationKindLabel('notice_reply')).toBe('督办回复')
    expect(notificationKindTagType('notice_reply')).toBe('success')
    expect(notificationKindLabel('system.other')).toBe('system.other')
    setLocale('en')
    expect(cardLevelLabel('yellow')).toBe('Yellow card')
    expect(notificationKindLabel('notice_reply')).toBe('Notice reply')
  })
})

describe('withDepartmentName', () => {
  it('keeps the server’s name, else takes the one the dashboard has, and fetches nothing', () => {
    const ov = overview()
    const named = card({ department_name: '住建局（服务器）' })
    expect(withDepartmentName(named, ov)).toBe(named)
    expect(withDepartmentName(card(), ov).department_name).toBe('住房和城乡建设局')
    expect(withDepartmentName(card({ id: 'k-old', department_id: ZRZY }), ov).department_name).toBe('住房和城乡建设局')
    const stray = card({ department_id: ZRZY })
    expect(withDepartmentName(stray, ov)).toBe(stray)
    const none = card({ department_id: null })
    expect(withDepartmentName(none, ov)).toBe(none)
  })
})
