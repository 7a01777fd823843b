import { http, request } from '../http'
import type {
  Captcha,
  CalendarAddResult,
  CalendarYear,
  CaseDetail,
  CaseList,
  CaseQuery,
  DecideInput,
  IntakeInput,
  LocalDayInput,
  PauseInput,
  ProjectDetail,
  ProjectInput,
  ProjectSummary,
  PublicApplied,
  PublicCaseStatus,
  RecomputeResult,
  SubmittedMaterial,
  Task,
  VolumeReport,
  Window,
  WindowInput,
} from './types'

export * from './types'

const enc = encodeURIComponent
const casePath = (id: string) => `/api/v1/cases/${enc(id)}`
const arr = <T>(v: T[] | null | undefined): T[] => (Array.isArray(v) ? v : [])

/** A case with every list present (the page never has to guard against null). */
export function normalizeCase(c: CaseDetail): CaseDetail {
  return {
    ...c,
    applicant: c.applicant ?? { type: '', name: '', id_number: '', phone: '' },
    materials: arr(c.materials),
    missing_materials: arr(c.missing_materials),
    correction_items: arr(c.correction_items),
    steps: arr(c.steps),
    flow_edges: arr(c.flow_edges),
    pauses: arr(c.pauses),
    fees: arr(c.fees),
    events: arr(c.events),
    deadline_explanation: c.deadline_explanation ?? null,
    remaining_working_days: c.remaining_working_days ?? null,
  }
}

// Cases.

export async function listCases(q: CaseQuery = {}): Promise<CaseList> {
  const status = Array.isArray(q.status) ? q.status.join(',') : q.status
  const res = await http.get<CaseList>('/api/v1/cases', {
    query: {
      status: status || undefined,
      department: q.department || undefined,
      project: q.project || undefined,
      window: q.window || undefined,
      overdue: q.overdue,
      q: q.q?.trim() || undefined,
      tenant: q.tenant || undefined,
      page: q.page,
      page_size: q.page_size,
    },
  })
  return { ...res, items: arr(res?.items), total: res?.total ?? 0 }
}

export async function getCase(id: string): Promise<CaseDetail> {
  return normalizeCase(await http.get<CaseDetail>(casePath(id)))
}

/** 一门受理: registers an application at a window; it awaits acceptance. */
export async function intake(body: IntakeInput): Promise<CaseDetail> {
  return normalizeCase(await http.post<CaseDetail>('/api/v1/cases', { channel: 'window', ...body }))
}

async function act(id: string, action: string, body?: unknown): Promise<CaseDetail> {
  return normalizeCase(await http.post<CaseDetail>(`${casePath(id)}/${action}`, body))
}

/** 受理: the clock starts. */
export const acceptCase = (id: string) => act(id, 'accept')
/** 补正: one notice listing every missing item. */
export const requestCorrection = (id: string, items: string[]) => act(id, 'request-correction', { items })
/** The supplemented materials: the application returns to acceptance. */
export const resubmitCase = (id: string, materials: SubmittedMaterial[]) => act(id, 'resubmit', { materials })
/** 不予受理, with the reason the applicant is told. */
export const refuseCase = (id: string, reason: string) => act(id, 'refuse', { reason })
export const pauseCase = (id: string, input: PauseInput) => act(id, 'pause', input)
export const resumeCase = (id: string) => act(id, 'resume')
export const extendCase = (id: string, reason: string) => act(id, 'extend', { reason })
export const decideCase = (id: string, input: DecideInput) => act(id, 'decide', input)
/** 送达. */
export const deliverCase = (id: string) => act(id, 'deliver')

/** Completes an active step (by its row id or flowchart node) with an opinion. */
export function completeStep(id: string, stepId: string, opinion: string): Promise<CaseDetail> {
  return act(id, `steps/${enc(stepId)}/complete`, { opinion })
}

/** Sends an active step back to an earlier, completed one. */
export function returnStep(id: string, stepId: string, toStep: string, reason: string): Promise<CaseDetail> {
  return act(id, `steps/${enc(stepId)}/return`, { to_step: toStep, reason })
}

// My tasks.

export async function myTasks(): Promise<Task[]> {
  const res = await http.get<{ items: Task[] }>('/api/v1/tasks')
  return arr(res?.items)
}

// Windows.

/** The windows of one readable tenant, or of every readable one when `tenant` is empty (each row names its region). */
export async function listWindows(tenant?: string): Promise<Window[]> {
  const res = await http.get<{ items: Window[] }>('/api/v1/windows', { query: { tenant: tenant || undefined } })
  return arr(res?.items).map((w) => ({ ...w, tenant_code: w.tenant_code ?? '', staff_ids: arr(w.staff_ids) }))
}

/** Opens a window in the caller's tenant (the answer may leave tenant_code empty: the caller knows it). */
export async function createWindow(body: WindowInput): Promise<Window> {
  const w = await http.post<Window>('/api/v1/windows', body)
  return { ...w, tenant_code: w.tenant_code ?? '', staff_ids: arr(w.staff_ids) }
}

