import { shallowRef } from 'vue'
import { calendarDays, type CalendarDay } from '@/api/cases'
import { WorkingCalendar, yearsFor } from './clock'

// The caller's tenant calendar, fetched per year once per page load and shared by the pages
// that count working days themselves (lists give a due instant but no countdown).
const cache = new Map<number, Promise<CalendarDay[]>>()

function year(y: number): Promise<CalendarDay[]> {
  let p = cache.get(y)
  if (!p) {
    p = calendarDays(y).then((r) => r.items)
    // A failure is not cached: the next page tries again.
    p.catch(() => cache.delete(y))
    cache.set(y, p)
  }
  return p
}

/** Forgets the cached years (after a local day was added or removed). */
export function forgetCalendar(): void {
  cache.clear()
}

/**
 * A reactive calendar covering now and the given due instants; null until loaded (or when the
 * calendar cannot be read: countdowns then show the due date alone).
 */
export function useWorkingCalendar() {
  const calendar = shallowRef<WorkingCalendar | null>(null)
  async function cover(dues: readonly (string | null | undefined)[]): Promise<void> {
    try {
      const lists = await Promise.all(yearsFor(new Date(), dues).map(year))
      calendar.value = new WorkingCalendar(lists.flat())
    } catch {
      // Keep what we had.
    }
  }
  return { calendar, cover }
}
