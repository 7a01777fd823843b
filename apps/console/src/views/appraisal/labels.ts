// Labels, colours and number formats of the appraisal pages. Points arrive as exact decimals with
// at most two places; the pages always show two (12.5 → "12.50"), as the printed report does.
import { currentLocale, hasMessage, translate } from '@/locales'
import type { AppraisalDefinition, RunStatus } from '@/api/appraisal'

function label(group: string, value: string | null | undefined): string {
  if (!value) return ''
  const key = `appraisal.${group}.${value}`
  return /^[a-z_]+$/.test(value) && hasMessage(key) ? translate(key) : value
}

export const runStatusLabel = (s: string | null | undefined) => label('runStatus', s)
export const runKindLabel = (s: string | null | undefined) => label('runKind', s)
export const schemeStatusLabel = (s: string | null | undefined) => label('schemeStatus', s)
export const versionStatusLabel = (s: string | null | undefined) => label('versionStatus', s)
export const periodKindLabel = (s: string | null | undefined) => label('periodKind', s)
export const subjectKindLabel = (s: string | null | undefined) => label('subjectKind', s)
export const categoryKindLabel = (s: string | null | undefined) => label('categoryKind', s)
export const objectionStatusLabel = (s: string | null | undefined) => label('objectionStatus', s)
export const decisionLabel = (s: string | null | undefined) => label('decision', s)
export const itemRoleLabel = (s: string | null | undefined) => label('itemRole', s)
export const itemTypeLabel = (s: string | null | undefined) => label('itemType', s)
export const ruleTypeLabel = (s: string | null | undefined) => label('ruleType', s)
export const measureLabel = (s: string | null | undefined) => label('measure', s)
/** A raw figure's name (late, upheld_appeals …); the key itself when unknown. */
export const rawLabel = (s: string | null | undefined) => label('raw', s)

type TagType = 'primary' | 'success' | 'warning' | 'info' | 'danger'

export function runStatusTagType(s: RunStatus | string): TagType {
  switch (s) {
    case 'published':
      return 'success'
    case 'approved':
      return 'primary'
    case 'objection':
    case 'draft':
      return 'warning'
    case 'failed':
      return 'danger'
    default:
      return 'info'
  }
}

export function schemeStatusTagType(s: string): TagType {
  return s === 'active' ? 'success' : s === 'draft' ? 'warning' : 'info'
}

export function objectionStatusTagType(s: string): TagType {
  return s === 'open' ? 'warning' : s === 'answered' ? 'success' : 'info'
}

/** Points with two decimals ("12.50", "-5.00"); "" for a missing value. */
export function formatPoints(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return ''
  // Values carry at most two decimals: rounding the hundredths first keeps toFixed honest.
  return (Math.round(v * 100) / 100).toFixed(2)
}

/** A signed change ("+1.50", "-0.25", "0.00"); "—" when there is no previous period. */
export function formatChange(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '—'
  const s = formatPoints(v)
  return v > 0 ? `+${s}` : s
}

/** A rank change: "↑2" (moved up), "↓1", "–" (same); "—" with no previous period. */
export function formatRankChange(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '—'
  if (v > 0) return `↑${v}`
  if (v < 0) return `↓${-v}`
  return '–'
}

/** The colour class of a change: up (green), down (red), flat. */
export function changeTone(v: number | null | undefined): 'up' | 'down' | 'flat' {
  if (v === null || v === undefined || v === 0) return 'flat'
  return v > 0 ? 'up' : 'down'
}

/** A rate in percent ("95.50%"); "" for none. */
export function formatRate(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return ''
  return `${formatPoints(v)}%`
}

const en = () => currentLocale() === 'en'

/** Something with a Chinese name and maybe an English one. */
export interface Named {
  code: string
  name?: string
  name_en?: string
}

/** A category's name in the UI language (the English name when there is one). */
export function categoryName(c: Named | undefined, code = ''): string {
  if (!c) return code
  return (en() && c.name_en) || c.name || c.code
}

