import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount, type VueWrapper } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { createMemoryHistory, createRouter } from 'vue-router'
import type { CardEvent } from '@/api/supervision'

const listeners = new Set<(e: CardEvent) => void>()
const stream = {
  subscribe: vi.fn((l: (e: CardEvent) => void) => {
    listeners.add(l)
    return () => listeners.delete(l)
  }),
  onState: vi.fn(() => () => {}),
}
vi.mock('@/api/supervision/stream', () => ({ supervisionStream: () => stream }))

const { default: InboxBell } = await import('@/components/InboxBell.vue')
const { configureHttp } = await import('@/api/http')
const { DEFAULT_LOCALE, i18n, setLocale } = await import('@/locales')
const { useAuthStore } = await import('@/stores/auth')
const { fakeFetch, jsonResponse, me, settle } = await import('./support')

const ITEMS = [
  { id: 'm1', kind: 'notice', title: '督办单：请说明超期原因', body: '请说明超期原因并限期办结。', link: '/supervision/notices/n1', created_at: '2026-12-05T01:00:00Z', read_at: null },
  { id: 'm2', kind: 'card.yellow', title: '超期未办结：某事项', body: '', link: 'https://evil.example/', created_at: '2026-12-04T16:00:00Z', read_at: '2026-12-05T00:00:00Z' },
]

