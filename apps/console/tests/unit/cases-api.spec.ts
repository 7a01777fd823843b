import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { ApiError, configureHttp } from '@/api/http'
import {
  acceptCase,
  calendarAdd,
  calendarDays,
  completeStep,
  createProject,
  createWindow,
  decideCase,
  deleteLocalDay,
  deliverCase,
  extendCase,
  getCase,
  getProject,
  intake,
  listCases,
  listProjects,
  listWindows,
  myTasks,
  pauseCase,
  formatQueryCode,
  publicApply,
  publicCaseStatus,
  refuseCase,
  requestCorrection,
  resubmitCase,
  resumeCase,
  returnStep,
  setLocalDay,
  setWindowStaff,
  updateProject,
  updateWindow,
  windowVolume,
} from '@/api/cases'
import { clearCookies, fakeFetch, jsonResponse, problemResponse } from './support'

const path = (url: string) => new URL(url, 'http://x').pathname
const search = (url: string) => Object.fromEntries(new URL(url, 'http://x').searchParams)

const CASE = {
  id: 'c-1',
  tenant_code: '410581',
  tracking_no: '410581261128000001',
  power_id: 'p-1',
  version_id: 'v-1',
  power_name: '企业投资项目核准',
  status: 'submitted',
  applicant: { type: 'org', name: '某公司', id_number: '91310110666007217T', phone: '139****0001' },
  // The server sends null for lists it has not filled yet.
  steps: null,
  pauses: null,
  fees: null,
  events: null,
  materials: null,
  missing_materials: null,
  correction_items: null,
}

beforeEach(() => {
  configureHttp({ locale: () => 'zh-CN', onUnauthorized: () => {} })
  clearCookies()
  document.cookie = 'sunshine_csrf=tok; path=/'
})
afterEach(() => clearCookies())

