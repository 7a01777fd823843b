// The legal clock as the console shows it: a colour and a text for the countdown to a due date.
// The count is the server's wherever the API gives one (case lists, my tasks, the case's own clock:
// remaining_working_days, in the case's tenant calendar and on the platform clock). Only where the
// API gives a due instant but no count (a case's acceptance and delivery deadlines, a step's due
// instant on the case page) is it counted here, in the tenant's calendar, as pkg/calendar does.
import type { CalendarDay, CaseStatus, CaseSummary } from '@/api/cases/types'

/** green: more than 3 working days; amber: 1–3; red: the last day or overdue; grey: the clock stands still. */
export type ClockTone = 'green' | 'amber' | 'red' | 'grey' | 'none'

export interface ClockState {
  /** Working days left (0 on the last day, negative once overdue); null/undefined when unknown. */
  remaining?: number | null
  overdue?: boolean
  /** An Art. 45 pause (听证、检测 …). */
  paused?: boolean
  /** The clock stands still (only uncounted steps are running: clock_stopped_at is set). */
  stopped?: boolean
}

/** Overdue as the server says, or as a negative count says (the acceptance clock has no overdue flag). */
export function isOverdue(s: ClockState): boolean {
  return !s.paused && (!!s.overdue || (typeof s.remaining === 'number' && s.remaining < 0))
}

export function clockTone(s: ClockState): ClockTone {
  if (s.paused) return 'grey'
  if (isOverdue(s)) return 'red'
  if (s.stopped) return 'grey'
  if (s.remaining === null || s.remaining === undefined) return 'none'
  if (s.remaining <= 0) return 'red'
  if (s.remaining <= 3) return 'amber'
  return 'green'
}

/** The Element Plus tag type of a tone. */
export function toneTagType(tone: ClockTone): 'success' | 'warning' | 'danger' | 'info' {
  switch (tone) {
    case 'green':
      return 'success'
    case 'amber':
      return 'warning'
    case 'red':
      return 'danger'
    default:
      return 'info'
  }
}

/** What a countdown says: a message key under `clock.` with its count, and its tone. */
export interface Countdown {
  tone: ClockTone
  /** "" when there is nothing to say (no clock). */
  key: '' | 'paused' | 'stopped' | 'overdue' | 'overdueShort' | 'lastDay' | 'remaining'
  n?: number
}

/**
 * The countdown of a clock: 暂停计时 / 计时暂停 while it stands still, 超期 N 个工作日 once the count is
 * negative (or 已超期 when the server says overdue and the count is 0, e.g. on the weekend after
 * the last day), 今日到期 on the last day, else 剩余 N 个工作日.
 */
export function countdown(s: ClockState): Countdown {
  const tone = clockTone(s)
  const r = typeof s.remaining === 'number' && Number.isFinite(s.remaining) ? Math.trunc(s.remaining) : null
  if (s.paused) return { tone, key: 'paused' }
  if (isOverdue(s)) return r !== null && r < 0 ? { tone, key: 'overdue', n: -r } : { tone, key: 'overdueShort' }
  if (s.stopped) return { tone, key: 'stopped' }
  if (r === null) return { tone, key: '' }
  if (r === 0) return { tone, key: 'lastDay' }
  return { tone, key: 'remaining', n: r }
}

/** The last day ("YYYY-MM-DD", Asia/Shanghai) of a period that ends at an exclusive due instant; "" for none. */
export function lastDayOf(dueAt: string | null | undefined): string {
  if (!dueAt) return ''
  const t = new Date(dueAt).getTime()
  return Number.isNaN(t) ? '' : shanghaiDate(t - 1)
}

/** The deadline a case list shows for a row: which clock runs, its last day, and the server's count. */
export interface RowDeadline {
  clock: 'acceptance' | 'handling' | 'none'
  /** The last day of the running clock, or the legal due date of a closed case; "" for none. */
  date: string
  remaining: number | null
  overdue: boolean
  paused: boolean
}

/**
 * A case list row's deadline, all from the server: while submitted the acceptance deadline, while
 * handled the legal due date (due_date, else the due instant's day), with remaining_working_days as
 * the count; a closed case shows its legal due date and no count.
 */
