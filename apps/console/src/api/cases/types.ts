// Casework (办件) as pkg/httpapi/openapi.yaml describes it: cases and their steps, my tasks,
// service-centre windows and their volume, major projects, the working calendar, and the
// portal's online application and status lookup. Dates are "YYYY-MM-DD"; instants are RFC 3339
// in UTC; money is in fen (分), never floats.

/** Case statuses, in workflow order. */
export const CASE_STATUSES = [
  'submitted',
  'correction_requested',
  'refused',
  'in_progress',
  'pending_decision',
  'approved',
  'denied',
  'delivered',
] as const
export type CaseStatus = (typeof CASE_STATUSES)[number]

/** Art. 45 activities whose time does not count toward the legal limit. */
export const PAUSE_REASONS = ['hearing', 'tendering', 'auction', 'inspection', 'testing', 'quarantine', 'appraisal', 'expert_review'] as const
export type PauseReason = (typeof PAUSE_REASONS)[number]

export type Channel = 'window' | 'online'
export type ApplicantType = 'person' | 'org'
export type CaseStepKind = 'start' | 'task' | 'split' | 'join' | 'end'
export type CaseStepStatus = 'pending' | 'active' | 'done'

/** One edge of a case's flowchart, between two steps' `node`s. */
export interface FlowEdge {
  from: string
  to: string
}

/** A material as submitted with the application (the item's list, with what was provided). */
export interface SubmittedMaterial {
  name: string
  provided?: boolean
  copies?: number
  required?: boolean
}

/** A fee charged at intake; the server checks it against the item's fee schedule. */
export interface FeeInput {
  item: string
  amount_fen: number
}

export interface ApplicantInput {
  type: ApplicantType
  name: string
  /** Resident ID (GB 11643), for a person. */
  id_number?: string
  /** Unified social credit code (GB 32100), for an organisation. */
  credit_code?: string
  phone?: string
}

/** Body of POST /api/v1/cases (window intake) and POST /api/v1/public/{code}/cases (online). */
export interface IntakeInput {
  power_id: string
  window_id?: string | null
  channel?: Channel
  project_id?: string | null
  applicant: ApplicantInput
  materials?: SubmittedMaterial[]
  /** Window intake only: the portal refuses fees. */
  fees?: FeeInput[]
}

/** One flowchart node of a case. */
export interface CaseStep {
  id: string
  case_id?: string
  /** The flowchart step's id ("accept", "zjj" …). */
  node: string
  kind: CaseStepKind
  name: string
  seq?: number
  department_id?: string | null
  role?: string
  time_limit?: number
  counts?: boolean
  checkpoint?: boolean
  status: CaseStepStatus
  activated_at?: string | null
  stopped_days?: number
  due_date?: string | null
  due_at?: string | null
  completed_at?: string | null
  completed_by_name?: string
  opinion?: string
  rounds?: number
  updated_at?: string
}

/** A case in lists. */
export interface CaseSummary {
  id: string
  tenant_code?: string
  tracking_no: string
  power_name: string
  department_id?: string
  channel?: Channel
  applicant_name?: string
  status: CaseStatus
  paused?: boolean
  deemed_accepted?: boolean
  green_channel?: boolean
  project_id?: string | null
  received_at?: string
  accepted_at?: string | null
  due_at?: string | null
  /** Overdue on the legal clock (never while submitted or paused). */
  overdue?: boolean
  fee_mismatch?: boolean
  /** The legal deadline's last working day ("YYYY-MM-DD"); null before acceptance. */
  due_date?: string | null
  /** The exclusive instant by which a submitted case must be accepted or refused (5 working days). */
  acceptance_due_at?: string | null
  /**
   * Working days left on the clock that runs now (the acceptance clock while submitted, the legal
   * one after), counted by the server in the case's own tenant calendar: 0 on the last day,
   * negative once overdue, null when no clock runs.
   */
  remaining_working_days?: number | null
  /** The running clock has run out (the acceptance deadline too, unlike overdue); true even when the count is 0 on a weekend right after the last day. */
  deadline_passed?: boolean
}

export interface CaseList {
  items: CaseSummary[]
  total: number
  page?: number
  page_size?: number
}

export interface CaseQuery {
  /** One status or several (sent comma-separated). */
  status?: string | string[]
  department?: string
  project?: string
  window?: string
  overdue?: boolean
  q?: string
  tenant?: string
  page?: number
  page_size?: number
}

