import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { defineComponent } from 'vue'
import { flushPromises, mount, type VueWrapper } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { createMemoryHistory, createRouter, type Router } from 'vue-router'
import LoginView from '@/views/login/LoginView.vue'
import { DEFAULT_LOCALE, i18n, setLocale } from '@/locales'
import { configureHttp } from '@/api/http'
import { LAST_TENANT_KEY } from '@/stores/tenants'
import { useAuthStore } from '@/stores/auth'
import { fakeFetch, jsonResponse, me, problemResponse, settle, TENANTS, wait, type SeenRequest } from './support'

const Stub = defineComponent({ template: '<div />' })

type Answer = (req: SeenRequest) => Response | undefined

async function mountLogin(opts: { login?: Answer; query?: string } = {}) {
  const f = fakeFetch((req) => {
    const path = new URL(req.url, 'http://x').pathname
    if (path === '/api/v1/public/tenants') return jsonResponse(200, { items: TENANTS })
    if (path === '/api/v1/auth/login') return opts.login?.(req)
    if (path === '/api/v1/me') return jsonResponse(200, me())
    return undefined
  })
  const pinia = createPinia()
  setActivePinia(pinia)
  const router: Router = createRouter({
    history: createMemoryHistory(),
    routes: [
      { path: '/login', name: 'login', component: LoginView },
      { path: '/', name: 'dashboard', component: Stub },
      { path: '/users', name: 'users', component: Stub },
      { path: '/profile/password', name: 'password', component: Stub },
      { path: '/portal/:tenantCode', component: Stub },
    ],
  })
  await router.push(`/login${opts.query ?? ''}`)
  await router.isReady()
  const wrapper = mount(LoginView, { global: { plugins: [pinia, i18n, router] }, attachTo: document.body })
  await settle()
  return { wrapper, router, f }
}

const fieldError = (w: VueWrapper, id: string) =>
  w.find(`#${id}`).element.closest('.el-form-item')?.querySelector('.el-form-item__error')?.textContent?.trim() ?? ''

async function fillAndSubmit(w: VueWrapper, username: string, password: string) {
  await w.find('#login-username').setValue(username)
  await w.find('#login-password').setValue(password)
  await w.find('form').trigger('submit')
  await settle(10)
  await flushPromises()
  // Element Plus debounces the display of a field's error by 100 ms.
  await wait(150)
}

