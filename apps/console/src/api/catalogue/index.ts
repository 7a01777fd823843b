import { CSRF_COOKIE, CSRF_HEADER, http, readCookie, request, toApiError, ApiError, NETWORK_ERROR_STATUS } from '../http'
import type {
  Filing,
  FilingState,
  HistoryEntry,
  ImportReport,
  PowerContent,
  PowerDetail,
  PowerDiff,
  PowerList,
  PowerQuery,
  PublicCatalogue,
  PublicItem,
} from './types'

export * from './types'

const enc = encodeURIComponent

export async function listCategories(): Promise<string[]> {
  const res = await http.get<{ items: string[] }>('/api/v1/power-categories')
  return Array.isArray(res?.items) ? res.items : []
}

export async function listPowers(q: PowerQuery = {}): Promise<PowerList> {
  const res = await http.get<PowerList>('/api/v1/powers', { query: { ...q } })
  return { ...res, items: Array.isArray(res?.items) ? res.items : [], total: res?.total ?? 0 }
}

export function getPower(id: string): Promise<PowerDetail> {
  return http.get<PowerDetail>(`/api/v1/powers/${enc(id)}`)
}

export function createPower(body: PowerContent): Promise<PowerDetail> {
  return http.post<PowerDetail>('/api/v1/powers', body)
}

export function updatePower(id: string, body: PowerContent): Promise<PowerDetail> {
  return http.put<PowerDetail>(`/api/v1/powers/${enc(id)}`, body)
}

export function submitPower(id: string): Promise<PowerDetail> {
  return http.post<PowerDetail>(`/api/v1/powers/${enc(id)}/submit`)
}

export function reviewPower(id: string, decision: 'approve' | 'return', comment = ''): Promise<PowerDetail> {
  return http.post<PowerDetail>(`/api/v1/powers/${enc(id)}/review`, { decision, comment })
}

export function publishPower(id: string): Promise<PowerDetail> {
  return http.post<PowerDetail>(`/api/v1/powers/${enc(id)}/publish`)
}

export function filePower(id: string): Promise<PowerDetail> {
  return http.post<PowerDetail>(`/api/v1/powers/${enc(id)}/file`)
}

export function revisePower(id: string, changeNote = ''): Promise<PowerDetail> {
  return http.post<PowerDetail>(`/api/v1/powers/${enc(id)}/revise`, { change_note: changeNote })
}

export function diffPower(id: string, from?: number, to?: number): Promise<PowerDiff> {
  return http.get<PowerDiff>(`/api/v1/powers/${enc(id)}/diff`, { query: { from, to } })
}

export async function powerHistory(id: string): Promise<HistoryEntry[]> {
  const res = await http.get<{ items: HistoryEntry[] }>(`/api/v1/powers/${enc(id)}/history`)
  return Array.isArray(res?.items) ? res.items : []
}

export async function listFilings(status?: FilingState | '', tenant?: string): Promise<Filing[]> {
  const res = await http.get<{ items: Filing[] }>('/api/v1/filings', { query: { status: status || undefined, tenant: tenant || undefined } })
  return Array.isArray(res?.items) ? res.items : []
}

/** URLs of the workbook downloads (the browser saves them; the session cookie authorises). */
export function exportUrl(q: PowerQuery = {}): string {
  const params = new URLSearchParams()
  for (const [k, v] of Object.entries(q)) if (v !== undefined && v !== null && v !== '') params.append(k, String(v))
  const qs = params.toString()
  return `/api/v1/powers/export${qs ? `?${qs}` : ''}`
}

export const TEMPLATE_URL = '/api/v1/powers/template'

/** Uploads a workbook (raw .xlsx body). A 422 carries every bad cell in its errors ("事项!C5"). */
export async function importPowers(file: Blob, locale: string): Promise<ImportReport> {
  const headers: Record<string, string> = {
    Accept: 'application/json, application/problem+json',
    'Accept-Language': locale,
    'Content-Type': 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  }
  const token = readCookie(CSRF_COOKIE)
  if (token) headers[CSRF_HEADER] = token
  let res: Response
  try {
    res = await fetch('/api/v1/powers/import', { method: 'POST', headers, body: file, credentials: 'same-origin' })
  } catch (cause) {
    throw new ApiError(NETWORK_ERROR_STATUS, { code: 'network_error' }, { cause })
  }
  if (!res.ok) throw await toApiError(res)
  return (await res.json()) as ImportReport
}

