import { vi } from 'vitest'

/** One request as the fake fetch saw it. */
export interface SeenRequest {
  url: string
  method: string
  headers: Record<string, string>
  body: unknown
}

type Reply = Response | Promise<Response>
type Route = (req: SeenRequest) => Reply | undefined

/** A JSON response. */
export function jsonResponse(status: number, body: unknown, contentType = 'application/json'): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': contentType } })
}

/** An RFC 9457 problem response as the API writes it. */
export function problemResponse(status: number, problem: Record<string, unknown>): Response {
  return jsonResponse(status, { type: 'about:blank', status, ...problem }, 'application/problem+json')
}

/**
 * Replaces global fetch. `route` answers each request (undefined → 404 problem) and every request
 * is recorded with its headers and decoded JSON body.
 */
export function fakeFetch(route: Route) {
  const seen: SeenRequest[] = []
  const fn = vi.fn(async (input: RequestInfo | URL, init: RequestInit = {}) => {
    const headers: Record<string, string> = {}
    for (const [k, v] of Object.entries((init.headers ?? {}) as Record<string, string>)) headers[k.toLowerCase()] = v
    const req: SeenRequest = {
      url: String(input),
      method: (init.method ?? 'GET').toUpperCase(),
      headers,
      body: typeof init.body === 'string' ? JSON.parse(init.body) : undefined,
    }
    seen.push(req)
    return (await route(req)) ?? problemResponse(404, { code: 'not_found', detail: 'no route in test' })
  })
  vi.stubGlobal('fetch', fn)
  return { fn, seen, to: (path: string) => seen.filter((r) => new URL(r.url, 'http://x').pathname === path) }
}

export const TENANTS = [
  { code: '410581', name: '林州市', level: 'county', parent: '410500', status: 'active' },
  { code: '410500', name: '安阳市', level: 'city', parent: null, status: 'active' },
  { code: '410523', name: '汤阴县', level: 'county', parent: '410500', status: 'active' },
  { code: '410526', name: '滑县', level: 'county', parent: '410500', status: 'suspended' },
]

export function me(overrides: { permissions?: string[]; roles?: string[]; mustChange?: boolean } = {}) {
  return {
    user: { id: 'u1', username: 'admin', display_name: '张明', must_change_password: overrides.mustChange ?? false },
    tenant: { code: '410581', name: '林州市', level: 'county', path: '410500/410581' },
    roles: overrides.roles ?? ['tenant_admin'],
    permissions: overrides.permissions ?? ['user:manage'],
  }
}

/** Clears document.cookie (happy-dom keeps cookies across tests in one file). */
export function clearCookies(): void {
  for (const c of document.cookie.split(';')) {
    const name = c.split('=')[0]?.trim()
    if (name) document.cookie = `${name}=; expires=Thu, 01 Jan 1970 00:00:00 GMT; path=/`
  }
}

/** Lets pending promises, timers and async validators settle. */
export async function settle(rounds = 5): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise((r) => setTimeout(r, 0))
}

/** Waits real time (Element Plus shows form errors after a 100 ms debounce). */
export function wait(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms))
}
