import { http } from '../http'
import type { Channels, Inbox, InboxQuery } from './types'

export * from './types'

/** The caller's inbox, newest first, with the unread count. */
export async function listNotifications(q: InboxQuery = {}): Promise<Inbox> {
  const res = await http.get<Partial<Inbox>>('/api/v1/notifications', {
    query: { unread: q.unread ? true : undefined, limit: q.limit },
  })
  return {
    items: Array.isArray(res?.items) ? res.items.map((n) => ({ ...n, body: n.body ?? '', link: n.link ?? '', read_at: n.read_at ?? null })) : [],
    unread: typeof res?.unread === 'number' ? res.unread : 0,
  }
}

export function markNotificationRead(id: string): Promise<void> {
  return http.post<void>(`/api/v1/notifications/${encodeURIComponent(id)}/read`)
}

export function markAllNotificationsRead(): Promise<void> {
  return http.post<void>('/api/v1/notifications/read-all')
}

/** Which channels deliver: in-app always; email and SMS only when the deployment configured them. */
export async function getChannels(): Promise<Channels> {
  const res = await http.get<{ channels?: Channels }>('/api/v1/notifications/channels')
  return res?.channels ?? {}
}

/** The order the console lists channels in; others follow by name. */
export const CHANNEL_ORDER = ['inapp', 'email', 'sms']

export function sortedChannels(channels: Channels): [string, string][] {
  const rank = (k: string) => {
    const i = CHANNEL_ORDER.indexOf(k)
    return i < 0 ? CHANNEL_ORDER.length : i
  }
  return Object.entries(channels).sort(([a], [b]) => rank(a) - rank(b) || a.localeCompare(b))
}

/**
 * Where a notification leads inside the app: its link when it is a same-origin app path, else
 * nowhere (an absolute or protocol-relative URL is never followed).
 */
export function notificationTarget(link: string | null | undefined): string | null {
  if (!link || !link.startsWith('/') || link.startsWith('//') || link.startsWith('/\\')) return null
  return link
}