/** Changes a window; the answer carries neither staff nor region (the caller keeps its own). */
export function updateWindow(id: string, body: WindowInput): Promise<Omit<Window, 'staff_ids' | 'tenant_code'>> {
  return http.put<Omit<Window, 'staff_ids' | 'tenant_code'>>(`/api/v1/windows/${enc(id)}`, body)
}

/** Replaces the clerks authorised at a window (the answer may leave tenant_code empty). */
export async function setWindowStaff(id: string, userIds: string[]): Promise<Window> {
  const w = await http.put<Window>(`/api/v1/windows/${enc(id)}/staff`, { user_ids: userIds })
  return { ...w, tenant_code: w.tenant_code ?? '', staff_ids: arr(w.staff_ids) }
}

/** Daily accepted and decided counts per window; without a period, the last 20 working days. */
export async function windowVolume(q: { from?: string; to?: string; tenant?: string } = {}): Promise<VolumeReport> {
  const res = await http.get<VolumeReport>('/api/v1/windows/volume', {
    query: { from: q.from || undefined, to: q.to || undefined, tenant: q.tenant || undefined },
  })
  return { ...res, items: arr(res?.items).map((i) => ({ ...i, days: arr(i.days) })) }
}

// Major projects.

export async function listProjects(q: { status?: string; tenant?: string } = {}): Promise<ProjectSummary[]> {
  const res = await http.get<{ items: ProjectSummary[] }>('/api/v1/projects', {
    query: { status: q.status || undefined, tenant: q.tenant || undefined },
  })
  return arr(res?.items)
}

export async function getProject(id: string): Promise<ProjectDetail> {
  const p = await http.get<ProjectDetail>(`/api/v1/projects/${enc(id)}`)
  return { ...p, cases: arr(p.cases).map((c) => ({ ...c, steps: arr(c.steps) })) }
}

export function createProject(body: ProjectInput): Promise<ProjectDetail> {
  return http.post<ProjectDetail>('/api/v1/projects', body)
}

export function updateProject(id: string, body: ProjectInput): Promise<ProjectDetail> {
  return http.put<ProjectDetail>(`/api/v1/projects/${enc(id)}`, body)
}

// Working calendar.

export async function calendarDays(year: number): Promise<CalendarYear> {
  const res = await http.get<CalendarYear>('/api/v1/calendar/days', { query: { year } })
  return { year: res?.year ?? year, covered: res?.covered ?? false, items: arr(res?.items) }
}

/** The date `workingDays` working days after `from` in the caller's calendar, and what was skipped. */
export async function calendarAdd(from: string, workingDays: number): Promise<CalendarAddResult> {
  const res = await http.get<CalendarAddResult>('/api/v1/calendar/add', { query: { from, working_days: workingDays } })
  return { ...res, skipped: arr(res?.skipped), worked: arr(res?.worked) }
}

/** Adds a local holiday or working day; open deadlines are recomputed. */
export function setLocalDay(body: LocalDayInput): Promise<RecomputeResult> {
  return http.post<RecomputeResult>('/api/v1/calendar/local-days', body)
}

export function deleteLocalDay(date: string): Promise<RecomputeResult> {
  return http.delete<RecomputeResult>(`/api/v1/calendar/local-days/${enc(date)}`)
}

// Portal (no session).

/** A captcha for a public form; each is answerable once, within five minutes. */
export function publicCaptcha(): Promise<Captcha> {
  return request<Captcha>('/api/v1/public/captcha', { skipAuthRedirect: true, cache: 'no-store' })
}

/** 网上申请: the same acceptance queue as the windows; keep the tracking number and the query code. */
export function publicApply(tenantCode: string, body: IntakeInput, captcha: { id: string; answer: string }): Promise<PublicApplied> {
  // No window, no fees, no channel: the server sets the channel and refuses the other two.
  const online = {
    power_id: body.power_id,
    project_id: body.project_id ?? undefined,
    applicant: body.applicant,
    materials: body.materials ?? [],
    captcha_id: captcha.id,
    captcha_answer: captcha.answer.trim(),
  }
  return request<PublicApplied>(`/api/v1/public/${enc(tenantCode)}/cases`, { method: 'POST', body: online, skipAuthRedirect: true })
}

/** Groups a query code for reading and printing: "7K3QF-9MX2P". */
export function formatQueryCode(code: string): string {
  return code.length === 10 ? `${code.slice(0, 5)}-${code.slice(5)}` : code
}

/** 办件查询: by tracking number and query code; the last four of the applicant's ID are optional. */
export async function publicCaseStatus(tenantCode: string, trackingNo: string, code: string, idLast4 = ''): Promise<PublicCaseStatus> {
  const query: Record<string, string> = { code: code.trim() }
  if (idLast4.trim()) query.id_last4 = idLast4.trim().toUpperCase()
  const res = await request<PublicCaseStatus>(`/api/v1/public/${enc(tenantCode)}/cases/${enc(trackingNo.trim())}`, {
    query,
    skipAuthRedirect: true,
    cache: 'no-store',
  })
  return { ...res, timeline: arr(res?.timeline) }
}
