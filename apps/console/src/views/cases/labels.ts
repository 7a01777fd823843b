// Labels of casework codes in the UI language; unknown codes stay readable as they come.
import { hasMessage, translate } from '@/locales'
import type { CaseStatus } from '@/api/cases/types'

type TagType = 'primary' | 'success' | 'warning' | 'danger' | 'info'

function label(prefix: string, code: string | null | undefined): string {
  if (!code) return ''
  const key = `${prefix}.${code}`
  return /^[a-z_]+$/.test(code) && hasMessage(key) ? translate(key) : code
}

/** 待受理 / 办理中 / 准予许可 … */
export const caseStatusLabel = (s: string) => label('caseStatus', s)
/** 听证 / 检测 / 专家评审 … */
export const pauseReasonLabel = (s: string) => label('pauseReason', s)
/** Timeline entries: 受理 / 环节办结 / 暂停计时 … */
export const caseEventLabel = (s: string) => label('caseEvent', s)
export const stepStatusLabel = (s: string) => label('stepStatus', s)
export const calendarKindLabel = (s: string) => label('calendarKind', s)
export const channelLabel = (s: string) => label('caseChannel', s)

/** The tag colour of a case status. */
export function caseStatusTagType(status: CaseStatus | string): TagType {
  switch (status) {
    case 'in_progress':
      return 'primary'
    case 'correction_requested':
    case 'pending_decision':
      return 'warning'
    case 'refused':
    case 'denied':
      return 'danger'
    case 'approved':
    case 'delivered':
      return 'success'
    default:
      return 'info'
  }
}

/** Fen as 元 with two decimals ("1,234.50"): money is never a float on its way through. */
export function formatYuan(fen: number | null | undefined): string {
  if (fen === null || fen === undefined || !Number.isFinite(fen)) return ''
  const sign = fen < 0 ? '-' : ''
  const abs = Math.abs(Math.trunc(fen))
  const whole = String(Math.floor(abs / 100)).replace(/\B(?=(\d{3})+(?!\d))/g, ',')
  return `${sign}${whole}.${String(abs % 100).padStart(2, '0')}`
}

/** "2026-11-28" of an instant in Asia/Shanghai, or a date as it is. */
export { shanghaiDate } from './clock'
