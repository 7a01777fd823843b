import { hasMessage, translate } from '@/locales'

/** The Chinese (or English) label of a role code; the code itself for roles the console does not know yet. */
export function roleLabel(role: string): string {
  const key = `role.${role}`
  return hasMessage(key) ? translate(key) : role
}

/** The label of a tenant level ("city" → 市); the raw value when unknown. */
export function tenantLevelLabel(level: string): string {
  const key = `tenantLevel.${level}`
  return hasMessage(key) ? translate(key) : level
}

/** The short level shown in tenant tables: 市 / 县 / 区; the raw value when unknown. */
export function tenantLevelShort(level: string): string {
  const key = `tenantLevelShort.${level}`
  return hasMessage(key) ? translate(key) : level
}

/** 局 / 委员会 / 办公室 …; the raw value when unknown. */
export function departmentTypeLabel(type: string): string {
  const key = `departmentType.${type}`
  return hasMessage(key) ? translate(key) : type
}

/**
 * The label of an audit action ("auth.login" → 登录), or of an action group ("auth" → 登录认证);
 * the raw code for actions the console does not know yet.
 */
export function auditActionLabel(action: string): string {
  if (!action) return ''
  if (/^[a-z_]+\.[a-z_]+$/.test(action)) {
    const [group, name] = action.split('.') as [string, string]
    const key = `auditAction.${group}.${name}`
    return hasMessage(key) ? translate(key) : action
  }
  const group = action.replace(/\.$/, '')
  const key = `auditGroup.${group}`
  return /^[a-z_]+$/.test(group) && hasMessage(key) ? translate(key) : action
}

/** Whether the console has its own label for an action (else the table shows the raw code only). */
export function isKnownAuditAction(action: string): boolean {
  return auditActionLabel(action) !== action
}

/** 租户 / 用户 / 部门 / 会话; the raw value when unknown. */
export function auditObjectTypeLabel(type: string): string {
  const key = `auditObject.${type}`
  return /^[a-z_]+$/.test(type) && hasMessage(key) ? translate(key) : type
}

/** The label of a tenant setting key; the key itself when unknown. */
export function settingLabel(key: string): string {
  const k = `settingKey.${key}`
  return /^[a-z_]+$/.test(key) && hasMessage(k) ? translate(k) : key
}

/** 正常 / 已暂停; the raw value when unknown. */
export function tenantStatusLabel(status: string): string {
  const key = `tenantStatus.${status}`
  return /^[a-z_]+$/.test(status) && hasMessage(key) ? translate(key) : status
}
