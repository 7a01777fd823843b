import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount, type VueWrapper } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { createMemoryHistory, createRouter } from 'vue-router'
import type { RunAction } from '@/api/appraisal'

// The ranking chart draws on a canvas happy-dom lacks.
const chart = { setOption: vi.fn(), resize: vi.fn(), dispose: vi.fn() }
vi.mock('@/components/echarts', () => ({ init: () => chart }))

const { default: RankingView } = await import('@/views/appraisal/RankingView.vue')
const { default: AdjustDialog } = await import('@/views/appraisal/AdjustDialog.vue')
const { default: RunActions } = await import('@/views/appraisal/RunActions.vue')
const { configureHttp } = await import('@/api/http')
const { vPerm } = await import('@/directives/perm')
const { currentLocale, DEFAULT_LOCALE, i18n, setLocale } = await import('@/locales')
const { useAuthStore } = await import('@/stores/auth')
const { fakeFetch, jsonResponse, me, problemResponse, settle, wait } = await import('./support')
const { runDetail } = await import('./appraisal-fixtures')
const { indicatorRows } = await import('@/views/appraisal/ranking')
const { CATEGORIES, INDICATORS } = await import('./appraisal-fixtures')

const CITY = { code: '410500', name: '安阳市', level: 'city', path: '410500' }
const COUNTY = { code: '410581', name: '林州市', level: 'county', path: '410500/410581' }

let wrapper: VueWrapper | undefined

beforeEach(() => {
  setLocale(DEFAULT_LOCALE)
  configureHttp({ locale: currentLocale, onUnauthorized: () => {} })
})
afterEach(() => {
  wrapper?.unmount()
  wrapper = undefined
  document.body.innerHTML = ''
})

function signIn(tenant: typeof CITY, permissions: string[]) {
  const pinia = createPinia()
  setActivePinia(pinia)
  useAuthStore().me = { ...me({ permissions, roles: ['leading_group'] }), tenant } as never
  return pinia
}

describe('RunActions', () => {
  it('shows exactly the allowed actions and says which was clicked', async () => {
    const w = mount(RunActions, { props: { allowed: ['publish', 'adjust', 'rescore'] }, global: { plugins: [i18n] } })
    const ids = w.findAll('button').map((b) => b.attributes('data-testid'))
    expect(ids).toEqual(['run-action-rescore', 'run-action-publish'])
    expect(w.text()).toContain('公布')
    await w.find('[data-testid="run-action-publish"]').trigger('click')
    expect(w.emitted('action')).toEqual([['publish']])
    await w.setProps({ allowed: [] })
    expect(w.findAll('button')).toHaveLength(0)
  })
})

