import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { ApiError, configureHttp, http, readCookie, request } from '@/api/http'
import { errorMessage, formProblem } from '@/api/errors'
import { clearCookies, fakeFetch, jsonResponse, problemResponse } from './support'

const t = (key: string, named?: Record<string, unknown>) => `${key}${named ? JSON.stringify(named) : ''}`

describe('http', () => {
  let locale = 'zh-CN'
  const onUnauthorized = vi.fn()

  beforeEach(() => {
    locale = 'zh-CN'
    onUnauthorized.mockReset()
    configureHttp({ locale: () => locale, onUnauthorized })
    clearCookies()
  })
  afterEach(() => clearCookies())

  it('sends the UI language as Accept-Language on every request', async () => {
    const f = fakeFetch(() => jsonResponse(200, { ok: true }))
    await http.get('/api/v1/me')
    locale = 'en'
    await http.post('/api/v1/x', { a: 1 })
    expect(f.seen.map((r) => r.headers['accept-language'])).toEqual(['zh-CN', 'en'])
  })

  it('sends the sunshine_csrf cookie as X-CSRF-Token on unsafe methods only', async () => {
    document.cookie = 'other=1; path=/'
    document.cookie = 'sunshine_csrf=tok%2Fen-123; path=/'
    const f = fakeFetch(() => jsonResponse(200, {}))
    await http.get('/a')
    await http.post('/a', {})
    await http.put('/a', {})
    await http.patch('/a', {})
    await http.delete('/a')
    expect(f.seen.map((r) => [r.method, r.headers['x-csrf-token']])).toEqual([
      ['GET', undefined],
      ['POST', 'tok/en-123'],
      ['PUT', 'tok/en-123'],
      ['PATCH', 'tok/en-123'],
      ['DELETE', 'tok/en-123'],
    ])
  })

  it('omits the CSRF header when there is no cookie yet (first login)', async () => {
    const f = fakeFetch(() => jsonResponse(200, {}))
    await http.post('/api/v1/auth/login', { tenant: '410581' })
    expect(f.seen[0]!.headers).not.toHaveProperty('x-csrf-token')
  })

  it('encodes JSON bodies and query parameters, and never sends credentials cross-origin', async () => {
    const f = fakeFetch(() => jsonResponse(200, { items: [] }))
    await request('/api/v1/things', { method: 'POST', body: { name: '林州市' }, query: { page: 2, q: 'a b', none: undefined } })
    expect(f.seen[0]!.url).toBe('/api/v1/things?page=2&q=a+b')
    expect(f.seen[0]!.headers['content-type']).toBe('application/json')
    expect(f.seen[0]!.body).toEqual({ name: '林州市' })
    expect(f.fn.mock.calls[0]![1]).toMatchObject({ credentials: 'same-origin' })
  })

  it('parses problem+json into an ApiError with status, code, detail and field errors', async () => {
    fakeFetch(() =>
      problemResponse(422, {
        title: 'Invalid input',
        code: 'validation_failed',
        detail: '输入有误',
        request_id: 'req-1',
        errors: [
          { field: 'username', code: 'required', message: '请输入用户名' },
          { field: 'username', code: 'too_short', message: '太短' },
          { field: 'password', code: 'required', message: '请输入密码' },
        ],
      }),
    )
    const err = await http.post('/api/v1/auth/login', {}).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ApiError)
    const e = err as ApiError
    expect(e.status).toBe(422)
    expect(e.code).toBe('validation_failed')
    expect(e.detail).toBe('输入有误')
    expect(e.requestId).toBe('req-1')
    expect(e.errors).toHaveLength(3)
    expect(e.fieldErrors()).toEqual({ username: '请输入用户名', password: '请输入密码' })
    expect(e.message).toBe('输入有误')
  })

  it('hands a 401 to onUnauthorized unless the caller opts out', async () => {
    fakeFetch(() => problemResponse(401, { code: 'unauthenticated', detail: '请先登录' }))
    await expect(http.get('/api/v1/things')).rejects.toMatchObject({ status: 401 })
    expect(onUnauthorized).toHaveBeenCalledTimes(1)
    expect(onUnauthorized.mock.calls[0]![0]).toBeInstanceOf(ApiError)
    await expect(http.post('/api/v1/auth/login', {}, { skipAuthRedirect: true })).rejects.toMatchObject({ status: 401 })
    expect(onUnauthorized).toHaveBeenCalledTimes(1)
  })

  it('does not treat 403 or 429 as "signed out"', async () => {
    fakeFetch((r) => (r.url.endsWith('403') ? problemResponse(403, { detail: 'no' }) : problemResponse(429, { detail: '稍后再试' })))
    await expect(http.get('/403')).rejects.toMatchObject({ status: 403 })
    await expect(http.get('/429')).rejects.toMatchObject({ status: 429, detail: '稍后再试' })
    expect(onUnauthorized).not.toHaveBeenCalled()
  })

  it('turns a non-JSON error page (proxy 502) into an ApiError without detail', async () => {
    fakeFetch(() => new Response('<html>Bad Gateway</html>', { status: 502, headers: { 'Content-Type': 'text/html' } }))
    const e = (await http.get('/api/v1/me').catch((x: unknown) => x)) as ApiError
    expect(e).toBeInstanceOf(ApiError)
    expect(e.status).toBe(502)
    expect(e.detail).toBe('')
    expect(errorMessage(e, t)).toBe('error.http{"status":502}')
  })

  it('reports a network failure as status 0', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => Promise.reject(new TypeError('Failed to fetch'))))
    const e = (await http.get('/api/v1/me').catch((x: unknown) => x)) as ApiError
    expect(e.isNetworkError).toBe(true)
    expect(errorMessage(e, t)).toBe('error.network')
  })

  it('returns undefined for 204 and rejects an HTML 200 (the SPA fallback answering an API path)', async () => {
    fakeFetch((r) =>
      r.url === '/204' ? new Response(null, { status: 204 }) : new Response('<!doctype html>', { status: 200, headers: { 'Content-Type': 'text/html' } }),
    )
    await expect(http.post('/204')).resolves.toBeUndefined()
    await expect(http.get('/html')).rejects.toMatchObject({ code: 'unexpected_response' })
  })
})

