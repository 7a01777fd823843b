import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { defineComponent, h, ref } from 'vue'
import { flushPromises, mount, type VueWrapper } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import ProvisionDialog from '@/views/tenants/ProvisionDialog.vue'
import OneTimePasswordDialog from '@/components/OneTimePasswordDialog.vue'
import type { ProvisionResponse } from '@/api/tenants'
import { configureHttp } from '@/api/http'
import { DEFAULT_LOCALE, i18n, setLocale } from '@/locales'
import { clearCookies, fakeFetch, jsonResponse, problemResponse, settle, wait, type SeenRequest } from './support'

const CITY = { code: '410500', name: '安阳市' }

/** The dialog teleports to <body>: look things up in the document. */
const $ = (sel: string) => document.body.querySelector<HTMLElement>(sel)
const fieldError = (id: string) => $(`#${id}`)?.closest('.el-form-item')?.querySelector('.el-form-item__error')?.textContent?.trim() ?? ''

async function type(id: string, value: string) {
  const input = $(`#${id}`) as HTMLInputElement
  input.value = value
  input.dispatchEvent(new Event('input'))
  await settle(1)
}

async function submitAndSettle() {
  $('[data-testid="provision-submit"]')!.click()
  await settle(10)
  await flushPromises()
  // Element Plus shows a field's error after a 100 ms debounce.
  await wait(150)
}

function mountDialog(reply: (req: SeenRequest) => Response | undefined) {
  const f = fakeFetch(reply)
  const provisioned = vi.fn()
  const open = ref(true)
  const Host = defineComponent({
    setup: () => () =>
      h(ProvisionDialog, {
        modelValue: open.value,
        'onUpdate:modelValue': (v: boolean) => (open.value = v),
        city: CITY,
        onProvisioned: provisioned,
      }),
  })
  const pinia = createPinia()
  setActivePinia(pinia)
  const wrapper = mount(Host, { global: { plugins: [pinia, i18n] }, attachTo: document.body })
  return { wrapper, f, provisioned, open }
}

describe('ProvisionDialog', () => {
  let wrapper: VueWrapper | undefined

  beforeEach(() => {
    setLocale(DEFAULT_LOCALE)
    configureHttp({ locale: () => i18n.global.locale.value, onUnauthorized: () => {} })
    clearCookies()
    document.cookie = 'sunshine_csrf=csrf-1; path=/'
  })
  afterEach(() => {
    wrapper?.unmount()
    wrapper = undefined
    document.body.innerHTML = ''
    clearCookies()
  })

  it('shows the city, defaults the administrator to "admin" and labels every field in Chinese', async () => {
    const m = mountDialog(() => undefined)
    wrapper = m.wrapper
    await settle()
    expect($('[data-testid="provision-parent"]')!.textContent).toBe('安阳市 (410500)')
    expect(($('#provision-username') as HTMLInputElement).value).toBe('admin')
    const labels = [...document.body.querySelectorAll('[data-testid="provision-dialog"] .el-form-item__label')].map((l) => l.textContent?.trim())
    expect(labels).toEqual(['所属市', '区划代码', '名称', '层级', '管理员用户名', '管理员姓名'])
  })

  it('checks the code locally (six digits, the city prefix) and sends nothing', async () => {
    const m = mountDialog(() => undefined)
    wrapper = m.wrapper
    await settle()
    await type('provision-code', '420599')
    await type('provision-name', '测试新区')
    await submitAndSettle()
    expect(fieldError('provision-code')).toBe('区县代码须以本市代码前四位 4105 开头')
    await type('provision-code', '4105')
    await submitAndSettle()
    expect(fieldError('provision-code')).toBe('区划代码为 6 位数字')
    expect(m.f.seen).toHaveLength(0)
  })

  it('posts the documented body and hands the one-time password to the parent', async () => {
    const res: ProvisionResponse = {
      tenant: { code: '410599', name: '测试新区', level: 'county', parent: '410500', path: '410500/410599', status: 'active' },
      admin: { username: 'admin', one_time_password: 'Xy7#once' },
    }
    const m = mountDialog(() => jsonResponse(201, res))
    wrapper = m.wrapper
    await settle()
    await type('provision-code', ' 410599 ')
    await type('provision-name', '测试新区')
    await type('provision-display-name', '新区管理员')
    await submitAndSettle()
    expect(m.f.seen).toHaveLength(1)
    expect(m.f.seen[0]).toMatchObject({
      method: 'POST',
      url: '/api/v1/tenants',
      body: { code: '410599', name: '测试新区', level: 'county', parent: '410500', admin: { username: 'admin', display_name: '新区管理员' } },
    })
    expect(m.f.seen[0]!.headers['x-csrf-token']).toBe('csrf-1')
    expect(m.provisioned).toHaveBeenCalledWith(res)
    expect(m.open.value).toBe(false)
  })

  it('puts a taken code (409) under the code field and admin errors (422) under the admin fields', async () => {
    let answer = 0
    const m = mountDialog(() =>
      answer++ === 0
        ? problemResponse(409, {
            code: 'tenancy.exists',
            detail: '行政区划代码 410581 已存在',
            errors: [{ field: 'code', code: 'tenancy.exists', message: '行政区划代码 410581 已存在' }],
          })
        : problemResponse(422, {
            code: 'validation_failed',
            detail: '提交的内容有误，请按提示修改',
            errors: [{ field: 'admin.username', code: 'identity.username_format', message: '用户名格式不正确' }],
          }),
    )
    wrapper = m.wrapper
    await settle()
    await type('provision-code', '410581')
    await type('provision-name', '林州市')
    await submitAndSettle()
    expect(fieldError('provision-code')).toBe('行政区划代码 410581 已存在')
    // Every error has a place: no banner.
    expect($('[data-testid="provision-error"]')).toBeNull()
    expect(m.provisioned).not.toHaveBeenCalled()
    expect(m.open.value).toBe(true)

    await type('provision-code', '410598')
    await type('provision-username', 'A B')
    await submitAndSettle()
    expect(fieldError('provision-code')).toBe('')
    expect(fieldError('provision-username')).toBe('用户名格式不正确')
  })

  it("shows a 403 (not a platform administrator) as the server's message in a banner", async () => {
    const m = mountDialog(() => problemResponse(403, { code: 'authz.forbidden', detail: '没有执行此操作的权限（需要 tenant:manage）' }))
    wrapper = m.wrapper
    await settle()
    await type('provision-code', '410599')
    await type('provision-name', '测试新区')
    await submitAndSettle()
    expect($('[data-testid="provision-error"]')!.textContent).toContain('没有执行此操作的权限')
  })
})

