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
  timeTravelAvailable,
  timeTravelInSteps,
} from '@/api/supervision'
import {
  getChannels,
  listNotifications,
  markAllNotificationsRead,
  markNotificationRead,
  notificationTarget,
  sortedChannels,
} from '@/api/notifications'
import { deleteTask, listQueues, listTasks, pathSegment, runTask, stateSize, taskActions } from '@/api/ops'
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
    const f = fakeFetch(() => jsonResponse(200, { items: [{ id: 'c1' }], total: 41 }))
    const page = await listCards({ level: 'yellow', status: 'open', rule: '', tenant: ' 410581 ', department: undefined, page: 2, page_size: 20 })
    expect(path(f.seen[0]!.url)).toBe('/api/v1/supervision/cards')
    expect(params(f.seen[0]!.url)).toEqual({ level: 'yellow', status: 'open', tenant: '410581', page: '2', page_size: '20' })
    expect(page).toEqual({ items: [{ id: 'c1' }], total: 41, page: 2, page_size: 20 })
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
        : jsonResponse(200, { tenants: [{ code: '410581' }], totals: { yellow: 3 } }),
    )
    expect(await listNotices({ status: 'sent', tenant: '' })).toEqual([{ id: 'n1' }])
    expect(params(f.seen[0]!.url)).toEqual({ status: 'sent' })
    const ov = await getOverview({ tenant: '410581', department: '' })
    expect(params(f.seen[1]!.url)).toEqual({ tenant: '410581' })
    expect(ov.departments).toEqual([])
    expect(ov.oldest).toEqual([])
    expect(ov.trend).toEqual([])
    expect(ov.by_rule).toEqual({})
    expect(ov.totals).toEqual({ reminder: 0, yellow: 3, red: 0, appealed: 0, total: 0 })
  })

  it('searches cases of a tenant for the notice dialog', async () => {
    const f = fakeFetch(() => jsonResponse(200, { items: [{ id: 'c1', tracking_no: '410581261128000277' }], total: 1 }))
    const list = await searchCases('000277', '410581')
    expect(params(f.seen[0]!.url)).toEqual({ q: '000277', tenant: '410581', page_size: '20' })
    expect(list[0]!.tracking_no).toBe('410581261128000277')
  })

  it('probes time travel with zero hours: a dev server refuses it as invalid, another does not know it', async () => {
    fakeFetch(() => problemResponse(422, { code: 'validation_failed', errors: [{ field: 'hours', code: 'out_of_range', message: '' }] }))
    expect(await timeTravelAvailable()).toBe(true)
    fakeFetch(() => problemResponse(404, { code: 'route_not_found' }))
    expect(await timeTravelAvailable()).toBe(false)
  })

  it('travels in jumps of at most 11 hours so the session (12 h, sliding) survives', async () => {
    let now = 0
    const f = fakeFetch((req) => {
      now += (req.body as { hours: number }).hours
      return jsonResponse(200, { now: `+${now}h`, sweep: {} })
    })
    const steps: number[] = []
    const res = await timeTravelInSteps(24, (done) => steps.push(done))
    expect(f.seen.map((r) => (r.body as { hours: number }).hours)).toEqual([11, 11, 2])
    expect(steps).toEqual([11, 22, 24])
    expect(res?.now).toBe('+24h')
    expect(await timeTravelInSteps(0)).toBeNull()
  })
})

describe('notifications api', () => {
  it('reads the inbox with the unread count, and marks read', async () => {
    const f = fakeFetch((req) =>
      req.method === 'GET'
        ? jsonResponse(200, { items: [{ id: 'm1', kind: 'notice', title: '督办单', created_at: 'x' }], unread: 4 })
        : new Response(null, { status: 204 }),
    )
    const inbox = await listNotifications({ unread: true, limit: 50 })
    expect(params(f.seen[0]!.url)).toEqual({ unread: 'true', limit: '50' })
    expect(inbox.unread).toBe(4)
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
        : jsonResponse(200, { items: [{ id: 't1', type: 'supervision:check', state: 'archived' }], total: 1, page: 2, page_size: 20 }),
    )
    const qs = await listQueues()
    expect(qs[0]!.queue).toBe('critical')
    const page = await listTasks('critical', { state: 'archived', page: 2, page_size: 20 })
    expect(path(f.seen[1]!.url)).toBe('/api/v1/ops/queues/critical/tasks')
    expect(params(f.seen[1]!.url)).toEqual({ state: 'archived', page: '2', page_size: '20' })
    expect(page.items).toHaveLength(1)
    expect(stateSize(qs[0], 'archived')).toBe(3)
    expect(stateSize(undefined, 'retry')).toBe(0)
  })

  it('keeps the colons of Asynq task ids in the path (the server does not percent-decode them)', async () => {
    const id = 'sup:01a21fde-6f21-7659:case_overdue::1796054400'
    expect(pathSegment(id)).toBe(id)
    expect(pathSegment('a/b c%')).toBe('a%2Fb%20c%25')
    const f = fakeFetch(() => new Response(null, { status: 204 }))
    await runTask('critical', id)
    await deleteTask('critical', id)
    expect(f.seen.map((r) => `${r.method} ${r.url}`)).toEqual([
      `POST /api/v1/ops/queues/critical/tasks/${id}/run`,
      `DELETE /api/v1/ops/queues/critical/tasks/${id}`,
    ])
    expect(f.seen.every((r) => r.headers['x-csrf-token'] === 'tok-1')).toBe(true)
  })

  it('offers run again for failed tasks and delete for any task not running', () => {
    expect(taskActions('archived')).toEqual({ run: true, remove: true })
    expect(taskActions('retry')).toEqual({ run: true, remove: true })
    expect(taskActions('scheduled')).toEqual({ run: false, remove: true })
    expect(taskActions('active')).toEqual({ run: false, remove: false })
  })
})
