import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount, type VueWrapper } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { createMemoryHistory, createRouter } from 'vue-router'
import type { CardEvent } from '@/api/supervision'
import type { StreamState } from '@/api/supervision/stream'

// The chart draws on a canvas happy-dom lacks; the stream is driven by the test.
const chart = { setOption: vi.fn(), resize: vi.fn(), dispose: vi.fn() }
vi.mock('@/components/echarts', () => ({ init: () => chart }))

const fake = {
  listeners: new Set<(e: CardEvent) => void>(),
  states: new Set<(s: StreamState) => void>(),
  subscribe(l: (e: CardEvent) => void) {
    this.listeners.add(l)
    for (const s of this.states) s('open')
    return () => this.listeners.delete(l)
  },
  onState(l: (s: StreamState) => void) {
    this.states.add(l)
    l('connecting')
    return () => this.states.delete(l)
  },
  emit(e: CardEvent) {
    for (const l of this.listeners) l(e)
  },
}
vi.mock('@/api/supervision/stream', () => ({ supervisionStream: () => fake }))

const { default: SupervisionDashboard } = await import('@/views/supervision/SupervisionDashboard.vue')
const { configureHttp } = await import('@/api/http')
const { vPerm } = await import('@/directives/perm')
const { DEFAULT_LOCALE, i18n, setLocale } = await import('@/locales')
const { useAuthStore } = await import('@/stores/auth')
const { fakeFetch, jsonResponse, me, settle } = await import('./support')

const ZJJ = 'dept-zjj'

function overview(yellow: number) {
  return {
    tenants: [{ code: '410581', name: '林州市', counts: { reminder: 0, yellow, red: 1, appealed: 0, total: yellow + 1 }, overdue_cases: 4 }],
    departments: [{ tenant_code: '410581', department_id: ZJJ, name: '住房和城乡建设局', counts: { reminder: 0, yellow, red: 1, appealed: 0, total: yellow + 1 } }],
    by_rule: { case_overdue: yellow, case_red: 1 },
    totals: { reminder: 0, yellow, red: 1, appealed: 0, total: yellow + 1 },
    // Named by the server: no department list is fetched to name them.
    oldest: [{ ...newCard, id: 'k-old', level: 'red', created_at: '2026-11-20T02:00:00Z', department_name: '住房和城乡建设局（旧）' }],
    trend: [{ date: '2026-12-05', reminder: 0, yellow: 0, red: 0 }],
    // Each case once, at its highest open rung (its superseded yellow card no longer counts).
    case_rungs: { reminder: 0, yellow: 2, red: 1, appealed: 0, total: 3 },
    cases: [{ ...newCard, id: 'k-red', level: 'red', rule: 'case_red', case_id: 'case-red', title: '黄牌后仍未办结：建设工程规划许可（410581261128000111）', department_name: '住房和城乡建设局' }],
    generated_at: '2026-12-05T00:00:00Z',
  }
}

const newCard = {
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
  // The stream may leave the name out.
  department_name: '',
} as const

describe('SupervisionDashboard', { timeout: 60000 }, () => {
  let wrapper: VueWrapper | undefined

  beforeEach(() => {
    setLocale(DEFAULT_LOCALE)
    configureHttp({ locale: () => 'zh-CN', onUnauthorized: () => {} })
    vi.stubGlobal('ResizeObserver', class {
      observe() {}
      disconnect() {}
    })
  })
  afterEach(() => {
    wrapper?.unmount()
    wrapper = undefined
    document.body.innerHTML = ''
    fake.listeners.clear()
    fake.states.clear()
  })

  it('shows a county’s counts and puts a new card on the screen from the stream, then re-fetches', async () => {
    let yellow = 5
    const f = fakeFetch((req) => {
      const p = new URL(req.url, 'http://x').pathname
      if (p === '/api/v1/supervision/overview') return jsonResponse(200, overview(yellow))
      return undefined
    })
    const pinia = createPinia()
    setActivePinia(pinia)
    useAuthStore().me = { ...me({ permissions: ['supervision:read'], roles: ['supervisor'] }), tenant: { code: '410581', name: '林州市', level: 'county', path: '410500/410581' } } as never
    const router = createRouter({
      history: createMemoryHistory(),
      routes: [
        { path: '/supervision', name: 'supervision', component: SupervisionDashboard },
        { path: '/supervision/cards', name: 'supervision-cards', component: { template: '<div />' } },
        { path: '/cases/:id', name: 'case', component: { template: '<div />' } },
      ],
    })
    await router.push('/supervision')
    wrapper = mount(SupervisionDashboard, { global: { plugins: [pinia, i18n, router], directives: { perm: vPerm } }, attachTo: document.body })
    await settle(10)
    await flushPromises()

    const tile = (k: string) => wrapper!.find(`[data-testid="tile-${k}"] [data-testid="tile-value"]`).text()
    expect(wrapper.find('[data-testid="supervision-dashboard"]').attributes('data-level')).toBe('tenant')
    expect(tile('yellow')).toBe('5')
    expect(tile('overdue')).toBe('4')
    expect(wrapper.find('[data-testid="scope-table"]').text()).toContain('住房和城乡建设局')
    expect(wrapper.find('[data-testid="oldest-table"]').text()).toContain('住房和城乡建设局（旧）')
    // Cases by their highest open rung: counts, and the cases at the top of the ladder.
    expect(wrapper.find('[data-testid="case-rung-red"]').text()).toContain('1')
    expect(wrapper.find('[data-testid="case-rung-yellow"]').text()).toContain('2')
    expect(wrapper.find('[data-testid="case-rungs"]').text()).toContain('办件最高警示等级')
    const rungTable = wrapper.find('[data-testid="case-rung-table"]')
    expect(rungTable.text()).toContain('410581261128000111')
    expect(rungTable.find('a').attributes('href')).toBe('/cases/case-red')
    expect(wrapper.find('[data-testid="live-indicator"]').attributes('data-state')).toBe('open')
    expect(f.to('/api/v1/supervision/overview')).toHaveLength(1)

    vi.useFakeTimers()
    try {
      yellow = 6
      fake.emit({ type: 'card.created', tenant_code: '410581', card: newCard })
      await flushPromises()
      // At once, from the event.
      expect(tile('yellow')).toBe('6')
      const item = wrapper.find('[data-testid="live-item"]')
      expect(item.attributes('data-card')).toBe('k-new')
      expect(item.text()).toContain('黄牌')
      expect(item.text()).toContain('410581261128000277')
      // The stream's card came without a department name: the overview's is shown.
      expect(item.text()).toContain('住房和城乡建设局')
      // An event of another county does not count here.
      fake.emit({ type: 'card.created', tenant_code: '410523', card: { ...newCard, id: 'k-other', tenant_code: '410523' } })
      await flushPromises()
      expect(tile('yellow')).toBe('6')
      // Then one throttled re-fetch brings the server's numbers.
      expect(f.to('/api/v1/supervision/overview')).toHaveLength(1)
      await vi.advanceTimersByTimeAsync(1600)
      expect(f.to('/api/v1/supervision/overview')).toHaveLength(2)
    } finally {
      vi.useRealTimers()
    }
    await flushPromises()
    expect(tile('yellow')).toBe('6')
    expect(f.to('/api/v1/departments')).toHaveLength(0)
  })
})
