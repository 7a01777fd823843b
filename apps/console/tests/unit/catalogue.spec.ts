import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { mount } from '@vue/test-utils'
import { configureHttp } from '@/api/http'
import {
  contentOf,
  emptyContent,
  exportUrl,
  fenToYuan,
  filePower,
  listFilings,
  listPowers,
  publicPowers,
  reviewPower,
  yuanToFen,
  type Flowchart,
  type Step,
} from '@/api/catalogue'
import { layoutFlowchart, longestCountedPath, structure } from '@/components/flowchart/layout'
import FlowchartDiagram from '@/components/flowchart/FlowchartDiagram.vue'
import { availableActions, statusTagType } from '@/views/catalogue/status'
import { fieldLabel } from '@/views/catalogue/fields'
import { DEFAULT_LOCALE, i18n, setLocale } from '@/locales'
import { clearCookies, fakeFetch, jsonResponse } from './support'

const step = (id: string, kind: Step['kind'], days = 0, dept = 'ZJJ'): Step => ({
  id,
  name: id,
  kind,
  post: '',
  role: kind === 'task' ? 'case_handler' : '',
  department_code: kind === 'task' ? dept : '',
  time_limit: days,
  counts: kind === 'task',
  checkpoint: false,
  duties: '',
  counterparty_rights: '',
})

const e = (...ids: string[]) => ids.slice(1).map((to, i) => ({ from: ids[i]!, to }))

/** 受理 → (住建 ‖ 规划 ‖ 环评) → 决定: the parallel approval. */
function parallel(): Flowchart {
  return {
    steps: [step('s', 'start'), step('a', 'task', 1), step('sp', 'split'), step('zj', 'task', 3), step('zr', 'task', 2, 'ZRZY'), step('hb', 'task', 4, 'STHJ'), step('jn', 'join'), step('d', 'task', 1), step('e', 'end')],
    edges: [...e('s', 'a', 'sp'), { from: 'sp', to: 'zj' }, { from: 'sp', to: 'zr' }, { from: 'sp', to: 'hb' }, { from: 'zj', to: 'jn' }, { from: 'zr', to: 'jn' }, { from: 'hb', to: 'jn' }, ...e('jn', 'd', 'e')],
  }
}

describe('flowchart layout', () => {
  it('puts parallel branches side by side between their split and join', () => {
    const l = layoutFlowchart(parallel())
    expect(l.structured).toBe(true)
    const at = (id: string) => l.nodes.find((n) => n.step.id === id)!
    // Same row for the three branches, three different columns, centred under the split.
    expect(new Set(['zj', 'zr', 'hb'].map((id) => at(id).y)).size).toBe(1)
    expect(new Set(['zj', 'zr', 'hb'].map((id) => at(id).x)).size).toBe(3)
    expect(at('zr').x).toBe(at('sp').x)
    expect(at('jn').y).toBeGreaterThan(at('zj').y)
    expect(at('e').y).toBeGreaterThan(at('d').y)
    expect(l.edges).toHaveLength(parallel().edges.length)
    expect(l.width).toBeGreaterThan(3 * 150)
  })

  it('nests splits inside branches', () => {
    const f = parallel()
    // Replace branch zr by split2 → (x ‖ y) → join2.
    f.steps.push(step('sp2', 'split'), step('x', 'task', 1), step('y', 'task', 1), step('jn2', 'join'))
    f.edges = f.edges.filter((x) => x.to !== 'zr' && x.from !== 'zr')
    f.steps = f.steps.filter((s) => s.id !== 'zr')
    f.edges.push({ from: 'sp', to: 'sp2' }, { from: 'sp2', to: 'x' }, { from: 'sp2', to: 'y' }, { from: 'x', to: 'jn2' }, { from: 'y', to: 'jn2' }, { from: 'jn2', to: 'jn' })
    expect(structure(f)).not.toBeNull()
    const l = layoutFlowchart(f)
    expect(l.structured).toBe(true)
    const at = (id: string) => l.nodes.find((n) => n.step.id === id)!
    expect(at('x').y).toBe(at('y').y)
    expect(at('jn').y).toBeGreaterThan(at('jn2').y)
  })

  it('falls back to layers for a chart still being edited, drawing every step', () => {
    const f = parallel()
    f.edges = f.edges.filter((x) => x.from !== 'hb') // hb leads nowhere
    f.edges.push({ from: 'd', to: 'a' }) // and a cycle
    const l = layoutFlowchart(f)
    expect(l.structured).toBe(false)
    expect(l.nodes).toHaveLength(f.steps.length)
  })

  it('computes the longest counted path like the server', () => {
    expect(longestCountedPath(parallel())).toBe(1 + 4 + 1)
    const f = parallel()
    f.steps.find((s) => s.id === 'hb')!.counts = false
    expect(longestCountedPath(f)).toBe(1 + 3 + 1)
    f.edges.push({ from: 'd', to: 'a' })
    expect(longestCountedPath(f)).toBe(0)
  })

  it('renders the diagram as SVG with a node per step and a checkpoint mark', () => {
    const f = parallel()
    f.steps[1]!.checkpoint = true
    const w = mount(FlowchartDiagram, { props: { flowchart: f, departments: { ZJJ: '住建局', ZRZY: '自然资源局' } }, global: { plugins: [i18n] } })
    expect(w.findAll('[data-step-id]')).toHaveLength(9)
    expect(w.findAll('path[data-edge]')).toHaveLength(10)
    expect(w.find('[data-step-id="a"]').classes()).toContain('checkpoint')
    expect(w.find('[data-step-id="zr"]').text()).toContain('自然资源局')
  })
})

