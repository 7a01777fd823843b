// The leading group's appraisal (绩效考核) as pkg/httpapi/openapi.yaml describes it under
// /api/v1/appraisal/* and /api/v1/public/{tenantCode}/appraisal. Points are exact decimals with at
// most two places (the server keeps hundredths); the console only shows and sends them.

export interface AppraisalLabel {
  zh: string
  en: string
}

export type PeriodKind = 'month' | 'quarter' | 'year'
export type SubjectKind = 'county_department' | 'county' | 'city_department'
export type CategoryKind = 'score' | 'bonus' | 'deduction'
export type RuleType = 'ratio' | 'per_count' | 'steps'
export type Measure = 'rate' | 'count' | 'average'

export interface DefinitionParam {
  name: string
  allowed: string[]
  label: AppraisalLabel
}

/** A registered indicator definition (GET /appraisal/definitions). */
export interface AppraisalDefinition {
  code: string
  name: AppraisalLabel
  description: AppraisalLabel
  source: string
  measure: Measure
  manual: boolean
  params: DefinitionParam[]
  rules: RuleType[]
  revision: number
}

export interface AppraisalRule {
  type: RuleType
  max_points?: number
  empty_points?: number
  base_points?: number
  per_item?: number
  min_points?: number
  threshold_percent?: number
  step_percent?: number
  points_per_step?: number
}

export interface BodyCategory {
  code: string
  name: string
  name_en?: string
  kind: CategoryKind
  weight: number
}

export interface BodyIndicator {
  code: string
  name?: string
  name_en?: string
  category: string
  definition: string
  params?: Record<string, string[]>
  rule: AppraisalRule
}

export interface ChecklistItem {
  item: string
  max_points: number
}

/** What a scheme version scores and how. */
export interface AppraisalBody {
  subjects: { county_departments?: boolean; counties?: boolean; city_departments?: boolean }
  department_filter?: 'with_items' | 'all'
  total_points: number
  weights_must_sum?: boolean
  objection_working_days: number
  grace_working_days?: number
  review_checklist?: ChecklistItem[]
  categories: BodyCategory[]
  indicators: BodyIndicator[]
}

export interface AppraisalSchemeInput {
  name: string
  period_kind?: PeriodKind
  note?: string
  body: AppraisalBody
}

export type VersionStatus = 'draft' | 'active' | 'superseded'
export type SchemeStatus = 'draft' | 'active' | 'retired'
export type SchemeAction = 'edit' | 'activate' | 'retire'

export interface AppraisalVersion {
  id: string
  number: number
  status: VersionStatus
  effective_from: string | null
  note: string
  body_hash: string
  body?: AppraisalBody
  created_by_name: string
  created_at: string
  activated_at: string | null
  activated_by_name: string
}

export interface AppraisalScheme {
  id: string
  name: string
  period_kind: PeriodKind
  status: SchemeStatus
  created_by_name?: string
  created_at: string
  updated_at: string
  in_force: AppraisalVersion | null
  draft: AppraisalVersion | null
  versions: AppraisalVersion[]
  allowed_actions: SchemeAction[]
}

export interface AppraisalSchemeSummary {
  id: string
  name: string
  period_kind: PeriodKind
  status: SchemeStatus
  latest_number: number
  effective_from: string | null
  updated_at: string
}

export type RunStatus = 'scoring' | 'failed' | 'provisional' | 'draft' | 'objection' | 'approved' | 'published' | 'superseded'
export type RunKind = 'provisional' | 'final'
/** What the caller may do to a run now (the server's workflow decides). */
export type RunAction = 'rescore' | 'adjust' | 'open_objections' | 'object' | 'approve' | 'publish' | 'revise'

