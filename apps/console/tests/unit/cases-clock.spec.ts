import { describe, expect, it } from 'vitest'
import type { CalendarDay, CaseStep } from '@/api/cases'
import {
  clockTone,
  countdown,
  isOverdue,
  lastDayOf,
  rowDeadline,
  runningClock,
  shanghaiDate,
  toneTagType,
  urgency,
  WorkingCalendar,
  yearsFor,
} from '@/views/cases/clock'
import { branchesOf, caseActions, caseFlowchart, returnTargets, stepState, stepWorkable } from '@/views/cases/steps'
import { layoutFlowchart } from '@/components/flowchart/layout'
import { formatYuan } from '@/views/cases/labels'

// The 2026 days around 国庆 as GET /api/v1/calendar/days lists them.
const AUTUMN_2026: CalendarDay[] = [
  { date: '2026-09-20', kind: 'makeup_workday', name: '中秋节调休上班', local: false },
  { date: '2026-09-25', kind: 'holiday', name: '中秋节', local: false },
  { date: '2026-09-26', kind: 'holiday', name: '中秋节', local: false },
  { date: '2026-09-27', kind: 'holiday', name: '中秋节', local: false },
  ...['01', '02', '03', '04', '05', '06', '07'].map((d) => ({ date: `2026-10-${d}`, kind: 'holiday', name: '国庆节', local: false })),
  { date: '2026-10-10', kind: 'makeup_workday', name: '国庆节调休上班', local: false },
]

