/** One entry of the caller's in-app inbox. Times are RFC 3339. */
export interface Notification {
  id: string
  /** "card.reminder", "card.yellow", "card.red", "notice" …; the console shows unknown kinds plainly. */
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
  /** Unread notifications in all (not only in items). */
  unread: number
}

export interface InboxQuery {
  /** Only unread ones. */
  unread?: boolean
  /** 1–200; the server's default is 50. */
  limit?: number
}

export type ChannelState = 'configured' | 'not_configured'

/** The notification channels: inapp, email (SMTP), sms — each configured or not. */
export type Channels = Record<string, ChannelState | (string & {})>
