import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { flushPromises, mount, type VueWrapper } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import AuditVerifyResult from '@/views/audit/AuditVerifyResult.vue'
import { createMemoryHistory, createRouter } from 'vue-router'
import AuditView from '@/views/audit/AuditView.vue'
import { configureHttp } from '@/api/http'
import { vPerm } from '@/directives/perm'
import { DEFAULT_LOCALE, i18n, setLocale } from '@/locales'
import { useAuthStore } from '@/stores/auth'
import { formatDateTime } from '@/utils/format'
import { fakeFetch, jsonResponse, me, settle, type SeenRequest } from './support'

const BAD_AT = '2026-11-27T16:05:09Z'

describe('AuditVerifyResult', () => {
  afterEach(() => setLocale(DEFAULT_LOCALE))

  it('shows a green success with the number of events', () => {
    const w = mount(AuditVerifyResult, { props: { result: { ok: true, events: 327 } }, global: { plugins: [i18n] } })
    const ok = w.find('[data-testid="audit-verify-ok"]')
    expect(ok.exists()).toBe(true)
    // Green: Element Plus's success alert.
    expect(ok.find('.el-alert--success').exists()).toBe(true)
    expect(ok.text()).toContain('完整性校验通过：共 327 条事件')
    expect(w.find('[data-testid="audit-verify-bad"]').exists()).toBe(false)
  })

  it('shows the first bad event in red: region, seq, action, local time and reason', () => {
    const w = mount(AuditVerifyResult, {
      props: {
        result: {
          ok: false,
          events: 41,
          first_bad_event: { tenant_code: '410581', seq: 17, id: 'e-17', action: 'user.grant', at: BAD_AT, reason: 'hash mismatch' },
        },
      },
      global: { plugins: [i18n] },
    })
    const bad = w.find('[data-testid="audit-verify-bad"]')
    expect(bad.find('.el-alert--error').exists()).toBe(true)
    expect(bad.text()).toContain('完整性校验未通过')
    expect(w.find('[data-testid="bad-tenant"]').text()).toBe('410581')
    expect(w.find('[data-testid="bad-seq"]').text()).toBe('17')
    expect(w.find('[data-testid="bad-action"]').text()).toContain('授权')
    expect(w.find('[data-testid="bad-action"]').text()).toContain('user.grant')
    expect(w.find('[data-testid="bad-at"]').text()).toBe(formatDateTime(BAD_AT))
    expect(w.find('[data-testid="bad-reason"]').text()).toBe('hash mismatch')
    expect(bad.text()).toContain('共校验 41 条事件')
  })

  it('copes with a bad event that has only seq and reason', () => {
    const w = mount(AuditVerifyResult, {
      props: { result: { ok: false, events: 3, first_bad_event: { tenant_code: '', seq: 2, reason: 'missing' } } },
      global: { plugins: [i18n] },
    })
    expect(w.find('[data-testid="bad-seq"]').text()).toBe('2')
    expect(w.find('[data-testid="bad-action"]').exists()).toBe(false)
    expect(w.find('[data-testid="bad-at"]').exists()).toBe(false)
  })
})

const EVENTS = [
  {
    tenant_code: '410500',
    seq: 41,
    id: 'e-41',
    at: '2026-11-28T00:33:27Z',
    actor_id: 'u-auditor',
    actor_name: '市审计员 (auditor)',
    action: 'auth.login',
    object_type: 'session',
    object_id: 's-1',
    request_id: 'req-41',
    ip: '127.0.0.1',
    summary: { data: { ip: '127.0.0.1', kind: 'browser' } },
  },
  {
    tenant_code: '410581',
    seq: 9,
    id: 'e-9',
    at: '2026-11-28T00:30:00Z',
    actor_id: null,
    actor_name: '',
    action: 'case.archived',
    object_type: 'case',
    object_id: 'c-1',
    request_id: 'req-9',
    ip: '',
    summary: null,
  },
]

describe('AuditView', { timeout: 60000 }, () => {
  let wrapper: VueWrapper | undefined

  beforeEach(() => {
    setLocale(DEFAULT_LOCALE)
    configureHttp({ locale: () => 'zh-CN', onUnauthorized: () => {} })
  })
  afterEach(() => {
    wrapper?.unmount()
    wrapper = undefined
    document.body.innerHTML = ''
  })

  async function mountAudit(verify: (req: SeenRequest) => Response, path = '/audit') {
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
      if (p === '/api/v1/audit/events') return jsonResponse(200, { items: EVENTS, total: 2, page: 1, page_size: 20 })
      if (p === '/api/v1/audit/verify') return verify(req)
      return undefined
    })
    const pinia = createPinia()
    setActivePinia(pinia)
    const m = me({ permissions: ['audit:read', 'tenant:read'], roles: ['auditor'] })
    useAuthStore().me = { ...m, tenant: { code: '410500', name: '安阳市', level: 'city', path: '410500' } }
    const router = createRouter({
      history: createMemoryHistory(),
      routes: [{ path: '/audit', component: { template: '<div />' } }],
    })
    await router.push(path)
    wrapper = mount(AuditView, {
      // The date picker is heavy to render and not under test here.
      global: { plugins: [pinia, i18n, router], directives: { perm: vPerm }, stubs: { ElDatePicker: true } },
      attachTo: document.body,
    })
    await settle(10)
    await flushPromises()
    return { f, wrapper }
  }

  it('lists events with local times, Chinese action labels (raw code as fallback) and the actor, and verifies', async () => {
    const { f, wrapper: w } = await mountAudit(() => jsonResponse(200, { ok: true, events: 2 }))
    expect(f.to('/api/v1/audit/events')[0]!.url).toBe('/api/v1/audit/events?page=1&page_size=20')
    const rows = w.findAll('.el-table__body-wrapper tbody tr.el-table__row')
    expect(rows).toHaveLength(2)
    expect(rows[0]!.text()).toContain(formatDateTime('2026-11-28T00:33:27Z'))
    expect(rows[0]!.text()).toContain('市审计员 (auditor)')
    expect(rows[0]!.text()).toContain('安阳市 (410500)')
    // A known action reads in Chinese with its code beside it; an unknown one shows the code.
    expect(rows[0]!.text()).toContain('登录auth.login')
    expect(rows[1]!.text()).toContain('case.archived')
    expect(rows[1]!.text()).not.toContain('case.archivedcase.archived')
    expect(rows[1]!.text()).toContain('系统')
    expect(rows[0]!.text()).toContain('req-41')

    // 校验完整性 checks the chains in view (all readable regions here) and shows the outcome.
    await w.find('[data-testid="audit-verify"]').trigger('click')
    await settle(10)
    await flushPromises()
    expect(f.to('/api/v1/audit/verify')[0]!.url).toBe('/api/v1/audit/verify')
    expect(w.find('[data-testid="audit-verify-ok"]').text()).toContain('共 2 条事件')
  })

  it('opens already filtered by the link it came from (a case page links to its own events)', async () => {
    const { f } = await mountAudit(() => jsonResponse(200, { ok: true, events: 0 }), '/audit?object_type=case&object_id=c-1&bogus=1')
    const urls = f.to('/api/v1/audit/events').map((r) => r.url)
    expect(urls).toHaveLength(1)
    expect(urls[0]).toContain('object_type=case')
    expect(urls[0]).toContain('object_id=c-1')
    expect(urls[0]).not.toContain('bogus')
  })
})
