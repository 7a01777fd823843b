// The one place the console talks HTTP. Every request carries the UI language (the server
// localises its problem details) and, when it changes state, the CSRF token the server put in
// the readable sunshine_csrf cookie. The session itself is an HttpOnly cookie the browser sends;
// the console never sees or stores a token.

/** One field-level validation error from a problem+json body. */
export interface FieldError {
  field: string
  code: string
  message: string
}

/** RFC 9457 problem details as the Sunshine API writes them. */
export interface Problem {
  type?: string
  title?: string
  status?: number
  detail?: string
  code?: string
  request_id?: string
  errors?: FieldError[]
}

/** Status 0: the request never got an HTTP answer (offline, DNS, server down, CORS). */
export const NETWORK_ERROR_STATUS = 0

/** A failed API call: a problem+json answer, another non-2xx answer, or no answer at all. */
export class ApiError extends Error {
  readonly status: number
  /** The stable machine code, e.g. "auth.invalid_credentials"; "" when the server sent none. */
  readonly code: string
  /** The human message, already in the request's language; "" when the server sent none. */
  readonly detail: string
  readonly title: string
  readonly type: string
  readonly requestId: string
  readonly errors: FieldError[]

  constructor(status: number, problem: Problem = {}, options?: { cause?: unknown }) {
    super(problem.detail || problem.title || `HTTP ${status}`, options)
    this.name = 'ApiError'
    this.status = status
    this.code = problem.code ?? ''
    this.detail = problem.detail ?? ''
    this.title = problem.title ?? ''
    this.type = problem.type ?? ''
    this.requestId = problem.request_id ?? ''
    this.errors = Array.isArray(problem.errors) ? problem.errors : []
  }

  get isNetworkError(): boolean {
    return this.status === NETWORK_ERROR_STATUS
  }

  /** Field errors keyed by field name (the first message per field), for el-form-item's error prop. */
  fieldErrors(): Record<string, string> {
    const out: Record<string, string> = {}
    for (const e of this.errors) {
      if (e.field && !(e.field in out)) out[e.field] = e.message
    }
    return out
  }
}

export const CSRF_COOKIE = 'sunshine_csrf'
export const CSRF_HEADER = 'X-CSRF-Token'

const UNSAFE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE'])

/** Reads a cookie visible to scripts; "" when absent. */
export function readCookie(name: string, cookies: string = document.cookie): string {
  for (const part of cookies.split(';')) {
    const eq = part.indexOf('=')
    if (eq < 0) continue
    if (part.slice(0, eq).trim() === name) {
      const raw = part.slice(eq + 1).trim()
      try {
        return decodeURIComponent(raw)
      } catch {
        return raw
      }
    }
  }
  return ''
}

interface HttpHooks {
  /** The current UI language for Accept-Language. */
  locale: () => string
  /** Called on a 401 from any request that did not opt out (the login screen takes over). */
  onUnauthorized: (error: ApiError) => void
}

const hooks: HttpHooks = {
  locale: () => 'zh-CN',
  onUnauthorized: () => {},
}

/** Wires the http layer to the app (i18n, router) without importing them here. */
export function configureHttp(h: Partial<HttpHooks>): void {
  Object.assign(hooks, h)
}

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'
  /** Sent as JSON. */
  body?: unknown
  query?: Record<string, string | number | boolean | undefined | null>
  signal?: AbortSignal
  /** The browser HTTP cache mode; "reload" fetches anew and refreshes the cached copy. */
  cache?: RequestCache
  /**
   * Do not hand a 401 to onUnauthorized: for the login call (401 = wrong password) and for
   * callers that handle "not signed in" themselves (the router guard's /me).
   */
  skipAuthRedirect?: boolean
}

function buildUrl(path: string, query?: RequestOptions['query']): string {
  if (!query) return path
  const params = new URLSearchParams()
  for (const [k, v] of Object.entries(query)) {
    if (v !== undefined && v !== null) params.append(k, String(v))
  }
  const qs = params.toString()
  return qs ? `${path}${path.includes('?') ? '&' : '?'}${qs}` : path
}

function isJson(contentType: string | null): boolean {
  if (!contentType) return false
  const ct = contentType.split(';')[0]!.trim().toLowerCase()
  return ct === 'application/json' || ct === 'application/problem+json' || ct.endsWith('+json')
}

/** Performs one API call and returns the decoded JSON body (undefined for 204 or an empty body). */
export async function request<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const method = options.method ?? 'GET'
  const headers: Record<string, string> = {
    Accept: 'application/json, application/problem+json',
    'Accept-Language': hooks.locale(),
  }
  let body: string | undefined
  if (options.body !== undefined) {
    headers['Content-Type'] = 'application/json'
    body = JSON.stringify(options.body)
  }
  if (UNSAFE_METHODS.has(method)) {
    const token = readCookie(CSRF_COOKIE)
    if (token) headers[CSRF_HEADER] = token
  }

  let res: Response
  try {
    res = await fetch(buildUrl(path, options.query), {
      method,
      headers,
      body,
      credentials: 'same-origin',
      signal: options.signal,
      ...(options.cache ? { cache: options.cache } : {}),
    })
  } catch (cause) {
    if (cause instanceof DOMException && cause.name === 'AbortError') throw cause
    throw new ApiError(NETWORK_ERROR_STATUS, { code: 'network_error' }, { cause })
  }

  if (!res.ok) {
    const error = await toApiError(res)
    if (error.status === 401 && !options.skipAuthRedirect) hooks.onUnauthorized(error)
    throw error
  }
  if (res.status === 204) return undefined as T
  const text = await res.text()
  if (!text) return undefined as T
  if (!isJson(res.headers.get('Content-Type'))) {
    // A 200 with HTML usually means the request missed the API (e.g. the SPA fallback answered).
    throw new ApiError(res.status, { code: 'unexpected_response', title: 'Unexpected response' })
  }
  return JSON.parse(text) as T
}

/** Turns a non-2xx response into an ApiError, reading problem+json when there is one. */
export async function toApiError(res: Response): Promise<ApiError> {
  let problem: Problem = {}
  try {
    const text = await res.text()
    if (text && isJson(res.headers.get('Content-Type'))) {
      const parsed: unknown = JSON.parse(text)
      if (parsed && typeof parsed === 'object') problem = parsed as Problem
    }
  } catch {
    // A broken body still yields an error with the status.
  }
  const status = typeof problem.status === 'number' && problem.status > 0 ? problem.status : res.status
  return new ApiError(status, problem)
}

export const http = {
  get: <T>(path: string, o?: Omit<RequestOptions, 'method' | 'body'>) => request<T>(path, { ...o, method: 'GET' }),
  post: <T>(path: string, body?: unknown, o?: Omit<RequestOptions, 'method' | 'body'>) =>
    request<T>(path, { ...o, method: 'POST', body }),
  put: <T>(path: string, body?: unknown, o?: Omit<RequestOptions, 'method' | 'body'>) =>
    request<T>(path, { ...o, method: 'PUT', body }),
  patch: <T>(path: string, body?: unknown, o?: Omit<RequestOptions, 'method' | 'body'>) =>
    request<T>(path, { ...o, method: 'PATCH', body }),
  delete: <T>(path: string, o?: Omit<RequestOptions, 'method' | 'body'>) => request<T>(path, { ...o, method: 'DELETE' }),
}