describe('cases API', () => {
  it('lists with the filters as the API names them (statuses comma-separated, empty ones left out)', async () => {
    const f = fakeFetch(() => jsonResponse(200, { items: [{ id: 'c-1', tracking_no: 'x', power_name: 'y', status: 'in_progress' }], total: 41 }))
    const res = await listCases({ status: ['in_progress', 'pending_decision'], overdue: true, department: '', q: ' 4105 ', page: 2, page_size: 20 })
    expect(res.total).toBe(41)
    expect(path(f.seen[0]!.url)).toBe('/api/v1/cases')
    expect(search(f.seen[0]!.url)).toEqual({ status: 'in_progress,pending_decision', overdue: 'true', q: '4105', page: '2', page_size: '20' })
  })

  it('reads a case with every list present even when the server sends null', async () => {
    fakeFetch(() => jsonResponse(200, CASE))
    const c = await getCase('c-1')
    expect(c.steps).toEqual([])
    expect(c.events).toEqual([])
    expect(c.missing_materials).toEqual([])
    expect(c.correction_items).toEqual([])
    expect(c.deadline_explanation).toBeNull()
    expect(c.remaining_working_days).toBeNull()
    expect(c.flow_edges).toEqual([])
  })

  it('keeps the flow edges and the server’s countdown fields as they come', async () => {
    const edges = [{ from: 'start', to: 'accept' }, { from: 'accept', to: 'end' }]
    fakeFetch((r) =>
      path(r.url) === '/api/v1/cases'
        ? jsonResponse(200, {
            items: [{ id: 'c-1', tracking_no: 'x', power_name: 'y', status: 'submitted', due_date: null, acceptance_due_at: '2026-12-08T16:00:00Z', remaining_working_days: -1 }],
            total: 1,
          })
        : jsonResponse(200, { ...CASE, flow_edges: edges, remaining_working_days: 4 }),
    )
    const c = await getCase('c-1')
    expect(c.flow_edges).toEqual(edges)
    expect(c.remaining_working_days).toBe(4)
    const list = await listCases()
    expect(list.items[0]).toMatchObject({ acceptance_due_at: '2026-12-08T16:00:00Z', remaining_working_days: -1, due_date: null })
  })

  it('takes in at a window with the documented body and the CSRF header', async () => {
    const f = fakeFetch(() => jsonResponse(201, CASE))
    await intake({
      power_id: 'p-1',
      window_id: 'w-1',
      applicant: { type: 'org', name: '某公司', credit_code: '91310110666007217T', phone: '13900000001' },
      materials: [{ name: '项目申请报告', provided: true, copies: 3 }],
      fees: [{ item: '工本费', amount_fen: 1000 }],
    })
    const r = f.seen[0]!
    expect(r.method).toBe('POST')
    expect(path(r.url)).toBe('/api/v1/cases')
    expect(r.headers['x-csrf-token']).toBe('tok')
    expect(r.body).toEqual({
      channel: 'window',
      power_id: 'p-1',
      window_id: 'w-1',
      applicant: { type: 'org', name: '某公司', credit_code: '91310110666007217T', phone: '13900000001' },
      materials: [{ name: '项目申请报告', provided: true, copies: 3 }],
      fees: [{ item: '工本费', amount_fen: 1000 }],
    })
  })

  it('posts every case action to its path with its body', async () => {
    const f = fakeFetch(() => jsonResponse(200, CASE))
    await acceptCase('c-1')
    await requestCorrection('c-1', ['营业执照', '授权委托书'])
    await resubmitCase('c-1', [{ name: '营业执照', provided: true, copies: 1 }])
    await refuseCase('c-1', '不属于本机关职权范围')
    await pauseCase('c-1', { reason_type: 'expert_review', notice: '组织专家评审', expected_working_days: 5 })
    await resumeCase('c-1')
    await extendCase('c-1', '情况复杂')
    await decideCase('c-1', { result: 'approve', certificate_no: 'ZS-001' })
    await decideCase('c-1', { result: 'deny', reason: '不符合产业政策' })
    await deliverCase('c-1')
    await completeStep('c-1', 'step/1', '同意')
    await returnStep('c-1', 's-2', 'accept', '材料需补充说明')
    expect(f.seen.map((r) => `${r.method} ${path(r.url)}`)).toEqual([
      'POST /api/v1/cases/c-1/accept',
      'POST /api/v1/cases/c-1/request-correction',
      'POST /api/v1/cases/c-1/resubmit',
      'POST /api/v1/cases/c-1/refuse',
      'POST /api/v1/cases/c-1/pause',
      'POST /api/v1/cases/c-1/resume',
      'POST /api/v1/cases/c-1/extend',
      'POST /api/v1/cases/c-1/decide',
      'POST /api/v1/cases/c-1/decide',
      'POST /api/v1/cases/c-1/deliver',
      'POST /api/v1/cases/c-1/steps/step%2F1/complete',
      'POST /api/v1/cases/c-1/steps/s-2/return',
    ])
    expect(f.seen.map((r) => r.body)).toEqual([
      undefined,
      { items: ['营业执照', '授权委托书'] },
      { materials: [{ name: '营业执照', provided: true, copies: 1 }] },
      { reason: '不属于本机关职权范围' },
      { reason_type: 'expert_review', notice: '组织专家评审', expected_working_days: 5 },
      undefined,
      { reason: '情况复杂' },
      { result: 'approve', certificate_no: 'ZS-001' },
      { result: 'deny', reason: '不符合产业政策' },
      undefined,
      { opinion: '同意' },
      { to_step: 'accept', reason: '材料需补充说明' },
    ])
    expect(f.seen.every((r) => r.headers['x-csrf-token'] === 'tok')).toBe(true)
  })

  it('passes the server’s refusal through (403 not your step, with its message)', async () => {
    fakeFetch(() => problemResponse(403, { code: 'casework.not_your_step', detail: '该环节不由您所在部门或岗位办理' }))
    const err = await completeStep('c-1', 'fgw', '同意').catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ApiError)
    expect((err as ApiError).status).toBe(403)
    expect((err as ApiError).code).toBe('casework.not_your_step')
    expect((err as ApiError).detail).toBe('该环节不由您所在部门或岗位办理')
  })
})

