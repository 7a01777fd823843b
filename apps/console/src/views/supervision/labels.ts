import { hasMessage, translate } from '@/locales'
import type { CardLevel } from '@/api/supervision'

function label(group: string, value: string | null | undefined): string {
  if (!value) return ''
  const key = `${group}.${value}`
  return /^[a-z_]+$/.test(value) && hasMessage(key) ? translate(key) : value
}

/** 提醒 / 黄牌 / 红牌; the raw value when unknown. */
export const cardLevelLabel = (level: string | null | undefined) => label('cardLevel', level)
/** 即将到期 / 超期未办结 …; the raw value when unknown. */
export const cardRuleLabel = (rule: string | null | undefined) => label('cardRule', rule)
/** 生效 / 申诉中 / 已撤销 / 已办结. */
export const cardStatusLabel = (status: string | null | undefined) => label('cardStatus', status)
/** 已发送 / 已回复 / 已升级. */
export const noticeStatusLabel = (status: string | null | undefined) => label('noticeStatus', status)

/** The colours of the ladder (charts, tiles): blue, amber, red. */
export const LEVEL_COLORS: Record<CardLevel, string> = {
  reminder: '#409eff',
  yellow: '#e6a23c',
  red: '#f56c6c',
}

type TagType = 'primary' | 'success' | 'warning' | 'info' | 'danger'

/** el-tag type of a level. */
export function levelTagType(level: string): TagType {
  return level === 'red' ? 'danger' : level === 'yellow' ? 'warning' : 'primary'
}

/** el-tag type of a card status. */
export function cardStatusTagType(status: string): TagType {
  switch (status) {
    case 'active':
      return 'danger'
    case 'appealed':
      return 'warning'
    case 'resolved':
      return 'success'
    default:
      return 'info'
  }
}

/** el-tag type of a notice status. */
export function noticeStatusTagType(status: string): TagType {
  return status === 'replied' ? 'success' : status === 'escalated' ? 'danger' : 'primary'
}

/** The label of a notification kind ("card.yellow" → 黄牌, "notice" → 督办单, "notice_reply" → 督办回复); the kind itself when unknown. */
export function notificationKindLabel(kind: string): string {
  if (kind.startsWith('card.')) return cardLevelLabel(kind.slice(5))
  const key = `inbox.kind.${kind}`
  return /^[a-z_]+$/.test(kind) && hasMessage(key) ? translate(key) : kind
}

/** el-tag type of a notification kind. */
export function notificationKindTagType(kind: string): TagType {
  if (kind.startsWith('card.')) return levelTagType(kind.slice(5))
  if (kind === 'notice') return 'danger'
  return kind === 'notice_reply' ? 'success' : 'info'
}

/**
 * The last day of a deadline as offices write it ("2026-11-26"): deadlines end at midnight in China
 * (UTC+8), so the day is the one of the instant a second earlier. "" for a missing value.
 */
export function formatDueDay(iso: string | null | undefined): string {
  if (!iso) return ''
  const t = Date.parse(iso)
  if (Number.isNaN(t)) return String(iso)
  return new Date(t - 1000 + 8 * 3600_000).toISOString().slice(0, 10)
}
