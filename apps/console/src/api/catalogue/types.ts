/** Version statuses, in workflow order. */
export const POWER_STATUSES = ['draft', 'submitted', 'returned', 'approved', 'published', 'filed', 'superseded'] as const
export type PowerStatus = (typeof POWER_STATUSES)[number]

export const STEP_KINDS = ['start', 'task', 'split', 'join', 'end'] as const
export type StepKind = (typeof STEP_KINDS)[number]

/** Roles a flowchart task may name as its handler. */
export const HANDLING_ROLES = ['window_clerk', 'case_handler', 'dept_admin', 'legal_reviewer'] as const

/** One node of a flowchart (the API's Step). */
export interface Step {
  id: string
  name: string
  kind: StepKind
  /** 承办岗位 */
  post: string
  role: string
  department_code: string
  /** Working days; 0 for control nodes. */
  time_limit: number
  counts: boolean
  checkpoint: boolean
  duties: string
  counterparty_rights: string
}

export interface Edge {
  from: string
  to: string
}

export interface Flowchart {
  steps: Step[]
  edges: Edge[]
}

export interface LegalBasis {
  law: string
  article: string
  text: string
}

/** Money is in fen (分), never floats. */
export interface FeeItem {
  item: string
  amount_fen: number
  basis: string
}

export interface Material {
  name: string
  required: boolean
  copies: number
  note: string
}

export interface DiscretionBand {
  circumstance: string
  penalty: string
  basis: string
}

export interface ComplaintChannels {
  phone: string
  address: string
  url: string
}

/** Everything an editor sets on a version (the body of POST/PUT /api/v1/powers). */
export interface PowerContent {
  code: string
  name: string
  category: string
  department_id: string
  leading_official: string
  responsible_unit: string
  staff_duties: string
  legal_basis: LegalBasis[]
  handling_type: 'instant' | 'promise'
  legal_limit: number
  promised_limit: number
  green_limit: number | null
  extension_days: number
  free: boolean
  fees: FeeItem[]
  materials: Material[]
  conditions: string
  counterparty_rights: string[]
  complaint_channels: ComplaintChannels
  enquiry_phone: string
  discretion: DiscretionBand[]
  flowchart: Flowchart
  change_note: string
}

export interface PowerVersion extends PowerContent {
  id: string
  power_id: string
  number: number
  status: PowerStatus
  created_by_name: string
  updated_by_name: string
  submitted_at: string | null
  submitted_by_name: string
  reviewed_at: string | null
  reviewed_by_name: string
  review_comment: string
  published_at: string | null
  published_by_name: string
  filing_due_at: string | null
  filed_at: string | null
  filed_by_name: string
  superseded_at: string | null
  created_at: string
  updated_at: string
}

export interface DeptRef {
  id: string
  code: string
  name: string
}

export interface PowerSummary {
  id: string
  tenant_code: string
  code: string
  name: string
  category: string
  status: PowerStatus
  department: DeptRef
  exercisable: boolean
  latest_number: number
  in_force_number: number | null
  handling_type: string
  legal_limit: number
  promised_limit: number
  filing_due_at: string | null
  updated_at: string
}

export interface PowerList {
  items: PowerSummary[]
  total: number
  page?: number
  page_size?: number
}

export interface VersionSummary {
  id: string
  number: number
  status: PowerStatus
  change_note: string
  created_by_name: string
  updated_by_name: string
  created_at: string
  updated_at: string
  submitted_at: string | null
  reviewed_at: string | null
  reviewed_by_name: string
  review_comment: string
  published_at: string | null
  filing_due_at: string | null
  filed_at: string | null
  filed_by_name: string
  superseded_at: string | null
  in_force: boolean
  longest_path_days: number
}

export type FilingState = 'pending' | 'overdue' | 'filed'

export interface Filing {
  id: string
  power_id: string
  version_id: string
  version_number: number
  code: string
  name: string
  category: string
  department: DeptRef
  published_at: string
  due_at: string
  status: 'pending' | 'filed'
  state: FilingState
  filed_at: string | null
  filed_by_name: string
  tenant_code: string
  tenant_name: string
  working_days_left: number
  working_days_overdue: number
}

/** GET /api/v1/powers/{id}: the item as staff see it. */
export interface PowerDetail {
  id: string
  tenant_code: string
  tenant_name: string
  code: string
  name: string
  category: string
  status: PowerStatus
  department: DeptRef
  exercisable: boolean
  latest_number: number
  in_force_number: number | null
  flowchart: Flowchart
  longest_path_days: number
  current: PowerVersion
  in_force: PowerVersion | null
  versions: VersionSummary[]
  filing: Filing | null
  updated_at: string
}

export interface PowerChange {
  field: string
  from: unknown
  to: unknown
}

export interface PowerDiff {
  from: number
  to: number
  changes: PowerChange[]
}

export interface HistoryEntry {
  at: string
  actor_name: string
  action: string
  version: number
  status: string
  comment: string
  changed: string[]
}

export interface ImportReport {
  created: number
  updated: number
  revised: number
  unchanged: number
  items: { code: string; name: string; power_id: string; action: 'created' | 'updated' | 'revised' | 'unchanged'; version: number }[]
}

export interface PowerQuery {
  status?: string
  department?: string
  category?: string
  q?: string
  exercisable?: boolean
  tenant?: string
  page?: number
  page_size?: number
}

export type PublicState = 'in_force' | 'pending_filing'

export interface PublicSummary {
  id: string
  code: string
  name: string
  category: string
  department: DeptRef
  handling_type: string
  legal_limit: number
  promised_limit: number
  free: boolean
  exercisable: boolean
  state: PublicState
  version_number: number
  published_at: string | null
  filed_at: string | null
}

export interface Facet {
  key: string
  name: string
  count: number
}

export interface PublicCatalogue {
  items: PublicSummary[]
  total: number
  departments: Facet[]
  categories: Facet[]
}

export interface PublicVersion extends PowerContent {
  number: number
  status: PowerStatus
  published_at: string | null
  filing_due_at: string | null
  filed_at: string | null
  longest_path_days: number
}

export interface PublicItem {
  id: string
  tenant_code: string
  tenant_name: string
  department: DeptRef
  exercisable: boolean
  state: PublicState
  version: PublicVersion
  pending: PublicVersion | null
  /** Department names by code, for the flowchart. */
  departments: Record<string, string>
}