describe('tasks, windows, volume, projects', () => {
  it('reads my tasks and the windows with their staff', async () => {
    const f = fakeFetch((r) => {
      if (path(r.url) === '/api/v1/tasks') return jsonResponse(200, { items: [{ step_id: 's', case_id: 'c', tracking_no: 't', step_name: 'n' }] })
      if (path(r.url) === '/api/v1/windows') return jsonResponse(200, { items: [{ id: 'w', number: 'A01', name: '综合', department_id: 'd', comprehensive: true, active: true, staff_ids: null }] })
      return undefined
    })
    expect(await myTasks()).toHaveLength(1)
    const ws = await listWindows('410523')
    expect(ws[0]!.staff_ids).toEqual([])
    expect(ws[0]!.tenant_code).toBe('')
    expect(search(f.seen[1]!.url)).toEqual({ tenant: '410523' })
  })

  it('lists the windows of every readable region, each naming its own', async () => {
    const f = fakeFetch(() =>
      jsonResponse(200, {
        items: [
          { id: 'w1', tenant_code: '410581', number: 'A01', name: '综合', department_id: 'd', comprehensive: true, active: true, staff_ids: [] },
          { id: 'w2', tenant_code: '410523', number: 'A01', name: '综合', department_id: 'e', comprehensive: true, active: true, staff_ids: ['u'] },
        ],
      }),
    )
    const ws = await listWindows()
    expect(search(f.seen[0]!.url)).toEqual({})
    expect(ws.map((w) => `${w.tenant_code}/${w.number}`)).toEqual(['410581/A01', '410523/A01'])
  })

  it('opens, changes and staffs windows', async () => {
    const w = { number: 'C01', name: '企业开办窗口', department_id: 'd-1', comprehensive: false, active: true }
    const f = fakeFetch((r) => jsonResponse(r.method === 'POST' ? 201 : 200, { id: 'w-9', ...w, staff_ids: [] }))
    await createWindow(w)
    await updateWindow('w-9', { ...w, active: false })
    await setWindowStaff('w-9', ['u-1', 'u-2'])
    expect(f.seen.map((r) => `${r.method} ${path(r.url)}`)).toEqual(['POST /api/v1/windows', 'PUT /api/v1/windows/w-9', 'PUT /api/v1/windows/w-9/staff'])
    expect(f.seen[1]!.body).toEqual({ ...w, active: false })
    expect(f.seen[2]!.body).toEqual({ user_ids: ['u-1', 'u-2'] })
  })

  it('asks for the volume of a period (or the default one)', async () => {
    const f = fakeFetch(() => jsonResponse(200, { from: '2026-11-02', to: '2026-11-27', items: [{ window_id: 'w', days: null }] }))
    const v = await windowVolume()
    expect(search(f.seen[0]!.url)).toEqual({})
    expect(v.items[0]!.days).toEqual([])
    await windowVolume({ from: '2026-10-01', to: '2026-10-31' })
    expect(search(f.seen[1]!.url)).toEqual({ from: '2026-10-01', to: '2026-10-31' })
  })

  it('lists, reads, registers and completes projects', async () => {
    const f = fakeFetch((r) => {
      if (r.method === 'GET' && path(r.url) === '/api/v1/projects') return jsonResponse(200, { items: [], total: 0 })
      if (r.method === 'GET') return jsonResponse(200, { id: 'p', cases: [{ id: 'c', steps: null }] })
      return jsonResponse(r.method === 'POST' ? 201 : 200, { id: 'p', cases: [] })
    })
    await listProjects({ status: 'active' })
    const p = await getProject('p')
    expect(p.cases[0]!.steps).toEqual([])
    const body = { name: '产业园', investor_name: '某公司', investor_credit_code: '91310110666007217T', investment_wan: 35000, lead_department_id: 'd' }
    await createProject(body)
    await updateProject('p', { status: 'completed' })
    expect(search(f.seen[0]!.url)).toEqual({ status: 'active' })
    expect(f.seen[2]!.body).toEqual(body)
    expect(`${f.seen[3]!.method} ${path(f.seen[3]!.url)}`).toBe('PUT /api/v1/projects/p')
    expect(f.seen[3]!.body).toEqual({ status: 'completed' })
  })
})