export interface AppraisalRun {
  id: string
  scheme_id: string
  scheme_name: string
  version_id: string
  version_number: number
  period: string
  period_kind: PeriodKind
  period_start: string
  /** Exclusive. */
  period_end: string
  kind: RunKind
  revision: number
  revision_of?: string | null
  revision_reason?: string
  status: RunStatus
  generation: number
  as_of: string
  scored_at: string | null
  task_id?: string
  results_hash: string
  subjects: number
  error?: string
  closes_at?: string | null
  objection_deadline: string | null
  objections_opened_at?: string | null
  approved_at?: string | null
  approved_by_name?: string
  approval_note?: string
  published_at: string | null
  published_by_name?: string
  superseded_at?: string | null
  requested_by_name?: string
  created_at?: string
  updated_at?: string
  objections_open: number
  adjustments: number
  allowed_actions: RunAction[]
}

export interface AppraisalRunList {
  items: AppraisalRun[]
  total: number
  page?: number
  page_size?: number
}

export interface CategoryScore {
  code: string
  computed: number
  score: number
}

export interface ResultIndicator {
  code: string
  category: string
  definition: string
  numerator: number
  denominator: number
  count: number
  /** Percent with two decimals; null for counts. */
  rate: number | null
  raw: Record<string, number>
  computed: number
  points: number
  adjusted: boolean
}

export interface PreviousResult {
  period: string
  run_id: string
  status: string
  score: number
  rank: number
}

export interface AppraisalResult {
  id: string
  subject_key: string
  subject_kind: SubjectKind
  subject_name: string
  subject_code: string
  tenant_code: string
  group_key: string
  computed: number
  score: number
  rank: number
  group_size: number
  adjusted: boolean
  previous: PreviousResult | null
  score_change: number | null
  /** Positive: moved up. */
  rank_change: number | null
  categories: CategoryScore[]
  indicators?: ResultIndicator[]
}

export interface RunCategory {
  code: string
  name: string
  name_en: string
  kind: CategoryKind
  weight: number
}

export interface RunIndicator {
  code: string
  name: string
  name_en: string
  category: string
  definition: string
  measure: Measure | string
  manual: boolean
  params: Record<string, string[]>
  rule: AppraisalRule
}

export interface RankingGroup {
  key: string
  kind: SubjectKind | string
  tenant_code: string
  name: string
  size: number
}

export interface AppraisalRunDetail extends AppraisalRun {
  categories: RunCategory[]
  indicators: RunIndicator[]
  groups: RankingGroup[]
  results: AppraisalResult[]
}

export interface AppraisalFile {
  id: string
  kind: string
  owner_id?: string
  name: string
  media_type: string
  size: number
  created_at: string
}

export interface AppraisalAdjustment {
  id: string
  run_id: string
  result_id: string
  subject_key: string
  indicator_code: string
  reason: string
  created_by_name: string
  created_at: string
  before: number
  after: number
  evidence: AppraisalFile[]
}

export type ObjectionStatus = 'open' | 'answered' | 'withdrawn'
export type ObjectionDecision = '' | 'upheld' | 'rejected'

export interface AppraisalObjection {
  id: string
  run_id: string
  result_id: string
  subject_key: string
  indicator_code: string
  text: string
  status: ObjectionStatus
  decision: ObjectionDecision
  answer: string
  answered_at: string | null
  answered_by_name?: string
  withdrawn_at?: string | null
  created_by_name: string
  created_at: string
  tenant_code: string
  subject_name: string
  evidence: AppraisalFile[]
  allowed_actions: ('answer' | 'withdraw')[]
}

export interface AppraisalSubjectDetail {
  run: AppraisalRun
  categories: RunCategory[]
  indicators: RunIndicator[]
  result: AppraisalResult
  adjustments: AppraisalAdjustment[]
  objections: AppraisalObjection[]
  drillable: boolean
}

export type ItemObjectType = 'case' | 'step' | 'card' | 'notice' | 'filing' | 'review' | 'inspection' | 'fault'
export type ItemRole = 'counted' | 'not_counted' | 'excluded'