describe('catalogue helpers', () => {
  afterEach(() => setLocale(DEFAULT_LOCALE))

  it('converts money between yuan and fen exactly', () => {
    expect(yuanToFen('12.3')).toBe(1230)
    expect(yuanToFen('0.01')).toBe(1)
    expect(yuanToFen('550')).toBe(55000)
    expect(yuanToFen('1.234')).toBeNull()
    expect(yuanToFen('-1')).toBeNull()
    expect(yuanToFen('一百')).toBeNull()
    expect(fenToYuan(55000)).toBe('550.00')
    expect(fenToYuan(1)).toBe('0.01')
  })

  it('offers the workflow actions the status and the permissions allow', () => {
    const all = (p: string) => ['power:draft', 'power:review', 'power:file'].includes(p)
    expect(availableActions('draft', all, false, true)).toEqual(['edit', 'submit'])
    expect(availableActions('submitted', all, false, true)).toEqual(['approve', 'return'])
    expect(availableActions('approved', all, false, true)).toEqual(['publish'])
    expect(availableActions('published', all, false, true)).toEqual([])
    expect(availableActions('published', all, true, false)).toEqual(['file'])
    expect(availableActions('filed', all, false, true)).toEqual(['revise'])
    expect(availableActions('filed', all, false, false)).toEqual([])
    expect(statusTagType('filed')).toBe('success')
    expect(statusTagType('returned')).toBe('danger')
  })

  it('names API field paths the way readers do', () => {
    setLocale('zh-CN')
    const c = emptyContent()
    c.flowchart.steps.splice(1, 0, { ...step('zjj', 'task', 3), name: '住建审查' })
    expect(fieldLabel('promised_limit')).toBe('承诺时限')
    expect(fieldLabel('fees[0].amount_fen')).toBe('收费标准 · 第 1 行 · 金额')
    expect(fieldLabel('flowchart.steps[1].time_limit', c)).toBe('流程图 · 环节 · 「住建审查」 · 时限')
    expect(fieldLabel('flowchart.steps[zjj].time_limit', c)).toBe('流程图 · 环节 · 「住建审查」 · 时限')
    expect(fieldLabel('complaint_channels.phone')).toBe('投诉渠道 · 电话')
    expect(fieldLabel('something_new')).toBe('something_new')
  })

  it('copies a version into an editable body without aliasing', () => {
    const v = emptyContent('d1')
    const c = contentOf(v)
    c.flowchart.steps[0]!.name = 'changed'
    expect(v.flowchart.steps[0]!.name).toBe('开始')
    expect(Object.keys(c).sort()).toEqual(Object.keys(v).sort())
  })
})

describe('catalogue API', () => {
  beforeEach(() => {
    configureHttp({ locale: () => 'zh-CN', onUnauthorized: () => {} })
    clearCookies()
    document.cookie = 'sunshine_csrf=tok; path=/'
  })
  afterEach(() => clearCookies())

  it('lists with the filters as query parameters', async () => {
    const f = fakeFetch(() => jsonResponse(200, { items: [], total: 0 }))
    await listPowers({ status: 'filed', department: 'ZJJ', q: '施工', exercisable: true, page: 2 })
    const u = new URL(f.seen[0]!.url, 'http://x')
    expect(u.pathname).toBe('/api/v1/powers')
    expect(Object.fromEntries(u.searchParams)).toEqual({ status: 'filed', department: 'ZJJ', q: '施工', exercisable: 'true', page: '2' })
    expect(exportUrl({ status: 'filed', q: '' })).toBe('/api/v1/powers/export?status=filed')
  })

  it('sends reviews and filings with the CSRF header', async () => {
    const f = fakeFetch(() => jsonResponse(200, { id: 'p1' }))
    await reviewPower('p1', 'return', '请补充')
    await filePower('p1')
    expect(f.seen.map((r) => `${r.method} ${new URL(r.url, 'http://x').pathname}`)).toEqual(['POST /api/v1/powers/p1/review', 'POST /api/v1/powers/p1/file'])
    expect(f.seen[0]!.body).toEqual({ decision: 'return', comment: '请补充' })
    expect(f.seen[0]!.headers['x-csrf-token']).toBe('tok')
  })

  it('reads the filing queue and the public catalogue', async () => {
    const f = fakeFetch((r) => {
      const p = new URL(r.url, 'http://x').pathname
      if (p === '/api/v1/filings') return jsonResponse(200, { items: [{ id: 'f1', state: 'overdue' }], total: 1 })
      if (p === '/api/v1/public/410581/powers') return jsonResponse(200, { items: [], total: 0, departments: [], categories: [] })
      return undefined
    })
    expect((await listFilings('overdue'))[0]!.state).toBe('overdue')
    expect(new URL(f.seen[0]!.url, 'http://x').searchParams.get('status')).toBe('overdue')
    expect((await publicPowers('410581', { q: '许可' })).total).toBe(0)
  })
})