describe('readCookie', () => {
  it('finds a cookie among others and decodes it', () => {
    expect(readCookie('sunshine_csrf', 'a=1; sunshine_csrf=x%3Dy; b=2')).toBe('x=y')
    expect(readCookie('sunshine_csrf', 'xsunshine_csrf=no; b=2')).toBe('')
    expect(readCookie('sunshine_csrf', '')).toBe('')
  })
})

describe('errorMessage and formProblem', () => {
  it('prefers the server detail, which is already localised', () => {
    expect(errorMessage(new ApiError(401, { detail: '用户名或密码错误' }), t)).toBe('用户名或密码错误')
  })

  it('puts field errors under known fields and the rest in the banner', () => {
    const e = new ApiError(422, {
      detail: '输入有误',
      errors: [
        { field: 'username', code: 'required', message: '请输入用户名' },
        { field: 'captcha', code: 'required', message: '请输入验证码' },
      ],
    })
    expect(formProblem(e, ['tenant', 'username', 'password'], t)).toEqual({
      fields: { username: '请输入用户名' },
      banner: '输入有误 请输入验证码',
    })
    const onlyKnown = new ApiError(422, { detail: '输入有误', errors: [{ field: 'password', code: 'x', message: '太短' }] })
    expect(formProblem(onlyKnown, ['password'], t)).toEqual({ fields: { password: '太短' }, banner: '' })
    expect(formProblem(new ApiError(429, { detail: '稍后再试' }), ['password'], t)).toEqual({ fields: {}, banner: '稍后再试' })
  })
})