export interface AppraisalItem {
  object_type: ItemObjectType
  object_id: string
  tenant_code: string
  department_id: string | null
  role: ItemRole
  at: string | null
  label: string
  detail: Record<string, unknown>
}

export interface AppraisalItemsPage {
  items: AppraisalItem[]
  total: number
  numerator: number
  denominator: number
  count: number
  definition_changed: boolean
  definition: string
  page: number
  page_size: number
}

export interface AppraisalTrendPoint {
  period: string
  run_id: string
  status: RunStatus
  kind: RunKind
  score: number
  rank: number
  group_size: number
  categories: CategoryScore[]
}

export interface PeriodRunRef {
  id: string
  kind: RunKind
  revision: number
  status: RunStatus
  as_of: string
}

export interface AppraisalPeriod {
  period: string
  start: string
  /** The period's last day. */
  end: string
  closes_at: string
  closed: boolean
  version: number
  runs: PeriodRunRef[]
}

export interface AdjustInput {
  subject: string
  indicator: string
  points: number
  reason: string
  evidence_file_ids?: string[]
}

export interface ObjectInput {
  subject: string
  indicator?: string
  text: string
  evidence_file_ids?: string[]
}

export interface AnswerInput {
  decision: 'upheld' | 'rejected'
  answer: string
}

export interface ApproveInput {
  close_window?: boolean
  note?: string
}

export interface ReviewLine {
  item: string
  max_points: number
  score: number | null
}

export interface AppraisalReview {
  id: string
  department_id: string
  case_id: string
  tracking_no: string
  power_name: string
  period: string
  occurred_on: string
  status: 'pending' | 'scored'
  note: string
  reviewer_name?: string
  scored_at?: string | null
  created_by_name?: string
  created_at?: string
  tenant_code: string
  department_name: string
  /** Out of 100. */
  score: number | null
  lines: ReviewLine[]
  evidence: AppraisalFile[]
  allowed_actions: 'score'[]
}

export interface SampleInput {
  scheme_id: string
  period: string
  tenant: string
  department: string
  size: number
}

export interface ScoreReviewInput {
  scores: number[]
  note?: string
  evidence_file_ids?: string[]
}

export interface AppraisalInspection {
  entry: {
    id: string
    department_id: string | null
    occurred_on: string
    title: string
    note: string
    created_by_name: string
    created_at: string
  }
  tenant_code: string
  department_name: string
  score: number
  evidence: AppraisalFile[]
  allowed_actions: string[]
}

export interface InspectionInput {
  tenant: string
  department?: string
  occurred_on: string
  title: string
  score: number
  note?: string
  evidence_file_ids?: string[]
}

export interface AppraisalFault {
  entry: {
    id: string
    department_id: string | null
    person: string
    case_id: string | null
    card_id: string | null
    occurred_on: string
    description: string
    status: 'active' | 'revoked'
    revoked_reason: string
    revoked_at: string | null
    created_by_name: string
    created_at: string
  }
  tenant_code: string
  department_name: string
  evidence: AppraisalFile[]
  allowed_actions: 'revoke'[]
}

export interface FaultInput {
  tenant: string
  department?: string
  person?: string
  case_id?: string | null
  card_id?: string | null
  occurred_on: string
  description: string
  evidence_file_ids?: string[]
}

export interface ManualFilter {
  period?: string
  tenant?: string
  status?: string
}

export interface PublicResult {
  subject_key: string
  subject_name: string
  score: number
  rank: number
  group_size: number
  score_change: number | null
  rank_change: number | null
  categories: CategoryScore[]
}

export interface PublicGroup {
  key: string
  kind: SubjectKind | string
  name: string
  results: PublicResult[]
}

export interface AppraisalPublic {
  tenant_code: string
  tenant_name: string
  scheme_id: string | null
  scheme_name: string
  period: string
  periods: string[]
  revision: number
  published_at: string | null
  revisions: { revision: number; reason: string; published_at: string; superseded_at: string | null }[]
  categories: RunCategory[]
  groups: PublicGroup[]
}
