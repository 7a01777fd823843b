// The counted objects behind a number (drill-down): where each one opens in the console, and its
// facts in a line.
import type { AppraisalItem } from '@/api/appraisal'
import { hasMessage, translate } from '@/locales'
import { cardRuleLabel, cardStatusLabel } from '@/views/supervision/labels'
import { formatPoints, formatTime } from './labels'

const str = (v: unknown): string => (typeof v === 'string' ? v : '')

/** The console page of an object (its own page, or the case it belongs to); null when it has none. */
export function itemLink(item: Pick<AppraisalItem, 'object_type' | 'object_id' | 'detail'>): string | null {
  const d = item.detail ?? {}
  switch (item.object_type) {
    case 'case':
      return `/cases/${item.object_id}`
    case 'card':
      return `/supervision/cards/${item.object_id}`
    case 'notice':
      return `/supervision/notices/${item.object_id}`
    case 'filing':
      return str(d.power_id) ? `/catalogue/${str(d.power_id)}` : null
    case 'step':
    case 'review':
      return str(d.case_id) ? `/cases/${str(d.case_id)}` : null
    case 'fault':
      if (str(d.case_id)) return `/cases/${str(d.case_id)}`
      if (str(d.card_id)) return `/supervision/cards/${str(d.card_id)}`
      return null
    default:
      return null
  }
}

/** The permission the linked page needs (the link is shown only to those who hold it). */
export function itemLinkPerm(link: string): string[] {
  if (link.startsWith('/supervision/')) return ['supervision:read', 'supervision:reply']
  if (link.startsWith('/catalogue/')) return ['power:read']
  return ['case:read']
}

const TIME_KEYS = new Set(['due_at', 'decided_at', 'received_at', 'published_at', 'filed_at', 'reply_due_at', 'replied_at', 'completed_at'])
const HIDDEN = new Set(['case_id', 'card_id', 'power_id'])

function value(key: string, v: unknown): string {
  if (v === null || v === undefined || v === '') return translate('common.none')
  if (TIME_KEYS.has(key)) return formatTime(String(v))
  if (key === 'rule') return cardRuleLabel(String(v))
  if (key === 'status') return cardStatusLabel(String(v))
  if (key === 'score' && typeof v === 'number') return formatPoints(v / 100)
  if ((key === 'amount_fen' || key === 'expected_fen') && typeof v === 'number') return formatPoints(v / 100)
  return String(v)
}

/** "承诺办结时间：2026-11-20 17:00；作出决定时间：…" — the listing's detail in words. */
export function detailText(detail: Record<string, unknown> | null | undefined): string {
  if (!detail) return ''
  const parts: string[] = []
  for (const [k, v] of Object.entries(detail)) {
    if (HIDDEN.has(k)) continue
    const key = `appraisal.detail.${k}`
    const name = /^[a-z_]+$/.test(k) && hasMessage(key) ? translate(key) : k
    parts.push(`${name}：${value(k, v)}`)
  }
  return parts.join('；')
}
