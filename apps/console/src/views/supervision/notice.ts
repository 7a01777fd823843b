import type { Notice } from '@/api/supervision'

/** What a notice is about, when sent from a card or a case (the dialog then shows it fixed). */
export interface NoticeTarget {
  cardId?: string
  caseId?: string
  /** The tenant of the card or case: the departments to choose from are its. */
  tenantCode: string
  /** The department proposed (the card's or the case's). */
  departmentId?: string | null
  /** What the dialog shows as the subject ("超期未办结：…", a tracking number). */
  label?: string
}

/** Who may reply: a department user (supervision:reply) of the notice's tenant and department, before a reply. */
export function canReplyNotice(
  n: Pick<Notice, 'status' | 'department_id' | 'tenant_code'>,
  user: { departmentId: string | null | undefined; tenantCode: string | null | undefined; canReply: boolean },
): boolean {
  return user.canReply && n.status !== 'replied' && !!user.departmentId && n.department_id === user.departmentId && n.tenant_code === user.tenantCode
}

export const DEFAULT_REPLY_WORKING_DAYS = 3