describe('the countdown colour', () => {
  it('is green above 3 working days, amber for 1–3, red on the last day or overdue', () => {
    expect(clockTone({ remaining: 10 })).toBe('green')
    expect(clockTone({ remaining: 4 })).toBe('green')
    expect(clockTone({ remaining: 3 })).toBe('amber')
    expect(clockTone({ remaining: 1 })).toBe('amber')
    expect(clockTone({ remaining: 0 })).toBe('red')
    expect(clockTone({ remaining: -2 })).toBe('red')
    // The server's overdue flag wins over a count that is 0 on a weekend after the last day.
    expect(clockTone({ remaining: 5, overdue: true })).toBe('red')
  })

  it('is grey while the clock stands still, and none without a count', () => {
    expect(clockTone({ remaining: 1, paused: true })).toBe('grey')
    expect(clockTone({ remaining: -3, overdue: false, paused: true })).toBe('grey')
    expect(clockTone({ remaining: 8, stopped: true })).toBe('grey')
    // Overdue before the clock stopped stays overdue.
    expect(clockTone({ remaining: -1, overdue: true, stopped: true })).toBe('red')
    expect(clockTone({ remaining: null })).toBe('none')
    expect(clockTone({})).toBe('none')
  })

  it('maps tones to tag types and sorts by urgency', () => {
    expect(['green', 'amber', 'red', 'grey', 'none'].map((t) => toneTagType(t as never))).toEqual(['success', 'warning', 'danger', 'info', 'info'])
    const items = [
      { id: 'paused', remaining: -5, paused: true },
      { id: 'later', remaining: 9 },
      { id: 'unknown', remaining: null },
      { id: 'overdue', remaining: -2, overdue: true },
      { id: 'soon', remaining: 1 },
      { id: 'very-overdue', remaining: -7, overdue: true },
    ]
    expect([...items].sort((a, b) => urgency(a) - urgency(b)).map((i) => i.id)).toEqual(['very-overdue', 'overdue', 'soon', 'later', 'unknown', 'paused'])
  })

  it('says the server’s count: remaining, the last day, overdue when negative (danger), still while paused', () => {
    expect(countdown({ remaining: 9 })).toEqual({ tone: 'green', key: 'remaining', n: 9 })
    expect(countdown({ remaining: 2 })).toEqual({ tone: 'amber', key: 'remaining', n: 2 })
    expect(countdown({ remaining: 0 })).toEqual({ tone: 'red', key: 'lastDay' })
    // Negative = overdue, whether or not the row says so (the acceptance clock has no overdue flag).
    expect(countdown({ remaining: -3 })).toEqual({ tone: 'red', key: 'overdue', n: 3 })
    expect(countdown({ remaining: -3, overdue: true })).toEqual({ tone: 'red', key: 'overdue', n: 3 })
    expect(toneTagType(countdown({ remaining: -1 }).tone)).toBe('danger')
    // On the weekend right after the last day the count is 0 but the server says overdue.
    expect(countdown({ remaining: 0, overdue: true })).toEqual({ tone: 'red', key: 'overdueShort' })
    expect(countdown({ remaining: -3, paused: true })).toEqual({ tone: 'grey', key: 'paused' })
    expect(countdown({ remaining: 6, stopped: true })).toEqual({ tone: 'grey', key: 'stopped' })
    expect(countdown({ remaining: null })).toEqual({ tone: 'none', key: '' })
    expect(countdown({})).toEqual({ tone: 'none', key: '' })
    expect(isOverdue({ remaining: -1 })).toBe(true)
    expect(isOverdue({ remaining: -1, paused: true })).toBe(false)
    expect(isOverdue({ remaining: 0 })).toBe(false)
  })

  it('takes a case list row’s deadline from the server: acceptance while submitted, the legal one after', () => {
    const submitted = rowDeadline({ status: 'submitted', due_date: null, due_at: null, acceptance_due_at: '2026-12-08T16:00:00Z', remaining_working_days: 3, overdue: false, paused: false })
    expect(submitted).toEqual({ clock: 'acceptance', date: '2026-12-08', remaining: 3, overdue: false, paused: false })
    const late = rowDeadline({ status: 'submitted', acceptance_due_at: '2026-12-08T16:00:00Z', remaining_working_days: -2 })
    expect(countdown(late)).toEqual({ tone: 'red', key: 'overdue', n: 2 })
    // The Sunday after the acceptance deadline: 0 working days left, yet the deadline has passed.
    const weekend = rowDeadline({ status: 'submitted', acceptance_due_at: '2026-12-04T16:00:00Z', remaining_working_days: 0, deadline_passed: true })
    expect(weekend.overdue).toBe(true)
    expect(countdown(weekend)).toEqual({ tone: 'red', key: 'overdueShort' })
    expect(countdown(rowDeadline({ status: 'submitted', acceptance_due_at: '2026-12-04T16:00:00Z', remaining_working_days: 0 }))).toMatchObject({ key: 'lastDay' })
    const handled = rowDeadline({ status: 'in_progress', due_date: '2026-12-28', due_at: '2026-12-28T16:00:00Z', remaining_working_days: -4, overdue: true, paused: false })
    expect(handled).toEqual({ clock: 'handling', date: '2026-12-28', remaining: -4, overdue: true, paused: false })
    // Without due_date the due instant's last day, in Asia/Shanghai.
    expect(rowDeadline({ status: 'pending_decision', due_at: '2026-12-28T16:00:00Z', remaining_working_days: 1, paused: true })).toMatchObject({
      date: '2026-12-28',
      paused: true,
    })
    // A closed case shows its due date and no count.
    expect(rowDeadline({ status: 'delivered', due_date: '2026-12-28', remaining_working_days: null })).toEqual({
      clock: 'none',
      date: '2026-12-28',
      remaining: null,
      overdue: false,
      paused: false,
    })
    expect(rowDeadline({ status: 'refused' }).date).toBe('')
    expect(lastDayOf('2026-11-03T16:00:00Z')).toBe('2026-11-03')
    expect(lastDayOf(null)).toBe('')
    expect(lastDayOf('not a date')).toBe('')
  })

  it('knows which clock a status runs', () => {
    expect(runningClock('submitted')).toBe('acceptance')
    expect(runningClock('in_progress')).toBe('handling')
    expect(runningClock('pending_decision')).toBe('handling')
    for (const s of ['correction_requested', 'refused', 'approved', 'denied', 'delivered']) expect(runningClock(s)).toBe('none')
  })
})

