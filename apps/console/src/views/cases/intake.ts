// The intake form's rules, apart from the component: what the clerk typed becomes the body of
// POST /api/v1/cases, and the quick local checks that run before anything is sent.
import { fenToYuan, yuanToFen, type FeeItem, type Material } from '@/api/catalogue'
import type { ApplicantType, IntakeInput } from '@/api/cases/types'
import { creditCodeProblem, normalizeId, PHONE_RE, residentIdProblem, type IdProblem } from './idcheck'

export interface MaterialRow {
  name: string
  required: boolean
  note: string
  provided: boolean
  copies: number
}

export interface FeeRow {
  item: string
  basis: string
  /** The schedule's amount in fen. */
  standard_fen: number
  /** What is charged, in 元 as typed ("12.30"). */
  amount: string
}

export interface IntakeModel {
  window_id: string
  power_id: string
  project_id: string
  applicant: {
    type: ApplicantType
    name: string
    id_number: string
    credit_code: string
    phone: string
  }
  materials: MaterialRow[]
  fees: FeeRow[]
}

export function emptyIntake(): IntakeModel {
  return {
    window_id: '',
    power_id: '',
    project_id: '',
    applicant: { type: 'person', name: '', id_number: '', credit_code: '', phone: '' },
    materials: [],
    fees: [],
  }
}

/** The checklist of an item's materials; nothing is ticked until the clerk has it in hand. */
export function materialRows(list: readonly Material[] | null | undefined): MaterialRow[] {
  return (list ?? []).map((m) => ({ name: m.name, required: m.required, note: m.note ?? '', provided: false, copies: Math.max(1, m.copies || 1) }))
}

/** The fee lines of a charged item, pre-filled with the schedule's amounts; none for a free item. */
export function feeRows(fees: readonly FeeItem[] | null | undefined, free: boolean): FeeRow[] {
  if (free) return []
  return (fees ?? []).map((f) => ({ item: f.item, basis: f.basis ?? '', standard_fen: f.amount_fen, amount: fenToYuan(f.amount_fen) }))
}

/** Required materials not ticked: the case can be taken in, but not accepted before a correction. */
export function missingRequired(rows: readonly MaterialRow[]): string[] {
  return rows.filter((r) => r.required && !r.provided).map((r) => r.name)
}

/** A fee line whose amount differs from the schedule (recorded for supervision if sent). */
export function feeDiffers(row: FeeRow): boolean {
  const fen = yuanToFen(row.amount)
  return fen !== null && fen !== row.standard_fen
}

/** i18n keys of the local problems with an identifier, by the server's reason codes. */
export const ID_PROBLEM_KEYS: Record<IdProblem, string> = {
  required: 'idcheck.required',
  length: 'idcheck.length',
  charset: 'idcheck.charset',
  birth_date: 'idcheck.birthDate',
  check_digit: 'idcheck.checkDigit',
}

/** The local problems of an intake, as i18n keys by form field ("applicant.id_number", "fees" …). */
export function validateIntake(m: IntakeModel, opts: { window: boolean }): Record<string, string> {
  const out: Record<string, string> = {}
  if (opts.window && !m.window_id) out.window_id = 'intake.windowRequired'
  if (!m.power_id) out.power_id = 'intake.powerRequired'
  if (!m.applicant.name.trim()) out['applicant.name'] = 'intake.nameRequired'
  if (m.applicant.type === 'person') {
    const p = residentIdProblem(m.applicant.id_number)
    if (p) out['applicant.id_number'] = ID_PROBLEM_KEYS[p]
  } else {
    const p = creditCodeProblem(m.applicant.credit_code)
    if (p) out['applicant.credit_code'] = ID_PROBLEM_KEYS[p]
  }
  const phone = m.applicant.phone.trim()
  if (phone && !PHONE_RE.test(phone)) out['applicant.phone'] = 'intake.phoneInvalid'
  if (m.fees.some((f) => yuanToFen(f.amount) === null)) out.fees = 'intake.amountInvalid'
  return out
}

/** The body of POST /api/v1/cases (or the portal's online application without window and fees). */
export function intakeBody(m: IntakeModel, opts: { window: boolean }): IntakeInput {
  const a = m.applicant
  const body: IntakeInput = {
    power_id: m.power_id,
    applicant:
      a.type === 'person'
        ? { type: 'person', name: a.name.trim(), id_number: normalizeId(a.id_number), phone: a.phone.trim() }
        : { type: 'org', name: a.name.trim(), credit_code: normalizeId(a.credit_code), phone: a.phone.trim() },
    materials: m.materials.filter((r) => r.provided).map((r) => ({ name: r.name, provided: true, copies: r.copies })),
  }
  if (opts.window) {
    body.channel = 'window'
    body.window_id = m.window_id
    body.fees = m.fees.map((f) => ({ item: f.item, amount_fen: yuanToFen(f.amount) ?? 0 }))
    if (m.project_id) body.project_id = m.project_id
  }
  return body
}

/** Server field paths as the form names its fields: "materials[2].name" → "materials". */
export function formField(path: string): string {
  return path.replace(/^(materials|fees)\[\d+\].*$/, '$1')
}
