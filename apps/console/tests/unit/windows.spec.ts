import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { flushPromises, mount, type VueWrapper } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { createMemoryHistory, createRouter } from 'vue-router'
import WindowsView from '@/views/windows/WindowsView.vue'
import { configureHttp } from '@/api/http'
import { vPerm } from '@/directives/perm'
import { DEFAULT_LOCALE, i18n, setLocale } from '@/locales'
import { useAuthStore } from '@/stores/auth'
import { fakeFetch, jsonResponse, me, settle, TENANTS } from './support'

const win = (id: string, tenant: string, number: string, dept: string) => ({
  id,
  tenant_code: tenant,
  number,
  name: '综合受理窗口',
  department_id: dept,
  comprehensive: true,
  active: true,
  staff_ids: [],
})

describe('WindowsView', { timeout: 60000 }, () => {
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

  it('shows a city reader every region’s windows with the region of each, the other regions read-only', async () => {
    const f = fakeFetch((req) => {
      const u = new URL(req.url, 'http://x')
      if (u.pathname === '/api/v1/tenants') return jsonResponse(200, { items: TENANTS })
      if (u.pathname === '/api/v1/windows')
        return jsonResponse(200, { items: [win('w2', '410523', 'A01', 'd2'), win('w1', '410581', 'B02', 'd1'), win('w3', '410581', 'A01', 'd1')] })
      if (u.pathname === '/api/v1/departments')
        return jsonResponse(200, {
          items: [
            { id: 'd1', tenant_code: '410581', code: 'SPJ', name: '林州市行政审批局', type: 'bureau', parent_id: null, sort: 1, active: true },
            { id: 'd2', tenant_code: '410523', code: 'SPJ', name: '汤阴县行政审批局', type: 'bureau', parent_id: null, sort: 1, active: true },
          ],
        })
      return undefined
    })
    const pinia = createPinia()
    setActivePinia(pinia)
    useAuthStore().me = me({ permissions: ['window:read', 'window:manage'] }) as never
    const router = createRouter({ history: createMemoryHistory(), routes: [{ path: '/', component: WindowsView }, { path: '/windows/volume', component: { template: '<div />' } }] })
    await router.push('/')
    wrapper = mount(WindowsView, { global: { plugins: [pinia, i18n, router], directives: { perm: vPerm } }, attachTo: document.body })
    await settle(10)
    await flushPromises()
    // No region picked: every readable region, in one request each.
    expect(f.to('/api/v1/windows').map((r) => r.url)).toEqual(['/api/v1/windows'])
    const rows = wrapper.findAll('[data-testid="windows-table"] .el-table__body-wrapper tbody tr')
    expect(rows).toHaveLength(3)
    // Own region first, then by number; each row names its region and its department.
    expect(rows[0]!.text()).toContain('林州市')
    expect(rows[0]!.text()).toContain('A01')
    expect(rows[1]!.text()).toContain('B02')
    expect(rows[2]!.text()).toContain('汤阴县')
    expect(rows[2]!.text()).toContain('汤阴县行政审批局')
    expect(wrapper.find('[data-testid="window-tenant-w2"]').text()).toContain('汤阴县')
    // Another region's windows cannot be changed from here.
    expect(rows[2]!.text()).toContain('其他地区（只读）')
    expect(rows[0]!.text()).not.toContain('其他地区（只读）')
  })
})
