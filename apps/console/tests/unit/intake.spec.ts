import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { flushPromises, mount, type VueWrapper } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import IntakeForm from '@/views/cases/IntakeForm.vue'
import { emptyIntake, feeRows, formField, intakeBody, materialRows, missingRequired, validateIntake } from '@/views/cases/intake'
import { configureHttp } from '@/api/http'
import { DEFAULT_LOCALE, i18n, setLocale } from '@/locales'
import { useAuthStore } from '@/stores/auth'
import { clearCookies, fakeFetch, jsonResponse, me, problemResponse, settle, wait, type SeenRequest } from './support'

const MATERIALS = [
  { name: '项目申请报告', required: true, copies: 3, note: '' },
  { name: '用地预审与选址意见书', required: true, copies: 1, note: '' },
  { name: '授权委托书', required: false, copies: 1, note: '委托办理时提交' },
]
const FEES = [{ item: '工本费', amount_fen: 1000, basis: '豫发改收费〔2020〕1号' }]

describe('the intake rules', () => {
  it('builds the checklist and the fee lines from the item', () => {
    const rows = materialRows(MATERIALS)
    expect(rows.map((r) => [r.name, r.required, r.provided, r.copies])).toEqual([
      ['项目申请报告', true, false, 3],
      ['用地预审与选址意见书', true, false, 1],
      ['授权委托书', false, false, 1],
    ])
    expect(missingRequired(rows)).toEqual(['项目申请报告', '用地预审与选址意见书'])
    expect(feeRows(FEES, false)).toEqual([{ item: '工本费', basis: FEES[0]!.basis, standard_fen: 1000, amount: '10.00' }])
    expect(feeRows(FEES, true)).toEqual([])
  })

  it('checks the window, item, name, identifier, phone and amounts locally', () => {
    const m = emptyIntake()
    m.applicant.id_number = '110105194912310021'
    m.applicant.phone = '123'
    m.fees = [{ item: '工本费', basis: '', standard_fen: 1000, amount: '10.005' }]
    expect(validateIntake(m, { window: true })).toEqual({
      window_id: 'intake.windowRequired',
      power_id: 'intake.powerRequired',
      'applicant.name': 'intake.nameRequired',
      'applicant.id_number': 'idcheck.checkDigit',
      'applicant.phone': 'intake.phoneInvalid',
      fees: 'intake.amountInvalid',
    })
    // Online: no window; an organisation needs a valid credit code instead.
    m.applicant = { type: 'org', name: '某公司', id_number: '', credit_code: '9131011066600721', phone: '' }
    m.power_id = 'p'
    m.fees = []
    expect(validateIntake(m, { window: false })).toEqual({ 'applicant.credit_code': 'idcheck.length' })
  })

  it('sends ticked materials, amounts in fen, and the identifier of the applicant type only', () => {
    const m = emptyIntake()
    Object.assign(m, { window_id: 'w', power_id: 'p', project_id: 'pr' })
    m.applicant = { type: 'person', name: ' 张三 ', id_number: '11010519491231002x', credit_code: 'ignored', phone: '13800000000' }
    m.materials = materialRows(MATERIALS)
    m.materials[0]!.provided = true
    m.fees = [{ item: '工本费', basis: '', standard_fen: 1000, amount: '12.5' }]
    expect(intakeBody(m, { window: true })).toEqual({
      power_id: 'p',
      channel: 'window',
      window_id: 'w',
      project_id: 'pr',
      applicant: { type: 'person', name: '张三', id_number: '11010519491231002X', phone: '13800000000' },
      materials: [{ name: '项目申请报告', provided: true, copies: 3 }],
      fees: [{ item: '工本费', amount_fen: 1250 }],
    })
    expect(intakeBody(m, { window: false })).toEqual({
      power_id: 'p',
      applicant: { type: 'person', name: '张三', id_number: '11010519491231002X', phone: '13800000000' },
      materials: [{ name: '项目申请报告', provided: true, copies: 3 }],
    })
    expect(formField('materials[2].name')).toBe('materials')
    expect(formField('fees[0].amount_fen')).toBe('fees')
    expect(formField('applicant.id_number')).toBe('applicant.id_number')
  })
})

const $ = (sel: string) => document.body.querySelector<HTMLElement>(sel)
const fieldError = (id: string) => $(`#${id}`)?.closest('.el-form-item')?.querySelector('.el-form-item__error')?.textContent?.trim() ?? ''

