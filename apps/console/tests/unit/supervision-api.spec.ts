import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { configureHttp } from '@/api/http'
import {
  appealCard,
  cancelCard,
  decideAppeal,
  getCard,
  getOverview,
  listCards,
  listNotices,
  replyNotice,
  searchCases,
  sendNotice,
  MAX_TIME_TRAVEL_HOURS,
  timeTravel,
  timeTravelAvailable,
  validTravelHours,
} from '@/api/supervision'
import {
  getChannels,
  INBOX_MAX_LIMIT,
  listNotifications,
  nextInboxLimit,
  markAllNotificationsRead,
  markNotificationRead,
  notificationTarget,
  sortedChannels,
} from '@/api/notifications'
import { deleteTask, listQueues, listTasks, pathSegment, runTask, stateSize, taskActions, taskSegment } from '@/api/ops'
import { clearCookies, fakeFetch, jsonResponse, problemResponse } from './support'

const path = (url: string) => new URL(url, 'http://x').pathname
const params = (url: string) => Object.fromEntries(new URL(url, 'http://x').searchParams)

beforeEach(() => {
  configureHttp({ locale: () => 'zh-CN', onUnauthorized: () => {} })
  document.cookie = 'sunshine_csrf=tok-1; path=/'
})
afterEach(() => clearCookies())

