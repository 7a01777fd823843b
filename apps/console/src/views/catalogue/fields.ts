import { hasMessage, translate } from '@/locales'
import type { PowerContent } from '@/api/catalogue/types'

const LISTS: Record<string, string> = {
  legal_basis: 'powerField.legal_basis',
  fees: 'powerField.fees',
  materials: 'powerField.materials',
  discretion: 'powerField.discretion',
  counterparty_rights: 'powerField.counterparty_rights',
}

function leaf(key: string): string {
  const k = `powerSubField.${key}`
  return hasMessage(k) ? translate(k) : key
}

/**
 * A field path of the API ("fees[0].amount_fen", "flowchart.steps[zjj].time_limit",
 * "complaint_channels.phone") as a reader says it: 收费标准 第1行 · 金额（分）. Unknown paths come back
 * as they are.
 */
export function fieldLabel(path: string, content?: PowerContent): string {
  const top = path.split(/[.[]/)[0] ?? path
  const m = /^(\w+)\[([^\]]+)\](?:\.(\w+))?$/.exec(path)
  if (m && LISTS[m[1]!]) {
    const row = /^\d+$/.test(m[2]!) ? translate('catalogue.rowN', { n: Number(m[2]) + 1 }) : m[2]!
    return [translate(LISTS[m[1]!]!), row, m[3] ? leaf(m[3]) : ''].filter(Boolean).join(' · ')
  }
  const f = /^flowchart\.(steps|edges)(?:\[([^\]]+)\])?(?:\.(\w+))?$/.exec(path)
  if (f) {
    const what = translate(f[1] === 'steps' ? 'flowchart.steps' : 'flowchart.edges')
    let which = ''
    if (f[2] !== undefined) {
      if (f[1] === 'steps') {
        const steps = content?.flowchart?.steps ?? []
        const s = /^\d+$/.test(f[2]) ? steps[Number(f[2])] : steps.find((x) => x.id === f[2])
        which = s ? `「${s.name || s.id}」` : f[2]
      } else {
        which = /^\d+$/.test(f[2]) ? translate('catalogue.rowN', { n: Number(f[2]) + 1 }) : f[2]
      }
    }
    return [translate('powerField.flowchart'), what, which, f[3] ? leaf(f[3]) : ''].filter(Boolean).join(' · ')
  }
  if (top === 'complaint_channels' && path.includes('.')) {
    return `${translate('powerField.complaint_channels')} · ${leaf(path.split('.')[1]!)}`
  }
  const k = `powerField.${top}`
  return hasMessage(k) && top === path ? translate(k) : path
}
