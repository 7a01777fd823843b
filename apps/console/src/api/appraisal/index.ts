import { http } from '../http'
import type {
  AdjustInput,
  AnswerInput,
  AppraisalAdjustment,
  AppraisalDefinition,
  AppraisalFault,
  AppraisalInspection,
  AppraisalItemsPage,
  AppraisalObjection,
  AppraisalPeriod,
  AppraisalPublic,
  AppraisalReview,
  AppraisalRun,
  AppraisalRunDetail,
  AppraisalRunList,
  AppraisalScheme,
  AppraisalSchemeInput,
  AppraisalSchemeSummary,
  AppraisalSubjectDetail,
  AppraisalTrendPoint,
  ApproveInput,
  FaultInput,
  InspectionInput,
  ItemRole,
  ManualFilter,
  ObjectInput,
  RunKind,
  RunStatus,
  SampleInput,
  ScoreReviewInput,
  SubjectKind,
} from './types'

export * from './types'

/** File kinds the appraisal service registered with the file store (pkg/appraisal: FileEvidence, FileObjection). */
export const FILE_KIND_EVIDENCE = 'appraisal.evidence'
export const FILE_KIND_OBJECTION = 'appraisal.objection'

const BASE = '/api/v1/appraisal'
const enc = encodeURIComponent

/** Drops empty values (the API treats a present-but-empty parameter as a filter). */
function compact(q: object): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {}
  for (const [k, v] of Object.entries(q)) {
    if (v === undefined || v === null) continue
    const s = typeof v === 'string' ? v.trim() : v
    if (s !== '') out[k] = s as string | number | boolean
  }
  return out
}

const items = <T>(res: { items?: T[] } | undefined): T[] => (Array.isArray(res?.items) ? res.items : [])

function normalizeRun<T extends AppraisalRun>(r: T): T {
  return { ...r, allowed_actions: Array.isArray(r.allowed_actions) ? r.allowed_actions : [] }
}

// ---- Schemes -------------------------------------------------------------------------------

export async function listDefinitions(): Promise<AppraisalDefinition[]> {
  return items(await http.get<{ items: AppraisalDefinition[] }>(`${BASE}/definitions`))
}

export async function listSchemes(): Promise<AppraisalSchemeSummary[]> {
  return items(await http.get<{ items: AppraisalSchemeSummary[] }>(`${BASE}/schemes`))
}

function normalizeScheme(s: AppraisalScheme): AppraisalScheme {
  return { ...s, versions: Array.isArray(s.versions) ? s.versions : [], allowed_actions: Array.isArray(s.allowed_actions) ? s.allowed_actions : [] }
}

export async function getScheme(id: string): Promise<AppraisalScheme> {
  return normalizeScheme(await http.get<AppraisalScheme>(`${BASE}/schemes/${enc(id)}`))
}

export async function createScheme(body: AppraisalSchemeInput): Promise<AppraisalScheme> {
  return normalizeScheme(await http.post<AppraisalScheme>(`${BASE}/schemes`, body))
}

export async function updateScheme(id: string, body: AppraisalSchemeInput): Promise<AppraisalScheme> {
  return normalizeScheme(await http.put<AppraisalScheme>(`${BASE}/schemes/${enc(id)}`, body))
}

/** Puts the draft in force from effectiveFrom (a period's first day), or the server's default. */
export async function activateScheme(id: string, effectiveFrom?: string): Promise<AppraisalScheme> {
  return normalizeScheme(await http.post<AppraisalScheme>(`${BASE}/schemes/${enc(id)}/activate`, effectiveFrom ? { effective_from: effectiveFrom } : {}))
}

export async function retireScheme(id: string, reason: string): Promise<AppraisalScheme> {
  return normalizeScheme(await http.post<AppraisalScheme>(`${BASE}/schemes/${enc(id)}/retire`, { reason }))
}

export async function listPeriods(schemeId: string, limit = 12): Promise<AppraisalPeriod[]> {
  return items(await http.get<{ items: AppraisalPeriod[] }>(`${BASE}/schemes/${enc(schemeId)}/periods`, { query: { limit } }))
}

