// Appraisal answers as the API gives them (pkg/httpapi/openapi.yaml), for the appraisal specs.
import type { AppraisalResult, AppraisalRunDetail, RunCategory, RunIndicator } from '@/api/appraisal'

export const CATEGORIES: RunCategory[] = [
  { code: 'timeliness', name: '时限执行', name_en: 'Time-limit compliance', kind: 'score', weight: 14 },
  { code: 'process', name: '流程规范', name_en: 'Process conformity', kind: 'score', weight: 14 },
  { code: 'inspection', name: '实地检查', name_en: 'Inspection', kind: 'score', weight: 14 },
  { code: 'supervision', name: '电子监察扣分', name_en: 'E-supervision deductions', kind: 'deduction', weight: 40 },
  { code: 'bonus', name: '提前办结加分', name_en: 'Early-completion bonus', kind: 'bonus', weight: 5 },
]

export const INDICATORS: RunIndicator[] = [
  { code: 'on_time', name: '按时办结率', name_en: '', category: 'timeliness', definition: 'case.on_time', measure: 'rate', manual: false, params: {}, rule: { type: 'ratio', max_points: 14 } },
  { code: 'inspection', name: '实地检查得分', name_en: '', category: 'inspection', definition: 'manual.inspection', measure: 'average', manual: true, params: {}, rule: { type: 'ratio', max_points: 14 } },
  { code: 'red_cards', name: '红牌扣分', name_en: 'Red cards', category: 'supervision', definition: 'card.red', measure: 'count', manual: false, params: {}, rule: { type: 'per_count', per_item: -10 } },
]

export function result(over: Partial<AppraisalResult> & Pick<AppraisalResult, 'subject_key' | 'subject_name' | 'rank' | 'score'>): AppraisalResult {
  return {
    id: `r-${over.subject_key}`,
    subject_kind: 'county',
    subject_code: over.subject_key,
    tenant_code: over.subject_key.slice(0, 6),
    group_key: 'county:410500',
    computed: over.score,
    group_size: 3,
    adjusted: false,
    previous: null,
    score_change: null,
    rank_change: null,
    categories: [
      { code: 'timeliness', computed: 12, score: 12 },
      { code: 'process', computed: 10, score: 10 },
      { code: 'inspection', computed: 14, score: 14 },
      { code: 'supervision', computed: -10, score: -10 },
      { code: 'bonus', computed: 1, score: 1 },
    ],
    ...over,
  }
}

export const RESULTS: AppraisalResult[] = [
  // Out of order on purpose: the page orders by rank, ties by subject code.
  result({ subject_key: '410526', subject_name: '滑县', rank: 2, score: 88.5, score_change: -1.25, rank_change: -1, previous: { period: '2026-10', run_id: 'p', status: 'published', score: 89.75, rank: 1 } }),
  result({ subject_key: '410581', subject_name: '林州市', rank: 1, score: 91, computed: 89, adjusted: true, score_change: 2, rank_change: 1 }),
  result({ subject_key: '410523', subject_name: '汤阴县', rank: 2, score: 88.5 }),
  result({ subject_key: '410581.ZJJ', subject_name: '林州市住建局', subject_kind: 'county_department', group_key: 'county_department:410581', rank: 1, score: 80, group_size: 1 }),
]

export function runDetail(over: Partial<AppraisalRunDetail> = {}): AppraisalRunDetail {
  return {
    id: 'run-1',
    scheme_id: 's-1',
    scheme_name: '安阳市政务服务效能电子监察考核方案',
    version_id: 'v-1',
    version_number: 1,
    period: '2026-11',
    period_kind: 'month',
    period_start: '2026-11-01',
    period_end: '2026-12-01',
    kind: 'final',
    revision: 0,
    revision_of: null,
    revision_reason: '',
    status: 'objection',
    generation: 1,
    as_of: '2026-12-03T01:30:00Z',
    scored_at: '2026-12-03T01:30:05Z',
    results_hash: 'abc123',
    subjects: 4,
    objection_deadline: '2099-12-08T16:00:00Z',
    published_at: null,
    objections_open: 1,
    adjustments: 0,
    allowed_actions: [],
    categories: CATEGORIES,
    indicators: INDICATORS,
    groups: [
      { key: 'county_department:410581', kind: 'county_department', tenant_code: '410581', name: '林州市各部门', size: 1 },
      { key: 'county:410500', kind: 'county', tenant_code: '410500', name: '安阳市各县（市、区）', size: 3 },
    ],
    results: RESULTS,
    ...over,
  }
}
