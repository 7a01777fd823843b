// The legal clock as the console shows it: a colour for the countdown to a due date, and — where
// the API gives a due instant but no count (case lists, acceptance deadlines) — the working days
// left, counted in the tenant's calendar exactly as pkg/calendar does.
import type { CalendarDay, CaseStatus } from '@/api/cases/types'

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

export function clockTone(s: ClockState): ClockTone {
  if (s.paused) return 'grey'
  if (s.overdue) return 'red'
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

/** Which clock a case in this status runs: acceptance (5 working days from receipt), handling, or none. */
export function runningClock(status: CaseStatus | string): 'acceptance' | 'handling' | 'none' {
  if (status === 'submitted') return 'acceptance'
  if (status === 'in_progress' || status === 'pending_decision') return 'handling'
  return 'none'
}

/** Urgency for sorting: paused last, otherwise fewest working days left (overdue first), unknown after the rest. */
export function urgency(s: ClockState): number {
  if (s.paused) return 1e6
  if (s.overdue) return -1e6 + (s.remaining ?? 0)
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
