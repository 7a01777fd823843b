// The live supervision stream: one EventSource per tab, shared by whoever listens (the dashboard,
// the header's inbox), opened for the first listener and closed after the last. The session cookie
// authenticates it (same origin, GET, no custom header needed). The browser's own retry gives up
// for good on an HTTP error (401, 503), so this client closes the source on every error and opens
// a new one itself, backing off from 1 s to 30 s, and starts over from 1 s once a connection opens.
import { STREAM_URL } from './index'
import type { CardEvent, CardEventType } from './types'

export const CARD_EVENT_TYPES: readonly CardEventType[] = ['card.created', 'card.updated']

/** idle: nobody listens; connecting: the first attempt; open: live; retrying: waiting to reconnect. */
export type StreamState = 'idle' | 'connecting' | 'open' | 'retrying'

type EventSourceCtor = new (url: string, init?: EventSourceInit) => EventSource

export interface StreamOptions {
  url?: string
  /** The EventSource implementation (tests pass a fake); the browser's by default. */
  EventSource?: EventSourceCtor
  /** First reconnect delay, ms. */
  minDelay?: number
  /** Longest reconnect delay, ms. */
  maxDelay?: number
}

/** The reconnect delay after `attempt` failures in a row (0-based): doubling, capped. */
export function backoffDelay(attempt: number, minDelay = 1000, maxDelay = 30000): number {
  return Math.min(maxDelay, minDelay * 2 ** Math.min(attempt, 20))
}

/**
 * Reads one message's data: the JSON object {type, tenant_code, card}. The SSE event name wins over
 * the type inside. Anything malformed (not JSON, no card id) is dropped.
 */
export function parseCardEvent(eventName: string, data: unknown): CardEvent | null {
  if (typeof data !== 'string' || data === '') return null
  let parsed: unknown
  try {
    parsed = JSON.parse(data)
  } catch {
    return null
  }
  if (!parsed || typeof parsed !== 'object') return null
  const o = parsed as Partial<CardEvent>
  const card = o.card
  if (!card || typeof card !== 'object' || typeof card.id !== 'string') return null
  const type = (CARD_EVENT_TYPES as readonly string[]).includes(eventName) ? (eventName as CardEventType) : o.type
  if (type !== 'card.created' && type !== 'card.updated') return null
  const tenant = o.tenant_code || card.tenant_code || ''
  return { type, tenant_code: tenant, card: { ...card, tenant_code: card.tenant_code || tenant, department_name: card.department_name ?? '' } }
}

export class SupervisionStream {
  private readonly url: string
  private readonly ES: EventSourceCtor | undefined
  private readonly minDelay: number
  private readonly maxDelay: number
  private source: EventSource | null = null
  private timer: ReturnType<typeof setTimeout> | null = null
  private failures = 0
  private readonly listeners = new Set<(e: CardEvent) => void>()
  private readonly stateListeners = new Set<(s: StreamState) => void>()
  private current: StreamState = 'idle'

  constructor(options: StreamOptions = {}) {
    this.url = options.url ?? STREAM_URL
    this.ES = options.EventSource ?? (typeof EventSource === 'undefined' ? undefined : EventSource)
    this.minDelay = options.minDelay ?? 1000
    this.maxDelay = options.maxDelay ?? 30000
  }

  get state(): StreamState {
    return this.current
  }

  /** Listens to card events; the stream opens with the first listener and closes after the last. */
  subscribe(listener: (e: CardEvent) => void): () => void {
    this.listeners.add(listener)
    if (this.listeners.size === 1) this.start()
    let active = true
    return () => {
      if (!active) return
      active = false
      this.listeners.delete(listener)
      if (this.listeners.size === 0) this.stop()
    }
  }

  /** Follows the connection state (the "实时" indicator); called at once with the current one. */
  onState(listener: (s: StreamState) => void): () => void {
    this.stateListeners.add(listener)
    listener(this.current)
    return () => {
      this.stateListeners.delete(listener)
    }
  }

  private setState(s: StreamState): void {
    if (s === this.current) return
    this.current = s
    for (const l of [...this.stateListeners]) {
      try {
        l(s)
      } catch {
        // A broken indicator must not stop the stream.
      }
    }
  }

  private start(): void {
    if (this.source || this.timer) return
    this.failures = 0
    this.setState('connecting')
    this.connect()
  }

  private stop(): void {
    if (this.timer) clearTimeout(this.timer)
    this.timer = null
    this.closeSource()
    this.failures = 0
    this.setState('idle')
  }

  private closeSource(): void {
    const s = this.source
    this.source = null
    if (!s) return
    s.onopen = null
    s.onerror = null
    s.close()
  }

  private connect(): void {
    this.timer = null
    if (!this.ES) {
      // No EventSource (very old browser): stay "retrying"; the pages still poll.
      this.setState('retrying')
      return
    }
    const source = new this.ES(this.url, { withCredentials: true })
    this.source = source
    source.onopen = () => {
      if (this.source !== source) return
      this.failures = 0
      this.setState('open')
    }
    source.onerror = () => {
      if (this.source !== source) return
      this.closeSource()
      this.scheduleReconnect()
    }
    for (const type of CARD_EVENT_TYPES) {
      source.addEventListener(type, (m: Event) => {
        if (this.source !== source) return
        const e = parseCardEvent(type, (m as MessageEvent).data)
        if (e) this.dispatch(e)
      })
    }
  }

  private scheduleReconnect(): void {
    if (this.listeners.size === 0) return
    const delay = backoffDelay(this.failures, this.minDelay, this.maxDelay)
    this.failures++
    this.setState('retrying')
    this.timer = setTimeout(() => this.connect(), delay)
  }

  private dispatch(e: CardEvent): void {
    for (const l of [...this.listeners]) {
      try {
        l(e)
      } catch (err) {
        // One failing listener must not starve the others.
        console.error(err)
      }
    }
  }
}

let shared: SupervisionStream | null = null

/** The tab's one stream. */
export function supervisionStream(): SupervisionStream {
  shared ??= new SupervisionStream()
  return shared
}