describe('supervision api', () => {
  it('lists cards with only the filters given, and normalises the page', async () => {
    const f = fakeFetch(() =>
      jsonResponse(200, { items: [{ id: 'c1', tenant_code: '410581', department_name: '住房和城乡建设局' }, { id: 'c2' }], total: 41 }),
    )
    const page = await listCards({ level: 'yellow', status: 'open', rule: '', tenant: ' 410581 ', department: undefined, page: 2, page_size: 20 })
    expect(path(f.seen[0]!.url)).toBe('/api/v1/supervision/cards')
    expect(params(f.seen[0]!.url)).toEqual({ level: 'yellow', status: 'open', tenant: '410581', page: '2', page_size: '20' })
    // The region and department come named with each card (no department lists to fetch).
    expect(page).toEqual({
      items: [
        { id: 'c1', tenant_code: '410581', department_name: '住房和城乡建设局' },
        { id: 'c2', tenant_code: '', department_name: '' },
      ],
      total: 41,
      page: 2,
      page_size: 20,
    })
    expect(f.seen).toHaveLength(1)
  })

  it('reads one card and posts the acts with their reasons and the CSRF token', async () => {
    const f = fakeFetch((req) => jsonResponse(200, { id: 'c1', status: req.method === 'GET' ? 'active' : 'appealed' }))
    await getCard('c1')
    await appealCard('c1', '材料补正期间应停止计时')
    await cancelCard('c1', '误报')
    await decideAppeal('c1', true, '理由成立')
    expect(f.seen.map((r) => `${r.method} ${path(r.url)}`)).toEqual([
      'GET /api/v1/supervision/cards/c1',
      'POST /api/v1/supervision/cards/c1/appeal',
      'POST /api/v1/supervision/cards/c1/cancel',
      'POST /api/v1/supervision/cards/c1/decide-appeal',
    ])
    expect(f.seen[1]!.body).toEqual({ reason: '材料补正期间应停止计时' })
    expect(f.seen[3]!.body).toEqual({ accept: true, reason: '理由成立' })
    expect(f.seen[0]!.headers['x-csrf-token']).toBeUndefined()
    for (const r of f.seen.slice(1)) expect(r.headers['x-csrf-token']).toBe('tok-1')
  })

  it('sends a notice about exactly one of a card or a case, and replies', async () => {
    const f = fakeFetch((req) => jsonResponse(req.url.endsWith('/reply') ? 200 : 201, { id: 'n1' }))
    await sendNotice({ card_id: 'k1', case_id: 'c1', department_id: 'd1', text: '  请限期办结  ', reply_working_days: 2 })
    await sendNotice({ case_id: 'c1', department_id: 'd1', text: '请说明' })
    await replyNotice('n1', ' 已整改 ')
    expect(f.seen[0]!.body).toEqual({ card_id: 'k1', department_id: 'd1', text: '请限期办结', reply_working_days: 2 })
    expect(f.seen[1]!.body).toEqual({ case_id: 'c1', department_id: 'd1', text: '请说明' })
    expect(path(f.seen[2]!.url)).toBe('/api/v1/supervision/notices/n1/reply')
    expect(f.seen[2]!.body).toEqual({ text: '已整改' })
  })

  it('lists notices and fills a partial overview with empty lists and zero counts', async () => {
    const f = fakeFetch((req) =>
      path(req.url) === '/api/v1/supervision/notices'
        ? jsonResponse(200, { items: [{ id: 'n1' }] })
        : jsonResponse(200, {
            tenants: [{ code: '410581' }],
            totals: { yellow: 3 },
            oldest: [{ id: 'k1', tenant_code: '410523', department_name: '自然资源局' }, { id: 'k2' }],
          }),
    )
    expect(await listNotices({ status: 'sent', tenant: '' })).toEqual([{ id: 'n1', department_name: '' }])
    expect(params(f.seen[0]!.url)).toEqual({ status: 'sent' })
    const ov = await getOverview({ tenant: '410581', department: '' })
    expect(params(f.seen[1]!.url)).toEqual({ tenant: '410581' })
    expect(ov.departments).toEqual([])
    expect(ov.oldest).toEqual([
      { id: 'k1', tenant_code: '410523', department_name: '自然资源局' },
      { id: 'k2', tenant_code: '', department_name: '' },
    ])
    expect(ov.trend).toEqual([])
    expect(ov.by_rule).toEqual({})
    expect(ov.totals).toEqual({ reminder: 0, yellow: 3, red: 0, appealed: 0, total: 0 })
    // An older server without the case rungs: zeros and no cases.
    expect(ov.case_rungs).toEqual({ reminder: 0, yellow: 0, red: 0, appealed: 0, total: 0 })
    expect(ov.cases).toEqual([])
  })

  it('searches cases of a tenant for the notice dialog', async () => {
    const f = fakeFetch(() => jsonResponse(200, { items: [{ id: 'c1', tracking_no: '410581261128000277' }], total: 1 }))
    const list = await searchCases('000277', '410581')
    expect(params(f.seen[0]!.url)).toEqual({ q: '000277', tenant: '410581', page_size: '20' })
    expect(list[0]!.tracking_no).toBe('410581261128000277')
  })

  it('probes time travel with GET /dev/clock, never by moving the clock', async () => {
    const clock = { now: '2026-12-05T02:00:00Z', offset_hours: 36, movable: true }
    const f = fakeFetch(() => jsonResponse(200, clock))
    expect(await timeTravelAvailable()).toEqual(clock)
    expect(f.seen.map((r) => `${r.method} ${path(r.url)}`)).toEqual(['GET /api/v1/dev/clock'])
    fakeFetch(() => jsonResponse(200, { ...clock, movable: false }))
    expect(await timeTravelAvailable()).toBeNull()
    // A production server does not have the route; a user without supervision:read may not ask.
    fakeFetch(() => problemResponse(404, { code: 'route_not_found' }))
    expect(await timeTravelAvailable()).toBeNull()
    fakeFetch(() => problemResponse(403, { code: 'authz.forbidden' }))
    expect(await timeTravelAvailable()).toBeNull()
  })

  it('travels in one jump of any size the server accepts (sessions run on the wall clock)', async () => {
    const f = fakeFetch((req) => jsonResponse(200, { now: `+${(req.body as { hours: number }).hours}h`, sweep: {} }))
    expect((await timeTravel(240)).now).toBe('+240h')
    expect((await timeTravel(MAX_TIME_TRAVEL_HOURS)).now).toBe(`+${MAX_TIME_TRAVEL_HOURS}h`)
    expect(f.seen.map((r) => r.body)).toEqual([{ hours: 240 }, { hours: 2160 }])
    expect(f.seen.every((r) => r.method === 'POST' && path(r.url) === '/api/v1/dev/time-travel' && r.headers['x-csrf-token'] === 'tok-1')).toBe(true)
    // Nonsense is refused before anything is sent.
    for (const bad of [0, -1, 1.5, Number.NaN, MAX_TIME_TRAVEL_HOURS + 1]) await expect(timeTravel(bad)).rejects.toBeInstanceOf(RangeError)
    expect(f.seen).toHaveLength(2)
    expect(validTravelHours(1)).toBe(true)
    expect(validTravelHours(24 * 90)).toBe(true)
    expect(validTravelHours('24')).toBe(false)
    expect(validTravelHours(24 * 90 + 1)).toBe(false)
  })
})

