import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { backoffDelay, parseCardEvent, SupervisionStream, type StreamState } from '@/api/supervision/stream'
import type { CardEvent } from '@/api/supervision'

/** A stand-in for the browser's EventSource that the test drives. */
class FakeEventSource {
  static instances: FakeEventSource[] = []
  readonly url: string
  readonly init?: EventSourceInit
  onopen: ((e: Event) => void) | null = null
  onerror: ((e: Event) => void) | null = null
  closed = false
  private readonly handlers = new Map<string, ((e: Event) => void)[]>()

  constructor(url: string, init?: EventSourceInit) {
    this.url = url
    this.init = init
    FakeEventSource.instances.push(this)
  }

  addEventListener(type: string, fn: (e: Event) => void): void {
    this.handlers.set(type, [...(this.handlers.get(type) ?? []), fn])
  }

  close(): void {
    this.closed = true
  }

  open(): void {
    this.onopen?.(new Event('open'))
  }

  fail(): void {
    this.onerror?.(new Event('error'))
  }

  emit(type: string, data: unknown): void {
    const e = new MessageEvent(type, { data: typeof data === 'string' ? data : JSON.stringify(data) })
    for (const h of this.handlers.get(type) ?? []) h(e)
  }

  static last(): FakeEventSource {
    return FakeEventSource.instances[FakeEventSource.instances.length - 1]!
  }
}

const card = (over: Record<string, unknown> = {}) => ({
  id: 'k1',
  level: 'yellow',
  rule: 'case_overdue',
  status: 'active',
  title: '超期未办结：建筑工程施工许可证核发（410581261128000277）',
  created_at: '2026-12-04T16:00:01Z',
  tenant_code: '410581',
  ...over,
})

function makeStream() {
  return new SupervisionStream({ url: '/stream', EventSource: FakeEventSource as unknown as typeof EventSource, minDelay: 1000, maxDelay: 8000 })
}

describe('parseCardEvent', () => {
  it('reads the JSON data, the SSE event name naming the type', () => {
    const e = parseCardEvent('card.created', JSON.stringify({ type: 'card.created', tenant_code: '410581', card: card() }))
    expect(e?.type).toBe('card.created')
    expect(e?.tenant_code).toBe('410581')
    expect(e?.card.id).toBe('k1')
  })

  it('fills the card’s tenant from the envelope and the type from the data when unnamed', () => {
    const e = parseCardEvent('message', JSON.stringify({ type: 'card.updated', tenant_code: '410523', card: card({ tenant_code: '' }) }))
    expect(e?.type).toBe('card.updated')
    expect(e?.card.tenant_code).toBe('410523')
  })

  it('drops anything malformed', () => {
    expect(parseCardEvent('card.created', 'not json')).toBeNull()
    expect(parseCardEvent('card.created', '')).toBeNull()
    expect(parseCardEvent('card.created', JSON.stringify({ type: 'card.created' }))).toBeNull()
    expect(parseCardEvent('card.created', JSON.stringify({ card: { title: 'no id' } }))).toBeNull()
    expect(parseCardEvent('message', JSON.stringify({ type: 'other', card: card() }))).toBeNull()
    expect(parseCardEvent('card.created', 42)).toBeNull()
  })
})

describe('backoffDelay', () => {
  it('doubles from the first delay up to the cap', () => {
    expect([0, 1, 2, 3, 4, 5, 30].map((n) => backoffDelay(n, 1000, 30000))).toEqual([1000, 2000, 4000, 8000, 16000, 30000, 30000])
  })
})

describe('SupervisionStream', () => {
  beforeEach(() => {
    FakeEventSource.instances = []
    vi.useFakeTimers()
  })
  afterEach(() => vi.useRealTimers())

  it('opens with the first listener (with credentials) and closes after the last', () => {
    const s = makeStream()
    const states: StreamState[] = []
    s.onState((x) => states.push(x))
    expect(FakeEventSource.instances).toHaveLength(0)
    const off1 = s.subscribe(() => {})
    const off2 = s.subscribe(() => {})
    expect(FakeEventSource.instances).toHaveLength(1)
    expect(FakeEventSource.last().url).toBe('/stream')
    expect(FakeEventSource.last().init).toEqual({ withCredentials: true })
    FakeEventSource.last().open()
    expect(s.state).toBe('open')
    off1()
    off1()
    expect(FakeEventSource.last().closed).toBe(false)
    off2()
    expect(FakeEventSource.last().closed).toBe(true)
    expect(states).toEqual(['idle', 'connecting', 'open', 'idle'])
  })

  it('dispatches card events to every listener; one failing listener does not starve the rest', () => {
    const s = makeStream()
    const got: CardEvent[] = []
    const err = vi.spyOn(console, 'error').mockImplementation(() => {})
    s.subscribe(() => {
      throw new Error('broken listener')
    })
    s.subscribe((e) => got.push(e))
    const es = FakeEventSource.last()
    es.open()
    es.emit('card.created', { type: 'card.created', tenant_code: '410581', card: card() })
    es.emit('card.updated', { type: 'card.updated', tenant_code: '410581', card: card({ status: 'appealed' }) })
    es.emit('card.created', 'garbage')
    expect(got.map((e) => `${e.type} ${e.card.status}`)).toEqual(['card.created active', 'card.updated appealed'])
    expect(err).toHaveBeenCalledTimes(2)
  })

  it('reconnects after an error with a doubling delay, and starts over once connected', () => {
    const s = makeStream()
    s.subscribe(() => {})
    const first = FakeEventSource.last()
    first.fail()
    expect(first.closed).toBe(true)
    expect(s.state).toBe('retrying')
    vi.advanceTimersByTime(999)
    expect(FakeEventSource.instances).toHaveLength(1)
    vi.advanceTimersByTime(1)
    expect(FakeEventSource.instances).toHaveLength(2)
    FakeEventSource.last().fail()
    vi.advanceTimersByTime(1999)
    expect(FakeEventSource.instances).toHaveLength(2)
    vi.advanceTimersByTime(1)
    expect(FakeEventSource.instances).toHaveLength(3)
    FakeEventSource.last().fail()
    vi.advanceTimersByTime(4000)
    expect(FakeEventSource.instances).toHaveLength(4)
    FakeEventSource.last().fail()
    vi.advanceTimersByTime(8000)
    FakeEventSource.last().fail()
    // Capped at maxDelay.
    vi.advanceTimersByTime(8000)
    expect(FakeEventSource.instances).toHaveLength(6)
    // Connected again: the next failure waits the first delay only.
    FakeEventSource.last().open()
    expect(s.state).toBe('open')
    FakeEventSource.last().fail()
    vi.advanceTimersByTime(1000)
    expect(FakeEventSource.instances).toHaveLength(7)
  })

  it('ignores a closed source’s late events and stops reconnecting when nobody listens', () => {
    const s = makeStream()
    const got: CardEvent[] = []
    const off = s.subscribe((e) => got.push(e))
    const first = FakeEventSource.last()
    first.fail()
    first.emit('card.created', { type: 'card.created', tenant_code: '410581', card: card() })
    expect(got).toHaveLength(0)
    off()
    expect(s.state).toBe('idle')
    vi.advanceTimersByTime(60000)
    expect(FakeEventSource.instances).toHaveLength(1)
  })

  it('stays "retrying" in a browser without EventSource (the pages still poll)', () => {
    vi.stubGlobal('EventSource', undefined)
    const s = new SupervisionStream()
    s.subscribe(() => {})
    expect(s.state).toBe('retrying')
  })
})
