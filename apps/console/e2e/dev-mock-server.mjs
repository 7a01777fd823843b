#!/usr/bin/env node
// DEV AID ONLY — a throwaway stand-in for the Go api, so the console and its browser tests can be
// tried before the backend exists. `npm run e2e` never starts it; real runs target the Go binary.
//
//   npm run build && node e2e/dev-mock-server.mjs [--port 18080]
//   SUNSHINE_E2E_URL=http://127.0.0.1:18080 SUNSHINE_E2E_USER=admin SUNSHINE_E2E_PASSWORD=Sunshine#2026 npm run e2e
//
// It serves dist/ with an index.html fallback and fakes the few endpoints the console calls,
// following the shapes in the console's src/api/*/types.ts. Accounts: admin / Sunshine#2026
// (tenant_admin), newbie / Initial#2026 (must change password). Nothing here is product logic.
import { createServer } from 'node:http'
import { randomBytes } from 'node:crypto'
import { readFile, stat } from 'node:fs/promises'
import { extname, join, normalize } from 'node:path'
import { fileURLToPath } from 'node:url'

const DIST = fileURLToPath(new URL('../dist/', import.meta.url))
const portArg = process.argv.indexOf('--port')
const PORT = Number(portArg > 0 ? process.argv[portArg + 1] : process.env.PORT || 18080)

const tenants = [
  { code: '410581', name: '林州市', level: 'county', parent: '410500', status: 'active' },
  { code: '410500', name: '安阳市', level: 'city', parent: null, status: 'active' },
  { code: '410523', name: '汤阴县', level: 'county', parent: '410500', status: 'active' },
  { code: '410505', name: '殷都区', level: 'county', parent: '410500', status: 'active' },
  { code: '410526', name: '滑县', level: 'county', parent: '410500', status: 'suspended' },
]
const accounts = {
  admin: {
    password: 'Sunshine#2026',
    user: { id: '0190c8a0-0000-7000-8000-000000000001', username: 'admin', display_name: '张明', must_change_password: false },
    roles: ['tenant_admin', 'auditor'],
    permissions: ['tenant:read', 'user:manage', 'audit:read', 'power:read'],
  },
  newbie: {
    password: 'Initial#2026',
    user: { id: '0190c8a0-0000-7000-8000-000000000002', username: 'newbie', display_name: '李华', must_change_password: true },
    roles: ['window_clerk'],
    permissions: ['case:read', 'task:read'],
  },
}
const sessions = new Map() // session id → { username, tenant, csrf }
const failures = new Map() // tenant/username → count

const MIME = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml', '.png': 'image/png', '.ico': 'image/x-icon', '.woff2': 'font/woff2' }

function lang(req) {
  return (req.headers['accept-language'] || '').toLowerCase().startsWith('en') ? 'en' : 'zh'
}
function msg(req, zh, en) {
  return lang(req) === 'en' ? en : zh
}
function json(res, status, body, headers = {}) {
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', ...headers })
  res.end(JSON.stringify(body))
}
function problem(res, req, status, code, zh, en, errors) {
  res.writeHead(status, { 'Content-Type': 'application/problem+json; charset=utf-8', 'Content-Language': lang(req) === 'en' ? 'en' : 'zh-CN' })
  res.end(JSON.stringify({ type: 'about:blank', title: code, status, detail: msg(req, zh, en), code, request_id: randomBytes(8).toString('hex'), ...(errors ? { errors } : {}) }))
}
function cookies(req) {
  return Object.fromEntries((req.headers.cookie || '').split(';').map((c) => c.trim().split('=')).filter((p) => p[0]))
}
function session(req) {
  const sid = cookies(req).sunshine_session
  return sid ? sessions.get(sid) : undefined
}
async function body(req) {
  let raw = ''
  for await (const chunk of req) raw += chunk
  try {
    return raw ? JSON.parse(raw) : {}
  } catch {
    return null
  }
}
function csrfOk(req, s) {
  return s && req.headers['x-csrf-token'] === s.csrf
}