describe('notifications api', () => {
  it('reads the inbox with the total and the unread count, and marks read', async () => {
    const f = fakeFetch((req) =>
      req.method === 'GET'
        ? jsonResponse(200, { items: [{ id: 'm1', kind: 'notice', title: '督办单', created_at: 'x' }], total: 73, unread: 4 })
        : new Response(null, { status: 204 }),
    )
    const inbox = await listNotifications({ unread: true, limit: 50 })
    expect(params(f.seen[0]!.url)).toEqual({ unread: 'true', limit: '50' })
    expect(inbox.unread).toBe(4)
    // The API's total, not the length of the page.
    expect(inbox.total).toBe(73)
    expect(inbox.items[0]).toMatchObject({ id: 'm1', body: '', link: '', read_at: null })
    await listNotifications()
    expect(params(f.seen[1]!.url)).toEqual({})
    await markNotificationRead('m1')
    await markAllNotificationsRead()
    expect(f.seen.slice(2).map((r) => `${r.method} ${path(r.url)} ${r.headers['x-csrf-token']}`)).toEqual([
      'POST /api/v1/notifications/m1/read tok-1',
      'POST /api/v1/notifications/read-all tok-1',
    ])
  })

  it('asks for more only while the total says there are more, up to the API’s bound', async () => {
    expect(nextInboxLimit(50, 73, 50)).toBe(100)
    expect(nextInboxLimit(73, 73, 50)).toBeNull()
    expect(nextInboxLimit(150, 900, 50)).toBe(INBOX_MAX_LIMIT)
    expect(nextInboxLimit(INBOX_MAX_LIMIT, 900, 50)).toBeNull()
    const f = fakeFetch(() => jsonResponse(200, { items: [], unread: 0 }))
    await listNotifications({ limit: 500 })
    expect(params(f.seen[0]!.url)).toEqual({ limit: String(INBOX_MAX_LIMIT) })
    // An answer without a total: what came.
    expect((await listNotifications()).total).toBe(0)
  })

  it('reports the channels, in-app first, honestly', async () => {
    fakeFetch(() => jsonResponse(200, { channels: { sms: 'not_configured', email: 'not_configured', inapp: 'configured', fax: 'configured' } }))
    const ch = await getChannels()
    expect(sortedChannels(ch)).toEqual([
      ['inapp', 'configured'],
      ['email', 'not_configured'],
      ['sms', 'not_configured'],
      ['fax', 'configured'],
    ])
  })

  it('follows only app paths from a notification', () => {
    expect(notificationTarget('/supervision/notices/n1')).toBe('/supervision/notices/n1')
    expect(notificationTarget('/cases/c1')).toBe('/cases/c1')
    expect(notificationTarget('https://evil.example/x')).toBeNull()
    expect(notificationTarget('//evil.example/x')).toBeNull()
    expect(notificationTarget('/\\evil.example')).toBeNull()
    expect(notificationTarget('')).toBeNull()
    expect(notificationTarget(null)).toBeNull()
  })
})

describe('ops api', () => {
  it('lists queues and a queue’s tasks in a state', async () => {
    const f = fakeFetch((req) =>
      path(req.url) === '/api/v1/ops/queues'
        ? jsonResponse(200, { items: [{ queue: 'critical', archived: 3, retry: 1 }], total: 1 })
        : jsonResponse(200, { items: [{ id: 't1', type: 'supervision:check', state: 'archived' }], total: 57, page: 2, page_size: 20 }),
    )
    const qs = await listQueues()
    expect(qs[0]!.queue).toBe('critical')
    const page = await listTasks('critical', { state: 'archived', page: 2, page_size: 20 })
    expect(path(f.seen[1]!.url)).toBe('/api/v1/ops/queues/critical/tasks')
    expect(params(f.seen[1]!.url)).toEqual({ state: 'archived', page: '2', page_size: '20' })
    expect(page.items).toHaveLength(1)
    // The API's total of the state (all pages) drives the pagination, not the page's length.
    expect(page.total).toBe(57)
    expect(stateSize(qs[0], 'archived')).toBe(3)
    expect(stateSize(undefined, 'retry')).toBe(0)
  })

  it('passes task ids through encodeURIComponent (the server percent-decodes them)', async () => {
    const id = 'sup:01a21fde-6f21-7659:case_overdue::1796054400'
    const encoded = 'sup%3A01a21fde-6f21-7659%3Acase_overdue%3A%3A1796054400'
    expect(taskSegment(id)).toBe(encodeURIComponent(id))
    expect(taskSegment(id)).toBe(encoded)
    expect(taskSegment('a/b c%?#')).toBe('a%2Fb%20c%25%3F%23')
    // Queue names stay as the server matches them.
    expect(pathSegment('critical')).toBe('critical')
    expect(pathSegment('a/b c%')).toBe('a%2Fb%20c%25')
    const f = fakeFetch(() => new Response(null, { status: 204 }))
    await runTask('critical', id)
    await deleteTask('critical', 'odd/id?x#y')
    expect(f.seen.map((r) => `${r.method} ${r.url}`)).toEqual([
      `POST /api/v1/ops/queues/critical/tasks/${encoded}/run`,
      'DELETE /api/v1/ops/queues/critical/tasks/odd%2Fid%3Fx%23y',
    ])
    expect(f.seen.every((r) => r.headers['x-csrf-token'] === 'tok-1')).toBe(true)
  })

  it('falls back to the pages so far when an answer has no total', async () => {
    fakeFetch(() => jsonResponse(200, { items: [{ id: 't1' }, { id: 't2' }], page: 3, page_size: 20 }))
    expect((await listTasks('default', { page: 3, page_size: 20 })).total).toBe(42)
  })

  it('offers run again for failed tasks and delete for any task not running', () => {
    expect(taskActions('archived')).toEqual({ run: true, remove: true })
    expect(taskActions('retry')).toEqual({ run: true, remove: true })
    expect(taskActions('scheduled')).toEqual({ run: false, remove: true })
    expect(taskActions('active')).toEqual({ run: false, remove: false })
  })
})