export async function getTrend(schemeId: string, subject: string, periods = 6): Promise<AppraisalTrendPoint[]> {
  return items(await http.get<{ items: AppraisalTrendPoint[] }>(`${BASE}/schemes/${enc(schemeId)}/trend`, { query: { subject, periods } }))
}

// ---- Runs ----------------------------------------------------------------------------------

export interface RunQuery {
  scheme_id?: string
  period?: string
  kind?: RunKind | ''
  status?: RunStatus | ''
  page?: number
  page_size?: number
}

export async function listRuns(q: RunQuery = {}): Promise<AppraisalRunList> {
  const res = await http.get<AppraisalRunList>(`${BASE}/runs`, { query: compact(q) })
  return { items: items(res).map(normalizeRun), total: res?.total ?? 0, page: res?.page ?? q.page ?? 1, page_size: res?.page_size ?? q.page_size ?? 20 }
}

/** Scores a period now (202: the run waits for its task, status scoring). */
export async function requestRun(schemeId: string, period: string): Promise<AppraisalRun> {
  return normalizeRun(await http.post<AppraisalRun>(`${BASE}/runs`, { scheme_id: schemeId, period }))
}

export interface RunDetailQuery {
  group?: string
  subject_kind?: SubjectKind | ''
  indicators?: boolean
}

export async function getRun(id: string, q: RunDetailQuery = {}): Promise<AppraisalRunDetail> {
  const d = await http.get<AppraisalRunDetail>(`${BASE}/runs/${enc(id)}`, { query: compact(q) })
  return {
    ...normalizeRun(d),
    categories: d.categories ?? [],
    indicators: d.indicators ?? [],
    groups: d.groups ?? [],
    results: (d.results ?? []).map((r) => ({ ...r, categories: r.categories ?? [] })),
  }
}

/** The .xlsx of a run's rankings (a plain link: the session cookie authorises it). */
export function runExportUrl(id: string, q: { group?: string; subject_kind?: string } = {}): string {
  const p = new URLSearchParams(compact(q) as Record<string, string>).toString()
  return `${BASE}/runs/${enc(id)}/export${p ? `?${p}` : ''}`
}

export function subjectExportUrl(runId: string, subject: string): string {
  return `${BASE}/runs/${enc(runId)}/results/${enc(subject)}/export`
}

export function evidenceUrl(fileId: string): string {
  return `${BASE}/evidence/${enc(fileId)}`
}

export async function getSubject(runId: string, subject: string): Promise<AppraisalSubjectDetail> {
  const d = await http.get<AppraisalSubjectDetail>(`${BASE}/runs/${enc(runId)}/results/${enc(subject)}`)
  return {
    ...d,
    run: normalizeRun(d.run),
    categories: d.categories ?? [],
    indicators: d.indicators ?? [],
    result: { ...d.result, categories: d.result.categories ?? [], indicators: d.result.indicators ?? [] },
    adjustments: d.adjustments ?? [],
    objections: (d.objections ?? []).map(normalizeObjection),
  }
}

export async function listItems(
  runId: string,
  subject: string,
  indicator: string,
  q: { role?: ItemRole | ''; page?: number; page_size?: number } = {},
): Promise<AppraisalItemsPage> {
  const res = await http.get<AppraisalItemsPage>(`${BASE}/runs/${enc(runId)}/results/${enc(subject)}/indicators/${enc(indicator)}/items`, {
    query: compact(q),
  })
  return { ...res, items: Array.isArray(res?.items) ? res.items : [] }
}

export function adjust(runId: string, body: AdjustInput): Promise<AppraisalAdjustment> {
  return http.post<AppraisalAdjustment>(`${BASE}/runs/${enc(runId)}/adjustments`, body)
}

function normalizeObjection(o: AppraisalObjection): AppraisalObjection {
  return { ...o, evidence: o.evidence ?? [], allowed_actions: Array.isArray(o.allowed_actions) ? o.allowed_actions : [] }
}

export async function listObjections(runId: string): Promise<AppraisalObjection[]> {
  return items(await http.get<{ items: AppraisalObjection[] }>(`${BASE}/runs/${enc(runId)}/objections`)).map(normalizeObjection)
}

