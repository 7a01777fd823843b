import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { flushPromises, mount, type VueWrapper } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { createMemoryHistory, createRouter } from 'vue-router'
import CaseDetailView from '@/views/cases/CaseDetailView.vue'
import CaseClock from '@/views/cases/CaseClock.vue'
import { configureHttp } from '@/api/http'
import { vPerm } from '@/directives/perm'
import { currentLocale, DEFAULT_LOCALE, i18n, setLocale } from '@/locales'
import { useAuthStore } from '@/stores/auth'
import { fakeFetch, jsonResponse, me, settle, type SeenRequest } from './support'

const step = (node: string, kind: string, seq: number, over: Record<string, unknown> = {}) => ({
  id: `id-${node}`,
  node,
  kind,
  name: { start: '开始', accept: '窗口受理', sp: '并联', fgw: '发改审查', zrzy: '自然资源审查', sthj: '生态环境审查', jn: '汇合', decide: '决定', end: '办结' }[node],
  seq,
  status: 'pending',
  rounds: 0,
  ...over,
})

// A case the server answers for: its steps and the filed flowchart's edges (flow_edges).
function caseDetail(lang: string) {
  return {
    id: 'c-1',
    tenant_code: '410581',
    tracking_no: '410581261128000001',
    power_id: 'p-1',
    version_id: 'v-1',
    power_name: '企业投资项目核准',
    department_id: 'd-fgw',
    window_id: null,
    channel: 'window',
    project_id: null,
    applicant: { type: 'org', name: '某公司', id_number: '91310110666007217T', phone: '139****0001' },
    materials: [],
    missing_materials: [],
    status: 'in_progress',
    received_at: '2026-11-20T02:00:00Z',
    acceptance_due_at: '2026-11-26T16:00:00Z',
    accepted_at: '2026-11-21T02:00:00Z',
    limit_days: 15,
    due_date: '2026-12-11',
    due_at: '2026-12-11T16:00:00Z',
    remaining_working_days: -2,
    overdue: true,
    paused: false,
    steps: [
      step('start', 'start', 0, { status: 'done' }),
      step('accept', 'task', 1, { status: 'active', rounds: 2 }),
      step('sp', 'split', 2),
      step('fgw', 'task', 3, { rounds: 1 }),
      step('zrzy', 'task', 4),
      step('sthj', 'task', 5),
      step('jn', 'join', 6),
      step('decide', 'task', 7),
      step('end', 'end', 8),
    ],
    flow_edges: [
      { from: 'start', to: 'accept' },
      { from: 'accept', to: 'sp' },
      { from: 'sp', to: 'fgw' },
      { from: 'sp', to: 'zrzy' },
      { from: 'sp', to: 'sthj' },
      { from: 'fgw', to: 'jn' },
      { from: 'zrzy', to: 'jn' },
      { from: 'sthj', to: 'jn' },
      { from: 'jn', to: 'decide' },
      { from: 'decide', to: 'end' },
    ],
    pauses: [],
    fees: [],
    // The server renders the notes in the request's language.
    events: [{ id: 'e1', at: '2026-11-21T02:00:00Z', kind: 'step_returned', step_name: '发改审查', actor_name: '张三', note: lang === 'en' ? 'Returned: incomplete' : '退回：材料不全', public: false }],
    deadline_explanation: null,
  }
}