describe('LoginView', () => {
  let wrapper: VueWrapper | undefined

  beforeEach(() => {
    localStorage.clear()
    setLocale(DEFAULT_LOCALE)
    configureHttp({ locale: () => i18n.global.locale.value })
  })
  afterEach(() => {
    wrapper?.unmount()
    wrapper = undefined
    setLocale(DEFAULT_LOCALE)
  })

  it('renders the title, labelled fields and a submit button in Chinese', async () => {
    const m = await mountLogin()
    wrapper = m.wrapper
    expect(wrapper.find('h1').text()).toBe('阳光施政平台')
    const labels = wrapper.findAll('.el-form-item__label').map((l) => l.text())
    expect(labels).toEqual(['所属地区', '用户名', '密码'])
    // Labels point at their inputs (screen readers, clicking the label).
    expect(wrapper.find('label[for="login-username"]').exists()).toBe(true)
    expect(wrapper.find('label[for="login-password"]').exists()).toBe(true)
    const submit = wrapper.find('[data-testid="login-submit"]')
    expect(submit.attributes('type')).toBe('submit')
    expect(submit.text()).toBe('登录')
  })

  it('refuses an empty form with a message under each field and sends nothing', async () => {
    const m = await mountLogin()
    wrapper = m.wrapper
    await fillAndSubmit(wrapper, '   ', '')
    expect(fieldError(wrapper, 'login-tenant')).toBe('请选择所属地区')
    expect(fieldError(wrapper, 'login-username')).toBe('请输入用户名')
    expect(fieldError(wrapper, 'login-password')).toBe('请输入密码')
    expect(m.f.to('/api/v1/auth/login')).toHaveLength(0)
  })

  it('validates in English after a language switch', async () => {
    setLocale('en')
    const m = await mountLogin()
    wrapper = m.wrapper
    await fillAndSubmit(wrapper, '', '')
    expect(fieldError(wrapper, 'login-username')).toBe('Enter your username')
    expect(wrapper.find('h1').text()).toBe('Sunshine Governance Platform')
  })

  it('preselects the remembered tenant, signs in with JSON and goes to the redirect', async () => {
    localStorage.setItem(LAST_TENANT_KEY, '410581')
    const m = await mountLogin({
      query: '?redirect=/users',
      login: () =>
        jsonResponse(200, {
          token: 'ignored',
          user: me().user,
          tenant: { code: '410581', name: '林州市', level: 'county' },
        }),
    })
    wrapper = m.wrapper
    await fillAndSubmit(wrapper, ' admin ', 'Secret#1')
    const [req] = m.f.to('/api/v1/auth/login')
    expect(req?.method).toBe('POST')
    expect(req?.body).toEqual({ tenant: '410581', username: 'admin', password: 'Secret#1' })
    expect(req?.headers['accept-language']).toBe('zh-CN')
    expect(m.f.to('/api/v1/me')).toHaveLength(1)
    expect(m.router.currentRoute.value.fullPath).toBe('/users')
    expect(useAuthStore().permissions.has('user:manage')).toBe(true)
    // The token is not kept anywhere the page's scripts can reach later.
    expect(JSON.stringify({ ...localStorage })).not.toContain('ignored')
  })

  it('sends a user who must change the password to the password page', async () => {
    localStorage.setItem(LAST_TENANT_KEY, '410581')
    const m = await mountLogin({
      login: () => jsonResponse(200, { token: 't', user: { ...me().user, must_change_password: true }, tenant: me().tenant }),
    })
    wrapper = m.wrapper
    await fillAndSubmit(wrapper, 'admin', 'Initial#1')
    expect(m.router.currentRoute.value.name).toBe('password')
  })

  it("shows the server's message for bad credentials and clears the password", async () => {
    localStorage.setItem(LAST_TENANT_KEY, '410581')
    const m = await mountLogin({
      login: () => problemResponse(401, { code: 'auth.invalid_credentials', detail: '用户名或密码错误' }),
    })
    wrapper = m.wrapper
    await fillAndSubmit(wrapper, 'admin', 'wrong')
    expect(wrapper.find('[data-testid="login-error"]').text()).toContain('用户名或密码错误')
    expect((wrapper.find('#login-password').element as HTMLInputElement).value).toBe('')
    expect(m.router.currentRoute.value.name).toBe('login')
  })

  it("shows the server's throttling message on 429", async () => {
    localStorage.setItem(LAST_TENANT_KEY, '410581')
    const m = await mountLogin({
      login: () => problemResponse(429, { code: 'auth.throttled', detail: '登录失败次数过多，请15分钟后再试' }),
    })
    wrapper = m.wrapper
    await fillAndSubmit(wrapper, 'admin', 'wrong')
    expect(wrapper.find('[data-testid="login-error"]').text()).toContain('登录失败次数过多')
  })

  it('puts server field errors under the matching fields', async () => {
    localStorage.setItem(LAST_TENANT_KEY, '410581')
    const m = await mountLogin({
      login: () =>
        problemResponse(422, {
          code: 'validation_failed',
          detail: '输入有误',
          errors: [{ field: 'username', code: 'disabled', message: '该账号已停用' }],
        }),
    })
    wrapper = m.wrapper
    await fillAndSubmit(wrapper, 'olduser', 'x')
    expect(fieldError(wrapper, 'login-username')).toBe('该账号已停用')
    expect(wrapper.find('[data-testid="login-error"]').exists()).toBe(false)
  })

  it('remembers the tenant picked from ?tenant= (the portal link)', async () => {
    const m = await mountLogin({ query: '?tenant=410500' })
    wrapper = m.wrapper
    expect(localStorage.getItem(LAST_TENANT_KEY)).toBe('410500')
  })
})
