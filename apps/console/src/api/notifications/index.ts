import { http } from '../http'
import { INBOX_MAX_LIMIT, type Channels, type Inbox, type InboxQuery } from './types'

export * from './types'

/** The caller's inbox, newest first, with how many there are in all and the unread count. */
export async function listNotifications(q: InboxQuery = {}): Promise<Inbox> {
  const res = await http.get<Partial<Inbox>>('/api/v1/notifications', {
    query: {
      unread: q.unread ? true : undefined,
      limit: q.limit === undefined ? undefined : Math.min(Math.max(1, Math.trunc(q.limit)), INBOX_MAX_LIMIT),
      offset: q.offset ? Math.max(0, Math.trunc(q.offset)) : undefined,
    },
  })
  const items = Array.isArray(res?.items) ? res.items.map((n) => ({ ...n, body: n.body ?? '', link: n.link ?? '', read_at: n.read_at ?? null })) : []
  return {
    items,
    // The server's count of everything that matches; an old server without it: what came.
    total: typeof res?.total === 'number' ? res.total : items.length,
    unread: typeof res?.unread === 'number' ? res.unread : 0,
  }
}

/**
 * The inbox's next page size: `step` more than what is listed, up to the API's bound; null when
 * everything (or as much as the API lists) is already there.
 */
export function nextInboxLimit(listed: number, total: number, step: number): number | null {
  if (listed >= total || listed >= INBOX_MAX_LIMIT) return null
  return Math.min(listed + step, INBOX_MAX_LIMIT)
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