describe('CaseDetailView', { timeout: 60000 }, () => {
  let wrapper: VueWrapper | undefined

  beforeEach(() => {
    setLocale(DEFAULT_LOCALE)
    configureHttp({ locale: currentLocale, onUnauthorized: () => {} })
  })
  afterEach(() => {
    wrapper?.unmount()
    wrapper = undefined
    document.body.innerHTML = ''
    setLocale(DEFAULT_LOCALE)
  })

  async function mountCase(perms: string[]) {
    const f = fakeFetch((req: SeenRequest) => {
      const p = new URL(req.url, 'http://x').pathname
      if (p === '/api/v1/cases/c-1') return jsonResponse(200, caseDetail(req.headers['accept-language'] ?? ''))
      if (p === '/api/v1/departments') return jsonResponse(200, { items: [{ id: 'd-fgw', tenant_code: '410581', code: 'FGW', name: '发展和改革委员会', type: 'commission', parent_id: null, sort: 1, active: true }] })
      if (p === '/api/v1/calendar/days') return jsonResponse(200, { year: 2026, covered: true, items: [] })
      if (p === '/api/v1/tenants') return jsonResponse(200, { items: [] })
      return undefined
    })
    const pinia = createPinia()
    setActivePinia(pinia)
    useAuthStore().me = me({ permissions: perms, roles: ['supervisor'] }) as never
    const router = createRouter({
      history: createMemoryHistory(),
      routes: [
        { path: '/cases', component: { template: '<div />' } },
        { path: '/cases/:id', component: CaseDetailView },
        { path: '/cases/:id/receipt', component: { template: '<div />' } },
      ],
    })
    await router.push('/cases/c-1')
    wrapper = mount(CaseDetailView, { global: { plugins: [pinia, i18n, router], directives: { perm: vPerm } }, attachTo: document.body })
    await settle(10)
    await flushPromises()
    return f
  }

  it('draws the flowchart from the case’s flow edges, coloured by step state, without fetching the power', async () => {
    const f = await mountCase(['case:read'])
    const flow = wrapper!.find('[data-testid="case-flow"]')
    expect(flow.attributes('data-structured')).toBe('true')
    expect(flow.findAll('[data-node]')).toHaveLength(9)
    expect(flow.findAll('path.edge')).toHaveLength(10)
    const node = (id: string) => flow.find(`[data-node="${id}"]`)
    expect(node('start').attributes('data-state')).toBe('done')
    expect(node('accept').attributes('data-state')).toBe('returned')
    expect(node('accept').classes()).toContain('state-returned')
    expect(node('fgw').attributes('data-state')).toBe('redo')
    expect(node('zrzy').attributes('data-state')).toBe('pending')
    expect(flow.text()).toContain('退回重办')
    // The edges come with the case: no catalogue request (which needed power:read).
    expect(f.seen.some((r) => r.url.startsWith('/api/v1/powers'))).toBe(false)
    // The case's own countdown is the server's: two working days overdue, in red.
    const clock = wrapper!.find('[data-testid="case-clock-block"] [data-testid="case-clock"]')
    expect(clock.attributes('data-tone')).toBe('red')
    expect(clock.text()).toContain('超期 2 个工作日')
    // Only a supervisor may send a notice.
    expect(wrapper!.find('[data-testid="case-send-notice"]').exists()).toBe(false)
  })

  it('offers a supervisor to send a notice about the case, the dialog prefilled with it', async () => {
    await mountCase(['case:read', 'supervision:read', 'supervision:act'])
    const button = wrapper!.find('[data-testid="case-send-notice"]')
    expect(button.text()).toBe('发督办单')
    await button.trigger('click')
    await settle(10)
    await flushPromises()
    const dialog = document.body.querySelector('[data-testid="send-notice-dialog"]')!
    expect(dialog).not.toBeNull()
    expect(dialog.querySelector('[data-testid="send-notice-subject"]')!.textContent).toContain('410581261128000001 企业投资项目核准')
    // The case's department is proposed (its name from the tenant's list).
    expect(dialog.querySelector('[data-testid="send-notice-department"]')!.textContent).toContain('发展和改革委员会')
  })

  it('asks again in the new language when the UI language changes (timeline notes are the server’s)', async () => {
    const f = await mountCase(['case:read'])
    expect(wrapper!.find('[data-testid="case-timeline"]').text()).toContain('退回：材料不全')
    expect(f.to('/api/v1/cases/c-1').map((r) => r.headers['accept-language'])).toEqual(['zh-CN'])
    setLocale('en')
    await settle(10)
    await flushPromises()
    expect(f.to('/api/v1/cases/c-1').map((r) => r.headers['accept-language'])).toEqual(['zh-CN', 'en'])
    expect(wrapper!.find('[data-testid="case-timeline"]').text()).toContain('Returned: incomplete')
  })
})

describe('CaseClock', () => {
  afterEach(() => setLocale(DEFAULT_LOCALE))

  const mountClock = (props: InstanceType<typeof CaseClock>['$props']) => mount(CaseClock, { props, global: { plugins: [i18n] } })

  it('shows the server’s count with the due date: negative is overdue, in danger red', () => {
    const w = mountClock({ dueAt: '2026-12-11T16:00:00Z', dueDate: '2026-12-11', remaining: -3, showDate: true })
    expect(w.attributes('data-tone')).toBe('red')
    expect(w.text()).toContain('2026-12-11')
    expect(w.text()).toContain('超期 3 个工作日')
    expect(w.find('.el-tag--danger').exists()).toBe(true)
  })

  it('trusts the server’s count over the browser’s clock (the platform clock may have travelled)', () => {
    // A due instant long past by the browser's clock, but the server says 5 working days are left.
    const w = mountClock({ dueAt: '2000-01-10T16:00:00Z', remaining: 5 })
    expect(w.attributes('data-tone')).toBe('green')
    expect(w.text()).toContain('剩余 5 个工作日')
    setLocale('en')
    const en = mountClock({ dueAt: '2000-01-10T16:00:00Z', remaining: 0 })
    expect(en.text()).toContain('Due today')
  })
})
