/** The escalation ladder: 提醒 (blue), 黄牌, 红牌. */
export const CARD_LEVELS = ['reminder', 'yellow', 'red'] as const
export type CardLevel = (typeof CARD_LEVELS)[number]

/** The rules that raise cards; the console shows any other value as it comes. */
export const CARD_RULES = [
  'case_reminder',
  'case_overdue',
  'case_red',
  'step_overrun',
  'deemed_acceptance',
  'fee_mismatch',
  'filing_overdue',
  'notice_unanswered',
] as const
export type CardRule = (typeof CARD_RULES)[number] | (string & {})

export const CARD_STATUSES = ['active', 'appealed', 'cancelled', 'resolved'] as const
export type CardStatus = (typeof CARD_STATUSES)[number]

/** Open cards (active or appealed) are the ones the dashboards count. */
export const OPEN_STATUSES: readonly CardStatus[] = ['active', 'appealed']

/** Open cards by level; `appealed` counts the open ones under appeal (they are in the levels too). */
export interface CardCounts {
  reminder: number
  yellow: number
  red: number
  appealed: number
  total: number
}

/** A card as lists, the overview's oldest list and the live stream give it. Times are RFC 3339. */
export interface CardBase {
  id: string
  level: CardLevel
  rule: CardRule
  case_id: string | null
  step_id: string | null
  object_ref: string
  department_id: string | null
  /** "超期未办结：建筑工程施工许可证核发（410581261128000277）". */
  title: string
  reason: string
  /** The deadline that was missed (or is near). */
  deadline_at: string | null
  /** A yellow card's finish-by instant, after which a red card follows. */
  finish_by: string | null
  status: CardStatus
  appeal_reason: string
  appealed_at: string | null
  appealed_by: string
  /** "accepted" (the card was cancelled) or "rejected" (it stands); "" before a decision. */
  decision: string
  decision_reason: string
  decided_at: string | null
  decided_by: string
  cancel_reason: string
  cancelled_at: string | null
  cancelled_by: string
  resolved_at: string | null
  /**
   * Why a resolved card was resolved: its work finished, or a higher rung of the case's deadline
   * ladder superseded it (superseded_by names that card). Empty otherwise (and in older cards).
   */
  resolution?: '' | 'finished' | 'superseded'
  resolve_reason?: string
  superseded_by?: string | null
  created_at: string
  /** The card's region. */
  tenant_code: string
  /**
   * The supervised department's name, resolved by the server ("" for a card without one; a card
   * the live stream brings may leave it empty too).
   */
  department_name: string
}

/** A card (lists, detail, the live stream). */
export type Card = CardBase

export interface CardFilter {
  level?: CardLevel | ''
  /** A status, or "open" (active and appealed). */
  status?: CardStatus | 'open' | ''
  rule?: string
  tenant?: string
  department?: string
  case?: string
  page?: number
  page_size?: number
}

export interface CardPage {
  items: Card[]
  total: number
  page: number
  page_size: number
}

export interface TenantCardCounts {
  code: string
  name: string
  counts: CardCounts
  /** Open cases past their due date now. */
  overdue_cases: number
}

export interface DepartmentCardCounts {
  tenant_code: string
  department_id: string
  name: string
  counts: CardCounts
}

/** Cards created on one day (Asia/Shanghai), by level. */
export interface TrendPoint {
  /** YYYY-MM-DD. */
  date: string
  reminder: number
  yellow: number
  red: number
}

/** GET /api/v1/supervision/overview: open cards by tenant, department, level and rule; the oldest; a 30-day trend. */
export interface Overview {
  tenants: TenantCardCounts[]
  departments: DepartmentCardCounts[]
  by_rule: Record<string, number>
  totals: CardCounts
  oldest: CardBase[]
  trend: TrendPoint[]
  /** Cases with open cards, each once at its highest open rung. */
  case_rungs?: CardCounts
  /** The highest open card of each case at the top of the ladder (red first, oldest first; at most 20). */
  cases?: CardBase[]
  generated_at?: string
}

export interface OverviewScope {
  tenant?: string
  department?: string
}

export type CardEventType = 'card.created' | 'card.updated'

/** One server-sent event of the live stream. */
export interface CardEvent {
  type: CardEventType
  tenant_code: string
  card: Card
}

export const NOTICE_STATUSES = ['sent', 'replied', 'escalated'] as const
export type NoticeStatus = (typeof NOTICE_STATUSES)[number]

/** A supervision notice (督办单) to a department, with its reply. */
export interface Notice {
  id: string
  tenant_code: string
  sender_name: string
  case_id: string | null
  card_id: string | null
  department_id: string
  /** The addressed department's name, resolved by the server. */
  department_name: string
  text: string
  reply_due_at: string
  status: NoticeStatus
  reply_text: string
  replied_at: string | null
  replied_by: string
  escalated_at: string | null
  created_at: string
  /** Not replied and past the reply deadline. */
  overdue: boolean
}

export interface NoticeFilter {
  status?: NoticeStatus | ''
  tenant?: string
}

/** Body of POST /api/v1/supervision/notices: exactly one of case_id and card_id. */
export interface NoticeInput {
  case_id?: string
  card_id?: string
  department_id: string
  text: string
  /** 1–30; the server defaults to 3. */
  reply_working_days?: number
}

/** A case as the notice dialog's case search shows it (a subset of GET /api/v1/cases). */
export interface CaseRef {
  id: string
  tenant_code: string
  tracking_no: string
  power_name: string
  department_id: string
  applicant_name?: string
  status?: string
}

/** POST /api/v1/dev/time-travel's answer. */
export interface TimeTravelResult {
  now: string
  sweep: Record<string, unknown>
}

/** GET /api/v1/dev/clock (dev mode only): the platform clock and how far it has travelled. */
export interface DevClock {
  now: string
  offset_hours: number
  /** Whether time travel can move this clock. */
  movable: boolean
}
