import { describe, expect, it } from 'vitest'
import type { CalendarDay, CaseStep } from '@/api/cases'
import { clockTone, runningClock, shanghaiDate, toneTagType, urgency, WorkingCalendar, yearsFor } from '@/views/cases/clock'
import { branchesOf, caseActions, caseFlowchart, inferEdges, returnTargets, stepWorkable } from '@/views/cases/steps'
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

describe('the case flowchart', () => {
  it('infers the edges of parallel branches from the steps’ order', () => {
    expect(inferEdges(STEPS).map((e) => `${e.from}>${e.to}`)).toEqual([
      'start>accept',
      'accept>sp',
      'sp>fgw',
      'sp>zrzy',
      'sp>sthj',
      'fgw>jn',
      'zrzy>jn',
      'sthj>jn',
      'jn>decide',
      'decide>end',
    ])
  })

  it('groups the parallel tasks by branch, using the filed edges when they are known', () => {
    const flow = caseFlowchart(STEPS, null, {})
    const b = branchesOf(flow)
    expect([...b.entries()].map(([k, v]) => `${k}:${v.branch}/${v.branches}`).sort()).toEqual(['fgw:1/3', 'sthj:3/3', 'zrzy:2/3'])
    expect(b.has('accept')).toBe(false)
    // Known edges win (here a two-task branch the order alone could not tell).
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
    const b2 = branchesOf(caseFlowchart(STEPS, edges, {}))
    expect(b2.get('zrzy')?.branch).toBe(1)
    expect(b2.get('sthj')?.branch).toBe(2)
  })

  it('offers only earlier completed tasks as return targets, and work only on active tasks of a running case', () => {
    const fgw = STEPS.find((s) => s.node === 'fgw')!
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