async function api(req, res, path) {
  if (req.method === 'GET' && path === '/api/v1/public/tenants') return json(res, 200, { items: tenants })
  if (req.method === 'POST' && path === '/api/v1/auth/login') {
    const b = await body(req)
    if (!b) return problem(res, req, 400, 'bad_json', '请求格式错误', 'Malformed request')
    const errors = []
    if (!b.tenant) errors.push({ field: 'tenant', code: 'required', message: msg(req, '请选择地区', 'Tenant is required') })
    if (!b.username) errors.push({ field: 'username', code: 'required', message: msg(req, '请输入用户名', 'Username is required') })
    if (!b.password) errors.push({ field: 'password', code: 'required', message: msg(req, '请输入密码', 'Password is required') })
    if (errors.length) return problem(res, req, 422, 'validation_failed', '输入有误', 'Invalid input', errors)
    const t = tenants.find((x) => x.code === b.tenant)
    if (!t) return problem(res, req, 422, 'validation_failed', '输入有误', 'Invalid input', [{ field: 'tenant', code: 'unknown', message: msg(req, '地区不存在', 'Unknown tenant') }])
    const key = `${b.tenant}/${b.username}`
    if ((failures.get(key) || 0) >= 5) return problem(res, req, 429, 'auth.throttled', '登录失败次数过多，请15分钟后再试', 'Too many failed attempts; try again in 15 minutes')
    const a = accounts[b.username]
    if (!a || a.password !== b.password) {
      failures.set(key, (failures.get(key) || 0) + 1)
      return problem(res, req, 401, 'auth.invalid_credentials', '用户名或密码错误', 'Wrong username or password')
    }
    failures.delete(key)
    const sid = randomBytes(16).toString('hex')
    const csrf = randomBytes(16).toString('hex')
    sessions.set(sid, { username: b.username, tenant: t, csrf })
    return json(res, 200, { token: 'mock-token-not-for-the-console', user: a.user, tenant: { code: t.code, name: t.name, level: t.level } }, {
      'Set-Cookie': [`sunshine_session=${sid}; Path=/; HttpOnly; SameSite=Lax`, `sunshine_csrf=${csrf}; Path=/; SameSite=Lax`],
    })
  }
  const s = session(req)
  if (!s) return problem(res, req, 401, 'auth.unauthenticated', '请先登录', 'Please sign in')
  const a = accounts[s.username]
  if (req.method === 'GET' && path === '/api/v1/me') {
    const t = s.tenant
    return json(res, 200, { user: a.user, tenant: { code: t.code, name: t.name, level: t.level, path: t.parent ? `${t.parent}/${t.code}` : t.code }, roles: a.roles, permissions: a.permissions })
  }
  if (req.method === 'POST' && path === '/api/v1/auth/logout') {
    if (!csrfOk(req, s)) return problem(res, req, 403, 'csrf', 'CSRF 校验失败', 'CSRF check failed')
    sessions.delete(cookies(req).sunshine_session)
    res.writeHead(204, { 'Set-Cookie': ['sunshine_session=; Path=/; Max-Age=0', 'sunshine_csrf=; Path=/; Max-Age=0'] })
    return res.end()
  }
  if (req.method === 'POST' && path === '/api/v1/me/password') {
    if (!csrfOk(req, s)) return problem(res, req, 403, 'csrf', 'CSRF 校验失败', 'CSRF check failed')
    const b = (await body(req)) || {}
    if (b.old_password !== a.password) return problem(res, req, 422, 'validation_failed', '输入有误', 'Invalid input', [{ field: 'old_password', code: 'mismatch', message: msg(req, '原密码不正确', 'Current password is wrong') }])
    if (!b.new_password || b.new_password.length < 10) return problem(res, req, 422, 'validation_failed', '输入有误', 'Invalid input', [{ field: 'new_password', code: 'too_short', message: msg(req, '新密码至少10位', 'At least 10 characters') }])
    a.password = b.new_password
    a.user.must_change_password = false
    res.writeHead(204)
    return res.end()
  }
  return problem(res, req, 404, 'not_found', '接口不存在', 'No such endpoint')
}

async function serveStatic(req, res, path) {
  const file = normalize(join(DIST, decodeURIComponent(path)))
  if (file.startsWith(DIST)) {
    try {
      if ((await stat(file)).isFile()) {
        res.writeHead(200, { 'Content-Type': MIME[extname(file)] || 'application/octet-stream' })
        return res.end(await readFile(file))
      }
    } catch {
      // fall through to the SPA fallback
    }
  }
  if (path.startsWith('/assets/')) {
    res.writeHead(404)
    return res.end()
  }
  res.writeHead(200, { 'Content-Type': MIME['.html'], 'Cache-Control': 'no-cache' })
  res.end(await readFile(join(DIST, 'index.html')))
}

// The same policy the Go server sends, so a console change that needs eval or inline scripts
// breaks here too.
const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; " +
  "font-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"

createServer(async (req, res) => {
  res.setHeader('Content-Security-Policy', CSP)
  const path = new URL(req.url, 'http://x').pathname
  try {
    if (path.startsWith('/api/')) return await api(req, res, path)
    if (path === '/healthz' || path === '/readyz') return json(res, 200, { status: 'ok' })
    return await serveStatic(req, res, path)
  } catch (e) {
    console.error(e)
    if (!res.headersSent) problem(res, req, 500, 'internal', '服务器内部错误', 'Internal error')
  }
}).listen(PORT, '127.0.0.1', () => console.log(`dev-mock-server (DEV AID, not the real api) on http://127.0.0.1:${PORT}`))