describe('OneTimePasswordDialog', () => {
  afterEach(() => {
    document.body.innerHTML = ''
    setLocale(DEFAULT_LOCALE)
  })

  function mountOneTime() {
    const open = ref(true)
    const closed = vi.fn()
    const Host = defineComponent({
      setup: () => () =>
        h(OneTimePasswordDialog, {
          modelValue: open.value,
          'onUpdate:modelValue': (v: boolean) => (open.value = v),
          onClosed: closed,
          title: '测试新区 已开通',
          tenant: '测试新区 (410599)',
          username: 'admin',
          password: 'Xy7#once',
        }),
    })
    const wrapper = mount(Host, { global: { plugins: [i18n] }, attachTo: document.body })
    return { wrapper, open, closed }
  }

  it('shows the password once with a clear warning, and copies it', async () => {
    const writeText = vi.fn(async () => {})
    vi.stubGlobal('navigator', { ...navigator, clipboard: { writeText } })
    const m = mountOneTime()
    await settle()
    expect($('[data-testid="one-time-password"]')!.textContent).toBe('Xy7#once')
    expect($('[data-testid="one-time-username"]')!.textContent).toBe('admin')
    expect($('[data-testid="one-time-warning"]')!.textContent).toContain('此密码只显示这一次，关闭后无法再次查看')
    $('[data-testid="one-time-copy"]')!.click()
    await settle()
    expect(writeText).toHaveBeenCalledWith('Xy7#once')
    expect($('[data-testid="one-time-copy"]')!.textContent).toContain('密码已复制')
    m.wrapper.unmount()
  })

  it('closes only through its button (no ×, no click outside)', async () => {
    const m = mountOneTime()
    await settle()
    expect($('[data-testid="one-time-dialog"] .el-dialog__headerbtn')).toBeNull()
    ;($('.el-overlay') as HTMLElement | null)?.click()
    await settle()
    expect(m.open.value).toBe(true)
    $('[data-testid="one-time-done"]')!.click()
    await settle()
    expect(m.open.value).toBe(false)
    m.wrapper.unmount()
  })
})