export function rowDeadline(
  c: Pick<CaseSummary, 'status' | 'due_date' | 'due_at' | 'acceptance_due_at' | 'remaining_working_days' | 'overdue' | 'paused' | 'deadline_passed'>,
): RowDeadline {
  const clock = runningClock(c.status)
  const remaining = clock === 'none' ? null : (c.remaining_working_days ?? null)
  const date = clock === 'acceptance' ? lastDayOf(c.acceptance_due_at) : c.due_date || lastDayOf(c.due_at)
  // The acceptance clock has no overdue flag; deadline_passed says it ran out even where the count is 0.
  const overdue = clock === 'handling' ? !!c.overdue : clock === 'acceptance' && !!c.deadline_passed
  return { clock, date, remaining, overdue, paused: clock === 'handling' && !!c.paused }
}

/** Which clock a case in this status runs: acceptance (5 working days from receipt), handling, or none. */
export function runningClock(status: CaseStatus | string): 'acceptance' | 'handling' | 'none' {
  if (status === 'submitted') return 'acceptance'
  if (status === 'in_progress' || status === 'pending_decision') return 'handling'
  return 'none'
}

/** Urgency for sorting: paused last, otherwise fewest working days left (overdue first), unknown after the rest. */
export function urgency(s: ClockState): number {
  if (s.paused) return 1e6
  if (isOverdue(s)) return -1e6 + Math.min(0, s.remaining ?? 0)
  if (s.remaining === null || s.remaining === undefined) return 1e5
  return s.remaining
}

// Working-day arithmetic in Asia/Shanghai (UTC+8 all year: no daylight saving).

const SHANGHAI_OFFSET_MS = 8 * 3600 * 1000
const DAY_MS = 24 * 3600 * 1000

/** The Asia/Shanghai calendar date ("YYYY-MM-DD") of an instant. */
export function shanghaiDate(instant: string | number | Date): string {
  const t = instant instanceof Date ? instant.getTime() : new Date(instant).getTime()
  return new Date(t + SHANGHAI_OFFSET_MS).toISOString().slice(0, 10)
}

function addDays(date: string, n: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + n * DAY_MS).toISOString().slice(0, 10)
}

/**
 * A tenant calendar from its special days (GET /api/v1/calendar/days): national holidays and
 * make-up working days, and local days. Other days are working days Monday to Friday.
 */
export class WorkingCalendar {
  private readonly special = new Map<string, string>()

  constructor(days: readonly CalendarDay[] = []) {
    for (const d of days) this.special.set(d.date, d.kind)
  }

  isWorkingDay(date: string): boolean {
    const kind = this.special.get(date)
    if (kind === 'makeup_workday' || kind === 'local_workday') return true
    if (kind === 'holiday' || kind === 'local_holiday') return false
    const dow = new Date(`${date}T00:00:00Z`).getUTCDay()
    return dow !== 0 && dow !== 6
  }

  /** Working days in (from, to]. */
  workingDaysIn(from: string, to: string): number {
    let n = 0
    for (let d = addDays(from, 1); d <= to; d = addDays(d, 1)) if (this.isWorkingDay(d)) n++
    return n
  }

  /**
   * The countdown to an exclusive due instant (the end of its last working day): 0 on the last
   * day, negative once overdue — pkg/calendar's WorkingDaysRemaining.
   */
  remaining(now: string | number | Date, dueAt: string): number {
    const today = shanghaiDate(now)
    const last = shanghaiDate(new Date(dueAt).getTime() - 1)
    if (today <= last) return this.workingDaysIn(today, last)
    return -this.workingDaysIn(last, today)
  }
}

/** The years whose calendar data a set of due instants needs (and now's year). */
export function yearsFor(now: Date, dues: readonly (string | null | undefined)[]): number[] {
  const years = new Set<number>([Number(shanghaiDate(now).slice(0, 4))])
  for (const d of dues) if (d) years.add(Number(shanghaiDate(d).slice(0, 4)))
  return [...years].sort()
}