export async function fileObjection(runId: string, body: ObjectInput): Promise<AppraisalObjection> {
  return normalizeObjection(await http.post<AppraisalObjection>(`${BASE}/runs/${enc(runId)}/objections`, body))
}

export async function answerObjection(runId: string, objectionId: string, body: AnswerInput): Promise<AppraisalObjection> {
  return normalizeObjection(await http.post<AppraisalObjection>(`${BASE}/runs/${enc(runId)}/objections/${enc(objectionId)}/answer`, body))
}

export async function withdrawObjection(runId: string, objectionId: string): Promise<AppraisalObjection> {
  return normalizeObjection(await http.post<AppraisalObjection>(`${BASE}/runs/${enc(runId)}/objections/${enc(objectionId)}/withdraw`))
}

export async function openObjections(runId: string): Promise<AppraisalRun> {
  return normalizeRun(await http.post<AppraisalRun>(`${BASE}/runs/${enc(runId)}/open-objections`))
}

export async function approveRun(runId: string, body: ApproveInput = {}): Promise<AppraisalRun> {
  return normalizeRun(await http.post<AppraisalRun>(`${BASE}/runs/${enc(runId)}/approve`, body))
}

export async function publishRun(runId: string): Promise<AppraisalRun> {
  return normalizeRun(await http.post<AppraisalRun>(`${BASE}/runs/${enc(runId)}/publish`))
}

export async function reviseRun(runId: string, reason: string): Promise<AppraisalRun> {
  return normalizeRun(await http.post<AppraisalRun>(`${BASE}/runs/${enc(runId)}/revise`, { reason }))
}

// ---- Manual inputs -------------------------------------------------------------------------

export async function listReviews(f: ManualFilter = {}): Promise<AppraisalReview[]> {
  return items(await http.get<{ items: AppraisalReview[] }>(`${BASE}/reviews`, { query: compact(f) })).map((r) => ({
    ...r,
    lines: r.lines ?? [],
    evidence: r.evidence ?? [],
    allowed_actions: r.allowed_actions ?? [],
  }))
}

export async function sampleReviews(body: SampleInput): Promise<AppraisalReview[]> {
  return items(await http.post<{ items: AppraisalReview[] }>(`${BASE}/reviews`, body))
}

export function scoreReview(id: string, body: ScoreReviewInput): Promise<AppraisalReview> {
  return http.put<AppraisalReview>(`${BASE}/reviews/${enc(id)}`, body)
}

export async function listInspections(f: ManualFilter = {}): Promise<AppraisalInspection[]> {
  return items(await http.get<{ items: AppraisalInspection[] }>(`${BASE}/inspections`, { query: compact(f) }))
}

export function createInspection(body: InspectionInput): Promise<AppraisalInspection> {
  return http.post<AppraisalInspection>(`${BASE}/inspections`, body)
}

export async function listFaults(f: ManualFilter = {}): Promise<AppraisalFault[]> {
  return items(await http.get<{ items: AppraisalFault[] }>(`${BASE}/faults`, { query: compact(f) }))
}

export function createFault(body: FaultInput): Promise<AppraisalFault> {
  return http.post<AppraisalFault>(`${BASE}/faults`, body)
}

export function revokeFault(id: string, reason: string): Promise<AppraisalFault> {
  return http.post<AppraisalFault>(`${BASE}/faults/${enc(id)}/revoke`, { reason })
}

// ---- Public --------------------------------------------------------------------------------

export async function publicAppraisal(tenantCode: string, q: { period?: string; scheme_id?: string } = {}): Promise<AppraisalPublic> {
  const res = await http.get<AppraisalPublic>(`/api/v1/public/${enc(tenantCode)}/appraisal`, { query: compact(q), skipAuthRedirect: true })
  return {
    ...res,
    periods: res.periods ?? [],
    revisions: res.revisions ?? [],
    categories: res.categories ?? [],
    groups: (res.groups ?? []).map((g) => ({ ...g, results: g.results ?? [] })),
  }
}