describe('working days in the tenant calendar', () => {
  const cal = new WorkingCalendar(AUTUMN_2026)
  // 20 working days after 2026-09-30 end with Tue 2026-11-03 (pkg/calendar's own example).
  const due = '2026-11-03T16:00:00Z'

  it('skips weekends and holidays and counts make-up working days', () => {
    expect(cal.isWorkingDay('2026-10-01')).toBe(false)
    expect(cal.isWorkingDay('2026-10-10')).toBe(true) // Saturday, 调休上班
    expect(cal.isWorkingDay('2026-10-11')).toBe(false)
    expect(cal.isWorkingDay('2026-10-12')).toBe(true)
    expect(cal.workingDaysIn('2026-09-30', '2026-11-03')).toBe(20)
    const local = new WorkingCalendar([...AUTUMN_2026, { date: '2026-10-12', kind: 'local_holiday', name: '县庆日', local: true }])
    expect(local.isWorkingDay('2026-10-12')).toBe(false)
  })

  it('counts down like WorkingDaysRemaining: 0 on the last day, negative once overdue', () => {
    const cases: [string, number][] = [
      ['2026-09-30T10:00:00+08:00', 20],
      ['2026-10-30T10:00:00+08:00', 2],
      ['2026-10-31T10:00:00+08:00', 2],
      ['2026-11-03T08:00:00+08:00', 0],
      ['2026-11-03T23:59:59+08:00', 0],
      ['2026-11-04T00:00:00+08:00', -1],
      ['2026-11-09T10:00:00+08:00', -4],
    ]
    for (const [now, want] of cases) expect(cal.remaining(now, due), now).toBe(want)
  })

  it('takes dates in Asia/Shanghai and lists the years a page needs', () => {
    expect(shanghaiDate('2026-11-03T16:00:00Z')).toBe('2026-11-04')
    expect(shanghaiDate('2026-11-03T15:59:59Z')).toBe('2026-11-03')
    expect(yearsFor(new Date('2026-12-20T00:00:00Z'), ['2027-01-08T16:00:00Z', null, '2026-12-30T16:00:00Z'])).toEqual([2026, 2027])
  })
})

const step = (node: string, kind: CaseStep['kind'], seq: number, over: Partial<CaseStep> = {}): CaseStep => ({
  id: `id-${node}`,
  node,
  kind,
  name: node,
  seq,
  status: 'pending',
  ...over,
})

// 企业投资项目核准: 受理, then 发改 ‖ 自然资源 ‖ 生态环境, then the decision.
const STEPS = [
  step('start', 'start', 0, { status: 'done' }),
  step('accept', 'task', 1, { status: 'done' }),
  step('sp', 'split', 2, { status: 'done' }),
  step('fgw', 'task', 3, { status: 'active' }),
  step('zrzy', 'task', 4, { status: 'done' }),
  step('sthj', 'task', 5, { status: 'active' }),
  step('jn', 'join', 6),
  step('decide', 'task', 7),
  step('end', 'end', 8),
]

// The filed flowchart's edges, as GET /api/v1/cases/{id} sends them in flow_edges.
const EDGES = [
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
]