export function publicPowers(
  tenantCode: string,
  q: { department?: string; category?: string; q?: string; page?: number; page_size?: number } = {},
): Promise<PublicCatalogue> {
  return request<PublicCatalogue>(`/api/v1/public/${enc(tenantCode)}/powers`, { query: { ...q }, skipAuthRedirect: true })
}

export function publicPower(tenantCode: string, id: string): Promise<PublicItem> {
  return request<PublicItem>(`/api/v1/public/${enc(tenantCode)}/powers/${enc(id)}`, { skipAuthRedirect: true })
}

/** Yuan as typed (e.g. "12.30") to fen, exactly; null when it is not an amount with at most two decimals. */
export function yuanToFen(yuan: string | number): number | null {
  const s = String(yuan).trim()
  if (!/^\d+(\.\d{1,2})?$/.test(s)) return null
  const [whole, frac = ''] = s.split('.')
  return Number(whole) * 100 + Number((frac + '00').slice(0, 2))
}

/** Fen as yuan with two decimals ("12.30"). */
export function fenToYuan(fen: number): string {
  const sign = fen < 0 ? '-' : ''
  const abs = Math.abs(Math.trunc(fen))
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`
}

/** An empty item for the editor. */
export function emptyContent(departmentId = ''): PowerContent {
  return {
    code: '',
    name: '',
    category: '',
    department_id: departmentId,
    leading_official: '',
    responsible_unit: '',
    staff_duties: '',
    legal_basis: [{ law: '', article: '', text: '' }],
    handling_type: 'promise',
    legal_limit: 20,
    promised_limit: 10,
    green_limit: null,
    extension_days: 10,
    free: true,
    fees: [],
    materials: [],
    conditions: '',
    counterparty_rights: ['陈述权', '申辩权', '申请行政复议', '提起行政诉讼'],
    complaint_channels: { phone: '12345', address: '', url: '' },
    enquiry_phone: '',
    discretion: [],
    flowchart: {
      steps: [
        { id: 'start', name: '开始', kind: 'start', post: '', role: '', department_code: '', time_limit: 0, counts: false, checkpoint: false, duties: '', counterparty_rights: '' },
        { id: 'end', name: '办结', kind: 'end', post: '', role: '', department_code: '', time_limit: 0, counts: false, checkpoint: false, duties: '', counterparty_rights: '' },
      ],
      edges: [{ from: 'start', to: 'end' }],
    },
    change_note: '',
  }
}

/** The editable content of a version (what PUT sends back). */
export function contentOf(v: PowerContent): PowerContent {
  return {
    code: v.code,
    name: v.name,
    category: v.category,
    department_id: v.department_id,
    leading_official: v.leading_official,
    responsible_unit: v.responsible_unit,
    staff_duties: v.staff_duties,
    legal_basis: (v.legal_basis ?? []).map((b) => ({ ...b })),
    handling_type: v.handling_type,
    legal_limit: v.legal_limit,
    promised_limit: v.promised_limit,
    green_limit: v.green_limit ?? null,
    extension_days: v.extension_days,
    free: v.free,
    fees: (v.fees ?? []).map((f) => ({ ...f })),
    materials: (v.materials ?? []).map((m) => ({ ...m })),
    conditions: v.conditions,
    counterparty_rights: [...(v.counterparty_rights ?? [])],
    complaint_channels: { ...(v.complaint_channels ?? { phone: '', address: '', url: '' }) },
    enquiry_phone: v.enquiry_phone,
    discretion: (v.discretion ?? []).map((d) => ({ ...d })),
    flowchart: {
      steps: (v.flowchart?.steps ?? []).map((s) => ({ ...s })),
      edges: (v.flowchart?.edges ?? []).map((e) => ({ ...e })),
    },
    change_note: v.change_note ?? '',
  }
}
