import type { PowerStatus } from '@/api/catalogue/types'

type TagType = 'primary' | 'success' | 'warning' | 'danger' | 'info'

/** The tag colour of a version status. */
export function statusTagType(status: PowerStatus | string): TagType {
  switch (status) {
    case 'filed':
      return 'success'
    case 'submitted':
    case 'published':
      return 'warning'
    case 'returned':
      return 'danger'
    case 'approved':
      return 'primary'
    default:
      return 'info'
  }
}

/** What a user may do to an item in a status, given their permissions (the API decides). */
export function availableActions(status: PowerStatus | string, can: (perm: string) => boolean, cityLevel: boolean, own: boolean): string[] {
  const out: string[] = []
  if (own && can('power:draft') && (status === 'draft' || status === 'returned')) out.push('edit', 'submit')
  if (own && can('power:review') && status === 'submitted') out.push('approve', 'return')
  if (own && can('power:review') && status === 'approved') out.push('publish')
  if (cityLevel && can('power:file') && status === 'published') out.push('file')
  if (own && can('power:draft') && status === 'filed') out.push('revise')
  return out
}