describe('the case flowchart', () => {
  it('is drawn from the steps and the case’s flow edges, parallel branches side by side', () => {
    const flow = caseFlowchart(STEPS, EDGES)
    expect(flow.steps.map((s) => s.id)).toEqual(STEPS.map((s) => s.node))
    expect(flow.edges).toEqual(EDGES)
    const layout = layoutFlowchart(flow)
    expect(layout.structured).toBe(true)
    const at = (id: string) => layout.nodes.find((n) => n.step.id === id)!
    // The three parallel tasks share a row, in three columns, between the split and the join.
    expect(new Set(['fgw', 'zrzy', 'sthj'].map((id) => at(id).y)).size).toBe(1)
    expect(new Set(['fgw', 'zrzy', 'sthj'].map((id) => at(id).x)).size).toBe(3)
    expect(at('sp').y).toBeLessThan(at('fgw').y)
    expect(at('jn').y).toBeGreaterThan(at('fgw').y)
    expect(at('end').y).toBeGreaterThan(at('decide').y)
    expect(layout.edges).toHaveLength(EDGES.length)
  })

  it('draws only the edges it has: none are inferred from the steps’ order, strays and repeats are dropped', () => {
    const flow = caseFlowchart(STEPS, [...EDGES, { from: 'fgw', to: 'gone' }, { from: 'sp', to: 'fgw' }, { from: 'jn', to: 'jn' }])
    expect(flow.edges).toEqual(EDGES)
    expect(caseFlowchart(STEPS, null).edges).toEqual([])
    expect(caseFlowchart(STEPS, []).edges).toEqual([])
  })

  it('groups the parallel tasks by branch from the edges (a two-task branch the order alone could not tell)', () => {
    const b = branchesOf(caseFlowchart(STEPS, EDGES))
    expect([...b.entries()].map(([k, v]) => `${k}:${v.branch}/${v.branches}`).sort()).toEqual(['fgw:1/3', 'sthj:3/3', 'zrzy:2/3'])
    expect(b.has('accept')).toBe(false)
    const edges = [
      { from: 'start', to: 'accept' },
      { from: 'accept', to: 'sp' },
      { from: 'sp', to: 'fgw' },
      { from: 'fgw', to: 'zrzy' },
      { from: 'zrzy', to: 'jn' },
      { from: 'sp', to: 'sthj' },
      { from: 'sthj', to: 'jn' },
      { from: 'jn', to: 'decide' },
      { from: 'decide', to: 'end' },
    ]
    const b2 = branchesOf(caseFlowchart(STEPS, edges))
    expect(b2.get('zrzy')?.branch).toBe(1)
    expect(b2.get('sthj')?.branch).toBe(2)
  })

  it('colours each step by where the case is: done, active, returned to, to be redone, pending', () => {
    expect(STEPS.map((s) => stepState(s))).toEqual(['done', 'done', 'done', 'active', 'done', 'active', 'pending', 'pending', 'pending'])
    expect(stepState(step('accept', 'task', 1, { status: 'active', rounds: 2 }))).toBe('returned')
    expect(stepState(step('fgw', 'task', 3, { status: 'pending', rounds: 1 }))).toBe('redo')
    expect(stepState(step('fgw', 'task', 3, { status: 'active', rounds: 1 }))).toBe('active')
    // Gateways are passed, never worked: no rounds, only done or pending.
    expect(stepState(step('jn', 'join', 6, { status: 'pending', rounds: 0 }))).toBe('pending')
    expect(stepState(undefined)).toBe('pending')
  })

  it('offers only completed tasks upstream as return targets, and work only on active tasks of a running case', () => {
    const fgw = STEPS.find((s) => s.node === 'fgw')!
    const sthj = STEPS.find((s) => s.node === 'sthj')!
    expect(returnTargets(STEPS, fgw, EDGES).map((s) => s.node)).toEqual(['accept'])
    // zrzy is done and earlier in order, but in a sibling branch: the server refuses it.
    expect(returnTargets(STEPS, sthj, EDGES).map((s) => s.node)).toEqual(['accept'])
    expect(returnTargets(STEPS, sthj).map((s) => s.node)).toEqual(['accept', 'zrzy'])
    const decide = step('decide', 'task', 7, { status: 'active' })
    const after = STEPS.map((s) => (s.node === 'decide' ? decide : s.kind === 'task' ? { ...s, status: 'done' as const } : s))
    expect(returnTargets(after, decide, EDGES).map((s) => s.node)).toEqual(['accept', 'fgw', 'zrzy', 'sthj'])
    // Without edges: the completed tasks before it in order.
    expect(returnTargets(STEPS, fgw).map((s) => s.node)).toEqual(['accept'])
    expect(stepWorkable({ status: 'in_progress', paused: false }, fgw)).toBe(true)
    expect(stepWorkable({ status: 'in_progress', paused: true }, fgw)).toBe(false)
    expect(stepWorkable({ status: 'pending_decision', paused: false }, fgw)).toBe(false)
    expect(stepWorkable({ status: 'in_progress', paused: false }, STEPS[7]!)).toBe(false)
  })
})

describe('case actions', () => {
  const all = new Set(['case:intake', 'case:handle', 'case:manage'])
  const can = (set: Set<string>) => (p: string) => set.has(p)

  it('follow the status and the permissions', () => {
    const c = (status: string, over = {}) => ({ status: status as never, paused: false, extension_days: 0, ...over })
    expect(caseActions(c('submitted'), can(all))).toEqual(['accept', 'correction', 'refuse'])
    expect(caseActions(c('submitted'), can(new Set(['case:handle'])))).toEqual([])
    expect(caseActions(c('correction_requested'), can(all))).toEqual(['resubmit'])
    expect(caseActions(c('in_progress'), can(all))).toEqual(['pause', 'extend'])
    expect(caseActions(c('in_progress', { paused: true, extension_days: 10 }), can(all))).toEqual(['resume'])
    expect(caseActions(c('pending_decision'), can(all))).toEqual(['pause', 'extend', 'decide'])
    expect(caseActions(c('pending_decision'), can(new Set(['case:handle'])))).toEqual(['pause'])
    expect(caseActions(c('approved'), can(all))).toEqual(['deliver'])
    expect(caseActions(c('delivered'), can(all))).toEqual([])
    expect(caseActions(c('refused'), can(all))).toEqual([])
  })
})

describe('money', () => {
  it('shows fen as yuan with two decimals', () => {
    expect(formatYuan(0)).toBe('0.00')
    expect(formatYuan(5)).toBe('0.05')
    expect(formatYuan(2000)).toBe('20.00')
    expect(formatYuan(123456789)).toBe('1,234,567.89')
    expect(formatYuan(-1050)).toBe('-10.50')
    expect(formatYuan(null)).toBe('')
  })
})