describe('RankingView', { timeout: 60000 }, () => {
  async function mountRun(tenant: typeof CITY, permissions: string[], allowed: RunAction[], extra: Record<string, unknown> = {}) {
    const f = fakeFetch((req) => {
      const p = new URL(req.url, 'http://x').pathname
      if (req.method === 'GET' && p === '/api/v1/appraisal/runs/run-1') return jsonResponse(200, runDetail({ allowed_actions: allowed, ...extra }))
      if (req.method === 'GET' && p === '/api/v1/appraisal/runs/run-1/objections') return jsonResponse(200, { items: [], total: 0 })
      if (req.method === 'POST' && p === '/api/v1/appraisal/runs/run-1/approve')
        return jsonResponse(200, { ...runDetail({ status: 'approved', allowed_actions: ['publish'] }), groups: undefined, results: undefined })
      return undefined
    })
    const pinia = signIn(tenant, permissions)
    const router = createRouter({
      history: createMemoryHistory(),
      routes: [
        { path: '/appraisal', name: 'appraisal', component: { template: '<div />' } },
        { path: '/appraisal/runs/:id', name: 'appraisal-run', component: RankingView },
        { path: '/appraisal/runs/:id/subjects/:subject', name: 'appraisal-subject', component: { template: '<div />' } },
        { path: '/appraisal/runs/:id/report', name: 'appraisal-report', component: { template: '<div />' } },
      ],
    })
    await router.push('/appraisal/runs/run-1')
    wrapper = mount(RankingView, { global: { plugins: [pinia, i18n, router], directives: { perm: vPerm } }, attachTo: document.body })
    await settle(10)
    await flushPromises()
    return { f, router }
  }

  const buttons = () => wrapper!.findAll('[data-testid="run-actions"] button').map((b) => b.attributes('data-testid'))

  it('ranks the counties for the city, best first, with the change and the category columns', async () => {
    await mountRun(CITY, ['appraisal:read', 'appraisal:manage'], ['adjust', 'approve'])
    expect(wrapper!.find('[data-testid="group-title"]').text()).toBe('安阳市各县（市、区）')
    const rows = wrapper!.findAll('[data-testid="ranking-table"] .el-table__body tr')
    expect(rows.map((r) => r.find('[data-testid="ranking-rank"]').text())).toEqual(['1', '2', '2'])
    expect(rows[0]!.text()).toContain('林州市')
    expect(rows[0]!.text()).toContain('91.00')
    expect(rows[0]!.text()).toContain('已调整')
    expect(rows[0]!.find('[data-testid="ranking-change"]').text()).toBe('+2.00')
    expect(rows[2]!.find('[data-testid="ranking-change"]').text()).toBe('-1.25')
    const header = wrapper!.find('[data-testid="ranking-table"] .el-table__header').text()
    expect(header).toContain('时限执行')
    // Deductions and bonuses are not score columns.
    expect(header).not.toContain('电子监察扣分')
    // The chart got the same rows.
    const option = chart.setOption.mock.calls.at(-1)![0] as { yAxis: { data: string[] } }
    expect(option.yAxis.data).toEqual(['2. 滑县', '2. 汤阴县', '1. 林州市'])
  })

  it('offers exactly the run’s allowed actions (adjust is per indicator, on the subject page)', async () => {
    await mountRun(CITY, ['appraisal:read', 'appraisal:manage'], ['adjust', 'approve'])
    expect(buttons()).toEqual(['run-action-approve'])
    wrapper!.unmount()
    await mountRun(CITY, ['appraisal:read', 'appraisal:manage'], ['rescore', 'adjust', 'open_objections'], { status: 'draft' })
    expect(buttons()).toEqual(['run-action-rescore', 'run-action-open_objections'])
    wrapper!.unmount()
    await mountRun(COUNTY, ['appraisal:read', 'appraisal:object'], ['object'])
    expect(buttons()).toEqual(['run-action-object'])
    // A county reader opens on its own departments' ranking.
    expect(wrapper!.find('[data-testid="group-title"]').text()).toBe('林州市各部门')
    wrapper!.unmount()
    await mountRun(COUNTY, ['appraisal:read'], [], { status: 'published' })
    expect(buttons()).toEqual([])
  })

  it('approves while the objection window is open only by closing it early with a note', async () => {
    const { f } = await mountRun(CITY, ['appraisal:read', 'appraisal:manage'], ['adjust', 'approve'])
    await wrapper!.find('[data-testid="run-action-approve"]').trigger('click')
    await settle(5)
    const dialog = document.body.querySelector('[data-testid="text-dialog"]')!
    const box = dialog.querySelector('[data-testid="close-window"] input') as HTMLInputElement
    expect(box.checked).toBe(true)
    ;(dialog.querySelector('[data-testid="text-dialog-submit"]') as HTMLElement).click()
    await settle(5)
    await wait(120)
    expect(dialog.textContent).toContain('请填写审定说明')
    expect(f.to('/api/v1/appraisal/runs/run-1/approve')).toHaveLength(0)
    const input = dialog.querySelector('textarea[data-testid="text-dialog-input"]') as HTMLTextAreaElement
    input.value = '领导小组会议审定'
    input.dispatchEvent(new Event('input'))
    await settle(2)
    ;(dialog.querySelector('[data-testid="text-dialog-submit"]') as HTMLElement).click()
    await settle(10)
    await flushPromises()
    expect(f.to('/api/v1/appraisal/runs/run-1/approve').map((r) => r.body)).toEqual([{ close_window: true, note: '领导小组会议审定' }])
  })
})