describe('calendar', () => {
  it('reads the year, computes a deadline and changes local days', async () => {
    const f = fakeFetch((r) => {
      const p = path(r.url)
      if (p === '/api/v1/calendar/days') return jsonResponse(200, { year: 2026, covered: true, items: null })
      if (p === '/api/v1/calendar/add') return jsonResponse(200, { date: '2026-11-03', skipped: [{ date: '2026-10-01', kind: 'holiday', reason: '国庆节' }] })
      return jsonResponse(200, { recomputed_cases: 7 })
    })
    expect((await calendarDays(2026)).items).toEqual([])
    const add = await calendarAdd('2026-09-30', 20)
    expect(add.date).toBe('2026-11-03')
    expect(add.worked).toEqual([])
    expect(search(f.seen[1]!.url)).toEqual({ from: '2026-09-30', working_days: '20' })
    expect((await setLocalDay({ date: '2026-03-09', kind: 'holiday', name: '县庆日' })).recomputed_cases).toBe(7)
    await deleteLocalDay('2026-03-09')
    expect(f.seen.slice(2).map((r) => `${r.method} ${path(r.url)}`)).toEqual(['POST /api/v1/calendar/local-days', 'DELETE /api/v1/calendar/local-days/2026-03-09'])
  })
})

describe('portal', () => {
  it('applies online without window, fees or channel (the server sets it), with the captcha answered', async () => {
    const f = fakeFetch(() => jsonResponse(201, { tracking_no: 'T1', query_code: '7K3QF9MX2P', power_name: 'x', status: 'submitted', received_at: '', timeline: [] }))
    const body = {
      power_id: 'p-1',
      window_id: 'w-1',
      channel: 'window' as const,
      fees: [{ item: 'x', amount_fen: 1 }],
      applicant: { type: 'person' as const, name: '张三', id_number: '11010519491231002X' },
      materials: [{ name: 'a', provided: true }],
    }
    const s = await publicApply('410581', body, { id: 'c-1', answer: ' 12345 ' })
    expect(s.tracking_no).toBe('T1')
    expect(formatQueryCode(s.query_code)).toBe('7K3QF-9MX2P')
    expect(path(f.seen[0]!.url)).toBe('/api/v1/public/410581/cases')
    expect(f.seen[0]!.body).toEqual({ power_id: 'p-1', applicant: body.applicant, materials: body.materials, captcha_id: 'c-1', captcha_answer: '12345' })
  })

  it('looks a case up by tracking number and query code, the last four (upper-cased) only when given', async () => {
    const f = fakeFetch((r) =>
      search(r.url).code === '7K3QF-9MX2P' && (search(r.url).id_last4 ?? '002X') === '002X'
        ? jsonResponse(200, { tracking_no: 'T1', power_name: 'x', status: 'delivered', received_at: '', timeline: null })
        : problemResponse(404, { code: 'casework.lookup_not_found', detail: '未找到该办件：请核对受理编号和查询码' }),
    )
    const s = await publicCaseStatus('410581', ' T1 ', ' 7K3QF-9MX2P ')
    expect(s.timeline).toEqual([])
    expect(path(f.seen[0]!.url)).toBe('/api/v1/public/410581/cases/T1')
    expect(search(f.seen[0]!.url)).toEqual({ code: '7K3QF-9MX2P' })
    await publicCaseStatus('410581', 'T1', '7K3QF-9MX2P', '002x')
    expect(search(f.seen[1]!.url)).toEqual({ code: '7K3QF-9MX2P', id_last4: '002X' })
    const err = await publicCaseStatus('410581', 'T1', '7K3QF-9MX2P', '9999').catch((e: unknown) => e)
    expect((err as ApiError).status).toBe(404)
    expect((err as ApiError).detail).toMatch(/未找到该办件/)
  })
})