async function type(id: string, value: string) {
  const input = $(`#${id}`) as HTMLInputElement
  input.value = value
  input.dispatchEvent(new Event('input'))
  await settle(1)
}

function routes(onCase: (r: SeenRequest) => Response) {
  return (r: SeenRequest) => {
    const p = new URL(r.url, 'http://x').pathname
    if (p === '/api/v1/windows')
      return jsonResponse(200, { items: [{ id: 'w-1', number: 'A01', name: '综合受理窗口', department_id: 'd-zw', comprehensive: true, active: true, staff_ids: ['u1'] }] })
    if (p === '/api/v1/powers') return jsonResponse(200, { items: [{ id: 'p-1', code: 'XK-FGW-001', name: '企业投资项目核准', department: { id: 'd-fgw', code: 'FGW', name: '发改委' } }], total: 1 })
    if (p === '/api/v1/projects') return jsonResponse(200, { items: [], total: 0 })
    if (p === '/api/v1/powers/p-1') {
      const v = { materials: MATERIALS, fees: FEES, free: false, promised_limit: 15, green_limit: 10 }
      return jsonResponse(200, { id: 'p-1', in_force: v, current: v })
    }
    if (p === '/api/v1/cases' && r.method === 'POST') return onCase(r)
    return undefined
  }
}