describe('InboxBell', { timeout: 60000 }, () => {
  let wrapper: VueWrapper | undefined
  beforeEach(() => {
    setLocale(DEFAULT_LOCALE)
    configureHttp({ locale: () => 'zh-CN', onUnauthorized: () => {} })
    listeners.clear()
    stream.subscribe.mockClear()
  })
  afterEach(() => {
    wrapper?.unmount()
    wrapper = undefined
    document.body.innerHTML = ''
    vi.useRealTimers()
  })

  async function mountBell(perms: string[], total?: number) {
    let unread = 3
    const f = fakeFetch((req) => {
      const p = new URL(req.url, 'http://x').pathname
      if (p === '/api/v1/notifications' && req.method === 'GET') {
        if (total === undefined) return jsonResponse(200, { items: ITEMS, unread })
        // A long inbox: as many as asked for, and the total of all.
        const sp = new URL(req.url, 'http://x').searchParams
        const limit = Number(sp.get('limit') ?? 50)
        const offset = Number(sp.get('offset') ?? 0)
        const n = Math.max(0, Math.min(limit, total - offset))
        const items = Array.from({ length: n }, (_, i) => ({ ...ITEMS[0]!, id: `m${offset + i}`, kind: (offset + i) % 2 ? 'notice_reply' : 'notice' }))
        return jsonResponse(200, { items, total, unread })
      }
      if (p === '/api/v1/notifications/read-all') {
        unread = 0
        return new Response(null, { status: 204 })
      }
      if (p.endsWith('/read')) return new Response(null, { status: 204 })
      if (p === '/api/v1/notifications/channels') return jsonResponse(200, { channels: { inapp: 'configured', email: 'not_configured', sms: 'not_configured' } })
      return undefined
    })
    const pinia = createPinia()
    setActivePinia(pinia)
    useAuthStore().me = me({ permissions: perms }) as never
    const router = createRouter({
      history: createMemoryHistory(),
      routes: [
        { path: '/', component: { template: '<div />' } },
        { path: '/supervision/notices/:id', name: 'supervision-notice', component: { template: '<div />' } },
      ],
    })
    await router.push('/')
    wrapper = mount(InboxBell, { global: { plugins: [pinia, i18n, router] }, attachTo: document.body })
    await settle(10)
    await flushPromises()
    return { f, router }
  }

  it('shows the unread count, opens the inbox, follows an app link and marks it read, and marks all read', async () => {
    const { f, router } = await mountBell(['case:read'])
    const bell = wrapper!.find('[data-testid="inbox-bell"]')
    expect(bell.attributes('data-unread')).toBe('3')
    expect(bell.attributes('aria-label')).toContain('3 条未读')
    expect(f.seen[0]!.url).toBe('/api/v1/notifications?limit=1')
    // No supervision:read: no live stream.
    expect(stream.subscribe).not.toHaveBeenCalled()

    await bell.trigger('click')
    await settle(10)
    await flushPromises()
    expect(f.seen.at(-1)!.url).toBe('/api/v1/notifications?limit=50')
    const items = document.body.querySelectorAll('[data-testid="inbox-item"]')
    expect(items).toHaveLength(2)
    expect(items[0]!.textContent).toContain('督办单')
    expect(items[0]!.getAttribute('data-unread')).toBe('true')
    expect(items[1]!.textContent).toContain('黄牌')

    ;(items[0] as HTMLElement).click()
    await settle(10)
    await flushPromises()
    expect(f.to('/api/v1/notifications/m1/read')).toHaveLength(1)
    expect(router.currentRoute.value.fullPath).toBe('/supervision/notices/n1')
    expect(bell.attributes('data-unread')).toBe('2')

    await bell.trigger('click')
    await settle(10)
    await flushPromises()
    // An outside link is never followed (still marked as read only if unread: it is read already).
    ;(document.body.querySelectorAll('[data-testid="inbox-item"]')[1] as HTMLElement).click()
    await settle(5)
    expect(router.currentRoute.value.fullPath).toBe('/supervision/notices/n1')
    expect(f.to('/api/v1/notifications/m2/read')).toHaveLength(0)

    ;(document.body.querySelector('[data-testid="inbox-read-all"]') as HTMLElement).click()
    await settle(10)
    await flushPromises()
    expect(f.to('/api/v1/notifications/read-all')).toHaveLength(1)
    expect(bell.attributes('data-unread')).toBe('0')
  })

  it('pages by the API’s total, not by what is listed, and labels notice replies', async () => {
    const { f } = await mountBell(['case:read'], 73)
    await wrapper!.find('[data-testid="inbox-bell"]').trigger('click')
    await settle(10)
    await flushPromises()
    expect(document.body.querySelectorAll('[data-testid="inbox-item"]')).toHaveLength(50)
    const count = document.body.querySelector('[data-testid="inbox-count"]')!
    expect(count.getAttribute('data-total')).toBe('73')
    expect(count.textContent).toContain('已显示 50 条，共 73 条')
    expect(document.body.querySelector('[data-testid="inbox-item"][data-kind="notice_reply"]')!.textContent).toContain('督办回复')
    ;(document.body.querySelector('[data-testid="inbox-more"]') as HTMLElement).click()
    await settle(10)
    await flushPromises()
    expect(f.seen.at(-1)!.url).toBe('/api/v1/notifications?limit=100')
    expect(document.body.querySelectorAll('[data-testid="inbox-item"]')).toHaveLength(73)
    expect(document.body.querySelector('[data-testid="inbox-count"]')!.textContent).toContain('已显示 73 条，共 73 条')
    expect(document.body.querySelector('[data-testid="inbox-more"]')).toBeNull()
  })

  it('pages past the 200 one request lists by offset, appending', async () => {
    const { f } = await mountBell(['case:read'], 260)
    await wrapper!.find('[data-testid="inbox-bell"]').trigger('click')
    await settle(10)
    await flushPromises()
    for (let i = 0; i < 5; i++) {
      ;(document.body.querySelector('[data-testid="inbox-more"]') as HTMLElement).click()
      await settle(10)
      await flushPromises()
    }
    expect(f.seen.map((r) => r.url).filter((u) => u.startsWith('/api/v1/notifications?'))).toEqual([
      '/api/v1/notifications?limit=1', // the unread count at mount
      '/api/v1/notifications?limit=50',
      '/api/v1/notifications?limit=100',
      '/api/v1/notifications?limit=150',
      '/api/v1/notifications?limit=200',
      '/api/v1/notifications?limit=50&offset=200',
      '/api/v1/notifications?limit=50&offset=250',
    ])
    const listed = [...document.body.querySelectorAll('[data-testid="inbox-item"]')]
    expect(listed).toHaveLength(260)
    expect(document.body.querySelector('[data-testid="inbox-count"]')!.textContent).toContain('已显示 260 条，共 260 条')
    expect(document.body.querySelector('[data-testid="inbox-more"]')).toBeNull()
  })

  it('refreshes on the live stream for supervisors, throttled', async () => {
    const { f } = await mountBell(['supervision:read'])
    expect(stream.subscribe).toHaveBeenCalledTimes(1)
    const before = f.seen.length
    vi.useFakeTimers()
    for (const l of listeners) {
      l({ type: 'card.created', tenant_code: '410581', card: {} as never })
      l({ type: 'card.created', tenant_code: '410581', card: {} as never })
    }
    await vi.advanceTimersByTimeAsync(2100)
    expect(f.seen.length).toBe(before + 1)
  })
})