describe('AdjustDialog', { timeout: 60000 }, () => {
  const rows = () =>
    indicatorRows(INDICATORS, CATEGORIES, [
      { code: 'on_time', category: 'timeliness', definition: 'case.on_time', numerator: 18, denominator: 20, count: 18, rate: 90, raw: {}, computed: 12.6, points: 12.6, adjusted: false },
      { code: 'red_cards', category: 'supervision', definition: 'card.red', numerator: 2, denominator: 2, count: 2, rate: null, raw: {}, computed: -20, points: -20, adjusted: false },
    ])

  async function open(reply: () => Response) {
    const f = fakeFetch((req) => (req.method === 'POST' && req.url === '/api/v1/appraisal/runs/run-1/adjustments' ? reply() : undefined))
    const pinia = signIn(CITY, ['appraisal:manage'])
    wrapper = mount(AdjustDialog, {
      props: { modelValue: false, runId: 'run-1', subjectKey: '410581', subjectName: '林州市', indicators: rows(), indicator: 'red_cards' },
      global: { plugins: [pinia, i18n] },
      attachTo: document.body,
    })
    await wrapper.setProps({ modelValue: true })
    await settle(5)
    return f
  }

  const dialog = () => document.body.querySelector('[data-testid="adjust-dialog"]')!
  const submit = async () => {
    ;(dialog().querySelector('[data-testid="adjust-submit"]') as HTMLElement).click()
    await settle(10)
    await flushPromises()
    await wait(120)
  }
  const itemError = (testid: string) => dialog().querySelector(`[data-testid="${testid}"]`)!.closest('.el-form-item')!.querySelector('.el-form-item__error')?.textContent?.trim() ?? ''
  async function typeReason(text: string) {
    const ta = dialog().querySelector('textarea[data-testid="adjust-reason"]') as HTMLTextAreaElement
    ta.value = text
    ta.dispatchEvent(new Event('input'))
    await settle(2)
  }

  it('opens on the indicator with its current points, and asks for a reason before sending anything', async () => {
    const f = await open(() => jsonResponse(201, {}))
    expect(dialog().querySelector('[data-testid="adjust-computed"]')!.textContent).toBe('-20.00')
    expect((dialog().querySelector('[data-testid="adjust-points"] input') as HTMLInputElement).value).toBe('-20.00')
    await submit()
    expect(itemError('adjust-reason')).toBe('请填写调整理由')
    expect(f.seen).toHaveLength(0)
  })

  it('shows the server’s refusals under their fields, and the rest in the banner', async () => {
    let answer = problemResponse(422, { code: 'validation_failed', detail: '请求参数有误', errors: [{ field: 'points', code: 'out_of_range', message: '须在 -1000 到 1000 之间' }] })
    const f = await open(() => answer)
    await typeReason('核实：一张红牌已撤销')
    await submit()
    expect(itemError('adjust-points')).toBe('须在 -1000 到 1000 之间')
    expect(itemError('adjust-reason')).toBe('')
    expect(dialog().querySelector('[data-testid="adjust-error"]')).toBeNull()
    expect(f.seen[0]!.body).toEqual({ subject: '410581', indicator: 'red_cards', points: -20, reason: '核实：一张红牌已撤销', evidence_file_ids: [] })

    answer = problemResponse(409, { code: 'appraisal.run_published', detail: '已公布的考核结果不能修改；请发起更正' })
    await submit()
    expect(dialog().querySelector('[data-testid="adjust-error"]')!.textContent).toContain('已公布的考核结果不能修改')
    expect(itemError('adjust-points')).toBe('')
    expect(wrapper!.emitted('done')).toBeUndefined()
  })

  it('sends the adjustment and closes', async () => {
    const adj = { id: 'a1', run_id: 'run-1', result_id: 'r', subject_key: '410581', indicator_code: 'red_cards', reason: 'x', created_by_name: '领导', created_at: '2026-12-05T01:00:00Z', before: -20, after: -10, evidence: [] }
    const f = await open(() => jsonResponse(201, adj))
    await typeReason('一张红牌申诉成立')
    await submit()
    expect(f.seen).toHaveLength(1)
    expect(wrapper!.emitted('done')).toEqual([[adj]])
    expect(wrapper!.emitted('update:modelValue')).toEqual([[false]])
  })
})
