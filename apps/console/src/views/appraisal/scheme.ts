// The scheme editor's model: a body as the API takes it, rules with only the fields their type
// uses, and the server's field errors ("body.indicators[2].rule.max_points") placed on the cell
// they name.
import type { AppraisalBody, AppraisalRule, BodyCategory, BodyIndicator, RuleType } from '@/api/appraisal'
import { hasMessage, translate } from '@/locales'
import { formatPoints } from './labels'

export type RuleField = Exclude<keyof AppraisalRule, 'type'>

/** The fields each rule type takes, in the order the editor shows them; required ones first. */
export const RULE_FIELDS: Record<RuleType, { field: RuleField; required: boolean }[]> = {
  ratio: [
    { field: 'max_points', required: true },
    { field: 'empty_points', required: false },
  ],
  per_count: [
    { field: 'per_item', required: true },
    { field: 'base_points', required: false },
    { field: 'min_points', required: false },
    { field: 'max_points', required: false },
  ],
  steps: [
    { field: 'threshold_percent', required: true },
    { field: 'step_percent', required: true },
    { field: 'points_per_step', required: true },
    { field: 'max_points', required: false },
  ],
}

/** A rule keeping only its type's fields (the server refuses the others) and dropping empty ones. */
export function cleanRule(rule: AppraisalRule): AppraisalRule {
  const out: AppraisalRule = { type: rule.type }
  for (const { field } of RULE_FIELDS[rule.type] ?? []) {
    const v = rule[field]
    if (typeof v === 'number' && Number.isFinite(v)) out[field] = v
  }
  return out
}

/** A body ready to send: trimmed names, cleaned rules, empty params left out. */
export function cleanBody(body: AppraisalBody): AppraisalBody {
  return {
    ...body,
    categories: body.categories.map((c) => ({ ...c, code: c.code.trim(), name: c.name.trim(), name_en: (c.name_en ?? '').trim() })),
    indicators: body.indicators.map((i) => {
      const params: Record<string, string[]> = {}
      for (const [k, v] of Object.entries(i.params ?? {})) if (v.length) params[k] = v
      const out: BodyIndicator = { ...i, code: i.code.trim(), name: (i.name ?? '').trim(), name_en: (i.name_en ?? '').trim(), rule: cleanRule(i.rule) }
      if (Object.keys(params).length) out.params = params
      else delete out.params
      return out
    }),
    review_checklist: (body.review_checklist ?? []).map((c) => ({ item: c.item.trim(), max_points: c.max_points })),
  }
}

export function emptyBody(): AppraisalBody {
  return {
    subjects: { county_departments: true, counties: true, city_departments: true },
    department_filter: 'with_items',
    total_points: 100,
    weights_must_sum: true,
    objection_working_days: 5,
    grace_working_days: 3,
    review_checklist: [],
    categories: [],
    indicators: [],
  }
}

export function newCategory(n: number): BodyCategory {
  return { code: `c${n}`, name: '', name_en: '', kind: 'score', weight: 0 }
}

export function newIndicator(n: number, category: string): BodyIndicator {
  return { code: `i${n}`, name: '', name_en: '', category, definition: '', rule: { type: 'ratio', max_points: 10 } }
}

/** A deep copy the editor may change freely. */
export function copyBody(body: AppraisalBody): AppraisalBody {
  return JSON.parse(JSON.stringify(body)) as AppraisalBody
}

/** The sum of the score categories' weights, and what the indicators of each can reach. */
export function weightCheck(body: AppraisalBody): { sum: number; ceilings: Record<string, number> } {
  const cents = (v: number | undefined) => Math.round((v ?? 0) * 100)
  let sum = 0
  const ceilings: Record<string, number> = {}
  for (const c of body.categories) if (c.kind === 'score') sum += cents(c.weight)
  for (const i of body.indicators) {
    const cat = body.categories.find((c) => c.code === i.category)
    if (!cat || cat.kind !== 'score') continue
    const r = i.rule
    const ceiling = r.type === 'per_count' ? (r.max_points ?? r.base_points ?? 0) : (r.max_points ?? 0)
    ceilings[cat.code] = (ceilings[cat.code] ?? 0) + cents(ceiling)
  }
  for (const k of Object.keys(ceilings)) ceilings[k] = ceilings[k]! / 100
  return { sum: sum / 100, ceilings }
}

/**
 * The server's field errors by path relative to the body ("indicators[2].rule.max_points"), so a
 * cell can ask for its own; errors outside the body ("name") keep their path.
 */
export function errorsByPath(errors: readonly { field: string; message: string }[]): Record<string, string> {
  const out: Record<string, string> = {}
  for (const e of errors) {
    const path = e.field.startsWith('body.') ? e.field.slice(5) : e.field
    if (!(path in out)) out[path] = e.message
  }
  return out
}

/** Errors under a row ("indicators[2]"): every message of its fields, for the row's own line. */
export function rowErrors(errors: Record<string, string>, prefix: string): string[] {
  return Object.entries(errors)
    .filter(([k]) => k === prefix || k.startsWith(`${prefix}.`))
    .map(([k, v]) => `${fieldLabel(k.slice(prefix.length + 1))}${v}`)
}

function fieldLabel(path: string): string {
  if (!path) return ''
  const last = path.replace(/\[\d+\]/g, '').split('.').pop() ?? ''
  const key = `appraisal.field.${last}`
  return /^[a-z_]+$/.test(last) && hasMessage(key) ? `${translate(key)}：` : `${path}：`
}

/** "满分 10 × 比率" … — a rule in words. */
export function ruleText(rule: AppraisalRule): string {
  const p = (v: number | undefined) => (v === undefined ? '' : formatPoints(v))
  switch (rule.type) {
    case 'ratio':
      return translate('appraisal.ruleText.ratio', { max: p(rule.max_points), empty: p(rule.empty_points ?? rule.max_points) })
    case 'per_count':
      return translate('appraisal.ruleText.perCount', {
        base: p(rule.base_points ?? 0),
        per: p(rule.per_item),
        min: rule.min_points === undefined ? '—' : p(rule.min_points),
        max: p(rule.max_points ?? rule.base_points ?? 0),
      })
    case 'steps':
      return translate('appraisal.ruleText.steps', {
        threshold: p(rule.threshold_percent),
        step: p(rule.step_percent),
        points: p(rule.points_per_step),
        max: rule.max_points === undefined ? '—' : p(rule.max_points),
      })
    default:
      return String((rule as { type?: string }).type ?? '')
  }
}
