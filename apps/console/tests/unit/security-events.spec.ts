import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { flushPromises, mount, type VueWrapper } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { createMemoryHistory, createRouter } from 'vue-router'
import SecurityEventsView from '@/views/audit/SecurityEventsView.vue'
import { listSecurityEvents } from '@/api/audit'
import { configureHttp } from '@/api/http'
import { vPerm } from '@/directives/perm'
import { DEFAULT_LOCALE, i18n, setLocale } from '@/locales'
import en from '@/locales/en'
import zhCN from '@/locales/zh-CN'
import { useAuthStore } from '@/stores/auth'
import { formatDateTime } from '@/utils/format'
import { fakeFetch, jsonResponse, me, settle } from './support'

const EVENTS = [
  {
    id: 7,
    tenant_code: '410581',
    at: '2026-11-28T01:02:03Z',
    kind: 'denied',
    code: 'authz.forbidden',
    status: 403,
    user_id: 'u-clerk',
    username: 'clerk',
    ip: '10.7.0.1',
    user_agent: 'Mozilla/5.0',
    method: 'GET',
    path: '/api/v1/users',
    request_id: 'req-7',
    detail: '',
  },
  {
    id: 6,
    tenant_code: '410500',
    at: '2026-11-28T01:00:00Z',
    kind: 'login_failed',
    code: 'identity.bad_credentials',
    status: 401,
    user_id: null,
    username: 'admin',
    ip: '10.7.0.5',
    user_agent: '',
    method: 'POST',
    path: '/api/v1/auth/login',
    request_id: 'req-6',
    detail: 'unknown tenant 419999',
  },
]

describe('安全日志', () => {
  let wrapper: VueWrapper | undefined
  beforeEach(() => configureHttp({ locale: () => 'zh-CN', onUnauthorized: () => {} }))
  afterEach(() => {
    wrapper?.unmount()
    wrapper = undefined
    document.body.innerHTML = ''
    setLocale(DEFAULT_LOCALE)
  })

  async function mountView() {
    const f = fakeFetch((req) => {
      const p = new URL(req.url, 'http://x').pathname
      if (p === '/api/v1/tenants')
        return jsonResponse(200, {
          items: [
            { code: '410500', name: '安阳市', level: 'city', parent: null, path: '410500', status: 'active' },
            { code: '410581', name: '林州市', level: 'county', parent: '410500', path: '410500/410581', status: 'active' },
          ],
          total: 2,
        })
      if (p === '/api/v1/security-events') return jsonResponse(200, { items: EVENTS, total: 2, page: 1, page_size: 20 })
      return undefined
    })
    const pinia = createPinia()
    setActivePinia(pinia)
    const m = me({ permissions: ['audit:read', 'tenant:read'], roles: ['auditor'] })
    useAuthStore().me = { ...m, tenant: { code: '410500', name: '安阳市', level: 'city', path: '410500' } }
    const router = createRouter({ history: createMemoryHistory(), routes: [{ path: '/audit/security', component: { template: '<div />' } }] })
    await router.push('/audit/security')
    wrapper = mount(SecurityEventsView, {
      global: { plugins: [pinia, i18n, router], directives: { perm: vPerm }, stubs: { ElDatePicker: true } },
      attachTo: document.body,
    })
    await settle(10)
    await flushPromises()
    return { f, w: wrapper }
  }

  it('lists events newest first with local times, kind labels, the code, the user and the request', async () => {
    const { f, w } = await mountView()
    expect(f.to('/api/v1/security-events')[0]!.url).toBe('/api/v1/security-events?page=1&page_size=20')
    const rows = w.findAll('.el-table__body-wrapper tbody tr.el-table__row')
    expect(rows).toHaveLength(2)
    expect(rows[0]!.text()).toContain(formatDateTime('2026-11-28T01:02:03Z'))
    expect(rows[0]!.text()).toContain('林州市 (410581)')
    expect(rows[0]!.text()).toContain('越权拒绝')
    expect(rows[0]!.text()).toContain('403 authz.forbidden')
    expect(rows[0]!.text()).toContain('GET /api/v1/users')
    expect(rows[1]!.text()).toContain('登录失败')
    expect(rows[1]!.text()).toContain('unknown tenant 419999')
  })

  it('sends the kind and since filters, and nothing empty', async () => {
    const f = fakeFetch((req) => (new URL(req.url, 'http://x').pathname === '/api/v1/security-events' ? jsonResponse(200, { items: [], total: 0 }) : undefined))
    await listSecurityEvents({ kind: 'throttled', since: '2026-11-01T00:00:00Z', tenant: '', page: 2, page_size: 50 })
    const url = f.to('/api/v1/security-events')[0]!.url
    expect(url).toContain('kind=throttled')
    expect(url).toContain('since=2026-11-01T00%3A00%3A00Z')
    expect(url).toContain('page=2')
    expect(url).not.toContain('tenant=')
  })

  it('has a label for every kind in both languages', () => {
    const kinds = ['denied', 'not_found', 'cross_tenant', 'login_failed', 'throttled', 'password_check_failed', 'captcha_failed']
    expect(Object.keys(zhCN.securityLog.kinds).sort()).toEqual([...kinds].sort())
    expect(Object.keys(en.securityLog.kinds).sort()).toEqual([...kinds].sort())
  })
})