/** An indicator's name in the UI language. */
export function indicatorName(i: Named | undefined, code = ''): string {
  if (!i) return code
  return (en() && i.name_en) || i.name || i.code
}

/** A registered definition's name in the UI language. */
export function definitionName(d: AppraisalDefinition | undefined, code = ''): string {
  if (!d) return code
  return (en() ? d.name.en : d.name.zh) || d.code
}

/** A bilingual label from the registry. */
export function bilingual(l: { zh: string; en: string } | undefined): string {
  if (!l) return ''
  return (en() ? l.en : l.zh) || l.zh
}

// Every Sunshine tenant keeps Beijing time (Asia/Shanghai, UTC+8 all year): times are shown and
// printed in it, whatever the browser's zone.
const SHANGHAI_MS = 8 * 3600_000
const pad = (n: number) => String(n).padStart(2, '0')

/** "2026-12-05 09:30" in Asia/Shanghai; "" for a missing value. */
export function formatTime(iso: string | null | undefined): string {
  if (!iso) return ''
  const t = Date.parse(iso)
  if (Number.isNaN(t)) return String(iso)
  const d = new Date(t + SHANGHAI_MS)
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`
}

/** "2026-12-05" in Asia/Shanghai for an instant; a plain date as it is. */
export function formatDay(value: string | null | undefined): string {
  if (!value) return ''
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) return value
  const t = Date.parse(value)
  if (Number.isNaN(t)) return String(value)
  return new Date(t + SHANGHAI_MS).toISOString().slice(0, 10)
}

/** "2026年11月" / "2026 Q4" / "2026年" — a period as people read it; the code when it does not parse. */
export function periodLabel(period: string | null | undefined): string {
  if (!period) return ''
  let m = /^(\d{4})-(\d{2})$/.exec(period)
  if (m) return translate('appraisal.periodMonth', { year: m[1], month: Number(m[2]) })
  m = /^(\d{4})-Q([1-4])$/.exec(period)
  if (m) return translate('appraisal.periodQuarter', { year: m[1], quarter: m[2] })
  m = /^(\d{4})$/.exec(period)
  if (m) return translate('appraisal.periodYear', { year: m[1] })
  return period
}

/** The period a date falls in, written as the API writes periods (2026-11, 2026-Q4, 2026). */
export function periodOf(kind: string, date: Date): string {
  const d = new Date(date.getTime() + SHANGHAI_MS)
  const y = d.getUTCFullYear()
  const m = d.getUTCMonth() + 1
  if (kind === 'quarter') return `${y}-Q${Math.ceil(m / 3)}`
  if (kind === 'year') return String(y)
  return `${y}-${pad(m)}`
}

/** The period before one (2026-01 → 2025-12, 2026-Q1 → 2025-Q4, 2026 → 2025); "" when it does not parse. */
export function previousPeriod(period: string): string {
  let m = /^(\d{4})-(\d{2})$/.exec(period)
  if (m) {
    const y = Number(m[1])
    const mo = Number(m[2])
    return mo === 1 ? `${y - 1}-12` : `${y}-${pad(mo - 1)}`
  }
  m = /^(\d{4})-Q([1-4])$/.exec(period)
  if (m) {
    const y = Number(m[1])
    const q = Number(m[2])
    return q === 1 ? `${y - 1}-Q4` : `${y}-Q${q - 1}`
  }
  m = /^(\d{4})$/.exec(period)
  return m ? String(Number(m[1]) - 1) : ''
}

/** Human file size. */
export function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`
}

/** The day before a date ("2026-12-01" → "2026-11-30"): the last day of a period whose end is exclusive. */
export function dayBefore(date: string): string {
  const t = Date.parse(`${date.slice(0, 10)}T00:00:00Z`)
  if (Number.isNaN(t)) return date
  return new Date(t - 86_400_000).toISOString().slice(0, 10)
}