export interface CasePause {
  id: string
  /** art45: an Art. 45 pause; uncounted: the clock stood still while only uncounted steps ran. */
  kind: 'art45' | 'uncounted'
  reason_type: PauseReason | ''
  notice: string
  expected_working_days: number
  started_at: string
  ended_at: string | null
  working_days: number
  started_by_name: string
  ended_by_name: string
}

export interface CaseFee {
  id: string
  item: string
  amount_fen: number
  /** The schedule's amount; null when the schedule has no such line (or the item is free). */
  expected_fen: number | null
  mismatch: boolean
  created_at?: string
}

export interface CaseEvent {
  id: string
  at: string
  kind: string
  step_name: string
  actor_name: string
  note: string
  public: boolean
}

/** A day the deadline computation skipped (weekend, holiday) or counted although unusual (make-up day). */
export interface CalendarDayNote {
  date: string
  kind: string
  reason: string
  reason_en: string
}

/** How a case's due date was computed (null before acceptance). */
export interface DeadlineExplanation {
  from: string
  limit_days: number
  green_channel: boolean
  extension_days: number
  stopped_days: number
  working_days: number
  due_date: string
  due_at: string
  skipped: CalendarDayNote[] | null
  worked: CalendarDayNote[] | null
  uncovered_years: number[] | null
  text: string
  text_en: string
}

export interface CaseApplicant {
  type: ApplicantType | ''
  name: string
  /** Masked for persons ("110105********002X"); a credit code in full. */
  id_number: string
  /** Masked ("138****0000"). */
  phone: string
}

/** GET /api/v1/cases/{id}, and the answer of every case action. */
export interface CaseDetail {
  id: string
  tenant_code: string
  tracking_no: string
  /** 查询码: the applicant's code for the public status lookup (printed on the receipt). */
  query_code: string
  power_id: string
  version_id: string
  power_name: string
  department_id: string
  window_id: string | null
  channel: Channel
  project_id: string | null
  applicant: CaseApplicant
  materials: SubmittedMaterial[]
  missing_materials: string[]
  status: CaseStatus
  received_at: string
  acceptance_due_at: string | null
  accepted_at: string | null
  deemed_accepted: boolean
  accepted_by_name: string
  correction_items: string[] | null
  correction_at: string | null
  refused_reason: string
  limit_days: number
  green_channel: boolean
  extension_days: number
  extension_reason: string
  stopped_days: number
  clock_stopped_at: string | null
  paused: boolean
  due_date: string | null
  due_at: string | null
  overdue: boolean
  remaining_working_days: number | null
  decision: '' | 'approve' | 'deny'
  decision_reason: string
  certificate_no: string
  decided_at: string | null
  delivery_due_at: string | null
  delivered_at: string | null
  fee_expected_fen: number
  fee_charged_fen: number
  fee_mismatch: boolean
  steps: CaseStep[]
  /** The edges of the flowchart the case runs (its filed version's); the steps' `node`s are the vertices. */
  flow_edges: FlowEdge[]
  pauses: CasePause[]
  fees: CaseFee[]
  /** The timeline; notes come rendered in the request's Accept-Language. */
  events: CaseEvent[]
  deadline_explanation: DeadlineExplanation | null
  created_at?: string
  updated_at?: string
}

export interface PauseInput {
  reason_type: PauseReason
  notice: string
  expected_working_days: number
}

export type DecideInput =
  | { result: 'approve'; certificate_no: string; reason?: string }
  | { result: 'deny'; reason: string; certificate_no?: string }

/** An active step as "my tasks" lists it; its countdown (remaining_working_days) is the server's. */
export interface Task {
  step_id: string
  case_id: string
  tracking_no: string
  power_name: string
  step_name: string
  node: string
  role: string
  department_id: string | null
  activated_at: string | null
  /** The step's last working day (YYYY-MM-DD, Asia/Shanghai). */
  due_date: string | null
  due_at: string | null
  case_due_date: string | null
  case_due_at: string | null
  paused: boolean
  overdue: boolean
  remaining_working_days: number | null
  checkpoint: boolean
  counts: boolean
}

/** A service-centre window with the clerks authorised there. */
export interface Window {
  id: string
  /** The window's region (a city reader's list spans several counties). */
  tenant_code: string
  number: string
  name: string
  department_id: string
  /** 综合窗口: takes in every department's items. */
  comprehensive: boolean
  active: boolean
  created_at?: string
  updated_at?: string
  staff_ids: string[]
}

/** Body of POST /api/v1/windows and PUT /api/v1/windows/{id}. */
export interface WindowInput {
  number: string
  name: string
  department_id: string
  comprehensive: boolean
  active: boolean
}