describe('IntakeForm', () => {
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

  async function mountForm(onCase: (r: SeenRequest) => Response) {
    const f = fakeFetch(routes(onCase))
    const pinia = createPinia()
    setActivePinia(pinia)
    useAuthStore().me = me({ roles: ['window_clerk'], permissions: ['case:intake', 'case:read', 'window:read', 'power:read'] }) as never
    wrapper = mount(IntakeForm, { props: { mode: 'window' }, global: { plugins: [pinia, i18n] }, attachTo: document.body })
    await flushPromises()
    await settle()
    const vm = wrapper.vm as unknown as { model: ReturnType<typeof emptyIntake> }
    vm.model.power_id = 'p-1'
    await flushPromises()
    await settle()
    return { f, vm }
  }

  async function submit() {
    ;($('[data-testid="intake-submit"]') as HTMLButtonElement).click()
    await settle(10)
    await flushPromises()
    await wait(150)
  }

  it('preselects the clerk’s window and loads the item’s checklist and fee schedule', async () => {
    const { vm } = await mountForm(() => jsonResponse(201, {}))
    expect(vm.model.window_id).toBe('w-1')
    expect(vm.model.materials.map((m) => m.name)).toEqual(MATERIALS.map((m) => m.name))
    expect(vm.model.fees).toEqual([{ item: '工本费', basis: FEES[0]!.basis, standard_fen: 1000, amount: '10.00' }])
    expect($('[data-testid="intake-missing"]')?.textContent).toMatch(/缺少 2 项必要材料/)
    expect($('[data-testid="intake-limits"]')?.textContent).toMatch(/承诺时限 15 个工作日/)
  })

  it('catches a wrong check digit locally and sends nothing', async () => {
    const { f } = await mountForm(() => jsonResponse(201, {}))
    await type('intake-name', '张三')
    await type('intake-id-number', '110105194912310021')
    await submit()
    expect(fieldError('intake-id-number')).toBe('校验位不正确，请核对号码')
    expect(f.to('/api/v1/cases')).toHaveLength(0)
  })

  it('sends a valid application and hands the created case on', async () => {
    const { f, vm } = await mountForm(() => jsonResponse(201, { id: 'c-1', tracking_no: '410581261128000001', status: 'submitted', applicant: {} }))
    await type('intake-name', '张三')
    await type('intake-id-number', '11010519491231002x')
    vm.model.materials[0]!.provided = true
    await submit()
    const sent = f.to('/api/v1/cases')
    expect(sent).toHaveLength(1)
    expect(sent[0]!.headers['x-csrf-token']).toBe('csrf-1')
    expect(sent[0]!.body).toMatchObject({
      power_id: 'p-1',
      window_id: 'w-1',
      channel: 'window',
      applicant: { type: 'person', name: '张三', id_number: '11010519491231002X' },
      materials: [{ name: '项目申请报告', provided: true, copies: 3 }],
      fees: [{ item: '工本费', amount_fen: 1000 }],
    })
    expect(wrapper!.emitted('created')?.[0]?.[0]).toMatchObject({ tracking_no: '410581261128000001' })
  })

  it('shows the server’s field errors under the fields, the rest in a banner', async () => {
    await mountForm(() =>
      problemResponse(422, {
        code: 'validation_failed',
        detail: '提交的内容有误，请按提示修改',
        errors: [
          { field: 'applicant.id_number', code: 'casework.id_number_invalid', message: '身份证号码无效（birth_date）' },
          { field: 'materials[1].name', code: 'casework.material_unknown', message: '该事项没有名为「x」的申请材料' },
        ],
      }),
    )
    await type('intake-name', '张三')
    await type('intake-id-number', '11010519491231002X')
    await submit()
    expect(fieldError('intake-id-number')).toBe('身份证号码无效（birth_date）')
    expect($('[data-testid="intake-materials"]')?.closest('.el-form-item')?.querySelector('.el-form-item__error')?.textContent?.trim()).toBe(
      '该事项没有名为「x」的申请材料',
    )
  })

  it('puts an error without fields (an item not filed) in the banner', async () => {
    await mountForm(() => problemResponse(422, { code: 'power_not_filed', detail: '事项「企业投资项目核准」尚未备案，不能受理' }))
    await type('intake-name', '张三')
    await type('intake-id-number', '11010519491231002X')
    await submit()
    expect($('[data-testid="intake-banner"]')?.textContent).toMatch(/尚未备案/)
  })

  it('online: shows a captcha, sends its answer, and shows a fresh one after a refusal', async () => {
    let captchas = 0
    let applies = 0
    const f = fakeFetch((r) => {
      const p = new URL(r.url, 'http://x').pathname
      if (p === '/api/v1/public/410581/powers')
        return jsonResponse(200, { items: [{ id: 'p-1', code: 'XK-FGW-001', name: '企业投资项目核准', exercisable: true, department: { id: 'd-fgw', code: 'FGW', name: '发改委' } }], total: 1 })
      if (p === '/api/v1/public/410581/powers/p-1') return jsonResponse(200, { id: 'p-1', version: { materials: MATERIALS, fees: [], free: true, promised_limit: 15, green_limit: null } })
      if (p === '/api/v1/public/captcha') {
        captchas++
        return jsonResponse(200, { id: `cap-${captchas}`, image: 'data:image/png;base64,iVBORw0KGgo=', expires_at: '2026-12-05T10:00:00Z' })
      }
      if (p === '/api/v1/public/410581/cases' && r.method === 'POST') {
        applies++
        return applies === 1
          ? problemResponse(422, { code: 'validation_failed', detail: '提交的内容有误，请按提示修改', errors: [{ field: 'captcha_answer', code: 'captcha.wrong', message: '验证码错误或已过期，请重新输入' }] })
          : jsonResponse(201, { tracking_no: 'T9', query_code: '7K3QF9MX2P', power_name: '企业投资项目核准', status: 'submitted', received_at: '', timeline: [] })
      }
      return undefined
    })
    setActivePinia(createPinia())
    wrapper = mount(IntakeForm, { props: { mode: 'online', tenantCode: '410581' }, global: { plugins: [i18n] }, attachTo: document.body })
    await flushPromises()
    await settle()
    const vm = wrapper.vm as unknown as { model: ReturnType<typeof emptyIntake> }
    vm.model.power_id = 'p-1'
    await flushPromises()
    await settle()
    expect($('[data-testid="intake-captcha-image"]')?.getAttribute('data-captcha-id')).toBe('cap-1')
    await type('intake-name', '张三')
    await type('intake-id-number', '11010519491231002X')
    // No answer: refused locally, nothing sent.
    await submit()
    expect(fieldError('intake-captcha')).toBe('请输入验证码')
    expect(f.to('/api/v1/public/410581/cases')).toHaveLength(0)
    await type('intake-captcha', '12345')
    await submit()
    expect(f.to('/api/v1/public/410581/cases')[0]!.body).toMatchObject({ captcha_id: 'cap-1', captcha_answer: '12345', power_id: 'p-1' })
    // Refused: the error stays under the field and a new captcha replaces the used one.
    expect(fieldError('intake-captcha')).toBe('验证码错误或已过期，请重新输入')
    expect($('[data-testid="intake-captcha-image"]')?.getAttribute('data-captcha-id')).toBe('cap-2')
    expect(($('#intake-captcha') as HTMLInputElement).value).toBe('')
    await type('intake-captcha', '54321')
    await submit()
    expect(f.to('/api/v1/public/410581/cases')[1]!.body).toMatchObject({ captcha_id: 'cap-2', captcha_answer: '54321' })
    expect(wrapper!.emitted('applied')?.[0]?.[0]).toMatchObject({ tracking_no: 'T9', query_code: '7K3QF9MX2P' })
  })
})
