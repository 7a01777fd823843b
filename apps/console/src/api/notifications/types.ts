/** One entry of the caller's in-app inbox. Times are RFC 3339. */
export interface Notification {
  id: string
  /** "card.reminder", "card.yellow", "card.red", "notice", "notice_reply" …; the console shows unknown kinds plainly. */
  kind: string
  title: string
  body: string
  /** An app path ("/cases/{id}", "/supervision/cards/{id}", "/supervision/notices/{id}"), or "". */
  link: string
  created_at: string
  read_at: string | null
}

export interface Inbox {
  items: Notification[]
  /** Notifications in all that match the query (only unread ones with `unread`), not only in items. */
  total: number
  /** Unread notifications in all (not only in items). */
  unread: number
}

/** The most the API lists at once (its `limit` bound); it has no offset, so older ones are out of reach. */
export const INBOX_MAX_LIMIT = 200

export interface InboxQuery {
  /** Only unread ones. */
  unread?: boolean
  /** 1–200 (INBOX_MAX_LIMIT); the server's default is 50. */
  limit?: number
  /** How many of the newest to skip (paging past what one request lists). */
  offset?: number
}

export type ChannelState = 'configured' | 'not_configured'

/** The notification channels: inapp, email (SMTP), sms — each configured or not. */
export type Channels = Record<string, ChannelState | (string & {})>