export interface VolumeDay {
  date: string
  working: boolean
  accepted: number
  decided: number
}

export interface WindowVolume {
  window_id: string
  tenant_code: string
  number: string
  name: string
  department_id?: string
  comprehensive?: boolean
  active?: boolean
  working_days: number
  days: VolumeDay[]
  accepted_total: number
  decided_total: number
  /** Accepted cases per working day (2 decimals). */
  average_accepted: number
  /** The tenant's effective window_low_volume_threshold. */
  threshold: number | null
  low_volume: boolean
}

export interface VolumeReport {
  from: string
  to: string
  items: WindowVolume[]
}

export interface CaseCounts {
  total: number
  by_status: Partial<Record<CaseStatus, number>>
  /** Cases still being handled (submitted … pending decision). */
  open: number
  overdue: number
  paused: number
}

export type ProjectStatus = 'active' | 'completed'

export interface ProjectSummary {
  id: string
  tenant_code: string
  name: string
  investor_name: string
  investor_credit_code: string
  /** Investment in 万元. */
  investment_wan: number
  lead_department_id: string
  lead_department_name?: string
  status: ProjectStatus
  created_at?: string
  updated_at?: string
  case_counts: CaseCounts
}

/** Body of POST /api/v1/projects (every field but status) and PUT (only what changes). */
export interface ProjectInput {
  name?: string
  investor_name?: string
  investor_credit_code?: string
  investment_wan?: number
  lead_department_id?: string
  status?: ProjectStatus
}

export interface ProjectStep {
  id: string
  node: string
  name: string
  seq?: number
  department_id?: string | null
  department_name?: string
  role?: string
  time_limit?: number
  counts?: boolean
  status: CaseStepStatus
  rounds?: number
  activated_at?: string | null
  due_date?: string | null
  due_at?: string | null
  completed_at?: string | null
  remaining_working_days?: number | null
  overdue: boolean
  /** Completed after its due instant. */
  late: boolean
}

export interface ProjectCase {
  id: string
  tracking_no: string
  power_id?: string
  power_name: string
  department_id?: string
  department_name?: string
  channel?: Channel
  applicant_name?: string
  status: CaseStatus
  green_channel: boolean
  limit_days?: number
  extension_days?: number
  stopped_days?: number
  received_at?: string
  accepted_at?: string | null
  deemed_accepted?: boolean
  due_date?: string | null
  due_at?: string | null
  remaining_working_days?: number | null
  overdue: boolean
  paused: boolean
  clock_stopped?: boolean
  decision?: string
  decided_at?: string | null
  delivered_at?: string | null
  steps: ProjectStep[]
}

export interface ProjectDetail extends ProjectSummary {
  cases: ProjectCase[]
}

/** Kinds of the calendar's special days. */
export type CalendarDayKind = 'holiday' | 'makeup_workday' | 'local_holiday' | 'local_workday' | (string & {})

export interface CalendarDay {
  date: string
  kind: CalendarDayKind
  name: string
  name_en?: string
  /** A tenant-local day (this tenant's or inherited from the city). */
  local: boolean
  /** The tenant that set a local day. */
  tenant?: string
}

export interface CalendarYear {
  year: number
  /** False when no national data exists for the year (only weekends apply). */
  covered: boolean
  items: CalendarDay[]
}

/** Body of POST /api/v1/calendar/local-days. */
export interface LocalDayInput {
  date: string
  kind: 'holiday' | 'workday'
  name: string
}

export interface RecomputeResult {
  recomputed_cases: number
}

/** GET /api/v1/calendar/add: the date N working days after a date, with the days skipped. */
export interface CalendarAddResult {
  from?: string
  working_days?: number
  date: string
  due_at?: string
  skipped: CalendarDayNote[]
  worked?: CalendarDayNote[]
  uncovered_years?: number[]
  text?: string
}

export interface PublicCaseEvent {
  at: string
  kind: string
  step_name?: string
  note?: string
}

/** The answer to an online application: its status and the query code, shown only this once. */
export interface PublicApplied extends PublicCaseStatus {
  query_code: string
}

/** A captcha for a public form (GET /api/v1/public/captcha). */
export interface Captcha {
  id: string
  /** A PNG as a data: URL. */
  image: string
  expires_at: string
}

/** What the portal shows for a tracking number: no personal data. */
export interface PublicCaseStatus {
  tracking_no: string
  power_name: string
  status: CaseStatus
  received_at: string
  accepted_at?: string | null
  due_date?: string | null
  paused?: boolean
  timeline: PublicCaseEvent[]
}
