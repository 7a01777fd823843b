// The data behind the ranking page, its charts and the printed report — pure functions of the API's
// answers, so that what the table, the charts and the paper say is tested once.
import type { ChartOption } from '@/components/echarts'
import type {
  AppraisalResult,
  AppraisalTrendPoint,
  CategoryScore,
  PublicResult,
  RankingGroup,
  ResultIndicator,
  RunCategory,
  RunIndicator,
} from '@/api/appraisal'
import { translate } from '@/locales'
import { categoryName, formatPoints, indicatorName, periodLabel } from './labels'

/** One row of a ranking table. */
export interface RankingRow {
  key: string
  name: string
  rank: number
  groupSize: number
  score: number
  computed: number
  adjusted: boolean
  scoreChange: number | null
  rankChange: number | null
  /** Category code → score, for the table's category columns. */
  categories: Record<string, number>
}

type AnyResult = Pick<AppraisalResult, 'subject_key' | 'subject_name' | 'score' | 'rank' | 'group_size' | 'score_change' | 'rank_change' | 'categories'> &
  Partial<Pick<AppraisalResult, 'computed' | 'adjusted' | 'subject_code' | 'group_key'>>

function toRow(r: AnyResult): RankingRow {
  const categories: Record<string, number> = {}
  for (const c of r.categories ?? []) categories[c.code] = c.score
  return {
    key: r.subject_key,
    name: r.subject_name,
    rank: r.rank,
    groupSize: r.group_size,
    score: r.score,
    computed: r.computed ?? r.score,
    adjusted: r.adjusted ?? false,
    scoreChange: r.score_change,
    rankChange: r.rank_change,
    categories,
  }
}

/** Rank first; ties (they share a rank) in subject-code order, as the server ranks them. */
function byRank(a: AnyResult, b: AnyResult): number {
  if (a.rank !== b.rank) return a.rank - b.rank
  const ak = a.subject_code ?? a.subject_key
  const bk = b.subject_code ?? b.subject_key
  return ak < bk ? -1 : ak > bk ? 1 : 0
}

/** The rows of one ranking (a group of the run), best first. */
export function rankingRows(results: readonly AppraisalResult[], groupKey: string): RankingRow[] {
  return results
    .filter((r) => r.group_key === groupKey)
    .slice()
    .sort(byRank)
    .map(toRow)
}

/** The rows of a public ranking, best first. */
export function publicRows(results: readonly PublicResult[]): RankingRow[] {
  return results.slice().sort(byRank).map(toRow)
}

/**
 * The ranking a page opens on: the one named in the address when the run has it; else, for a city
 * reader, the counties across the city; else the reader's own county's departments; else the first.
 */
export function defaultGroup(groups: readonly RankingGroup[], wanted: string, ownTenant: string): string {
  if (wanted && groups.some((g) => g.key === wanted)) return wanted
  const order = [`county:${ownTenant}`, `county_department:${ownTenant}`, `city_department:${ownTenant}`]
  for (const k of order) if (groups.some((g) => g.key === k)) return k
  return groups[0]?.key ?? ''
}

/** Order of the ranking kinds in the group picker. */
const KIND_ORDER: Record<string, number> = { county: 0, city_department: 1, county_department: 2 }

export function sortGroups(groups: readonly RankingGroup[]): RankingGroup[] {
  return groups.slice().sort((a, b) => (KIND_ORDER[a.kind] ?? 9) - (KIND_ORDER[b.kind] ?? 9) || a.tenant_code.localeCompare(b.tenant_code))
}

/** Categories that score (the radar's axes and the table's category columns come from them). */
export function scoreCategories(categories: readonly RunCategory[]): RunCategory[] {
  return categories.filter((c) => c.kind === 'score' && c.weight > 0)
}

const BAR = '#409eff'
const BAR_ADJUSTED = '#e6a23c'

/**
 * Horizontal ranking bars, the best at the top. Adjusted scores are amber so that a changed
 * number stands out on the chart as it does in the table.
 */
export function rankingBarOption(rows: readonly RankingRow[], title = ''): ChartOption {
  // ECharts draws a category axis bottom-up: reverse so rank 1 is the top bar.
  const ordered = rows.slice().reverse()
  return {
    aria: { enabled: true },
    title: title ? { text: title, left: 'center', textStyle: { fontSize: 14 } } : undefined,
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
    grid: { left: 8, right: 48, top: title ? 36 : 8, bottom: 8 },
    xAxis: { type: 'value', name: translate('appraisal.chart.score') },
    yAxis: { type: 'category', data: ordered.map((r) => `${r.rank}. ${r.name}`), axisLabel: { width: 160, overflow: 'truncate' } },
    series: [
      {
        type: 'bar',
        name: translate('appraisal.chart.score'),
        data: ordered.map((r) => ({ value: r.score, itemStyle: { color: r.adjusted ? BAR_ADJUSTED : BAR } })),
        label: { show: true, position: 'right', formatter: (p: { value: unknown }) => formatPoints(Number(p.value)) },
        barMaxWidth: 22,
      },
    ],
  }
}

/** Chart height for a ranking: enough room per bar. */
export function rankingChartHeight(rows: number): string {
  return `${Math.max(180, rows * 28 + 60)}px`
}

/** Score (left axis) and rank (right axis, 1 at the top) over the periods, oldest first. */
export function trendOption(points: readonly AppraisalTrendPoint[]): ChartOption {
  const sorted = points.slice().sort((a, b) => (a.period < b.period ? -1 : a.period > b.period ? 1 : 0))
  const maxRank = Math.max(1, ...sorted.map((p) => p.group_size))
  return {
    aria: { enabled: true },
    tooltip: { trigger: 'axis' },
    legend: { data: [translate('appraisal.chart.score'), translate('appraisal.chart.rank')], top: 0 },
    grid: { left: 8, right: 8, top: 36, bottom: 8 },
    xAxis: { type: 'category', data: sorted.map((p) => periodLabel(p.period)) },
    yAxis: [
      { type: 'value', name: translate('appraisal.chart.score'), scale: true },
      { type: 'value', name: translate('appraisal.chart.rank'), inverse: true, min: 1, max: maxRank, minInterval: 1 },
    ],
    series: [
      { type: 'line', name: translate('appraisal.chart.score'), data: sorted.map((p) => p.score), yAxisIndex: 0, symbolSize: 8 },
      { type: 'line', name: translate('appraisal.chart.rank'), data: sorted.map((p) => p.rank), yAxisIndex: 1, symbolSize: 8, lineStyle: { type: 'dashed' } },
    ],
  }
}

/** A radar of the scoring categories: each axis runs to the category's weight. */
export function radarOption(categories: readonly RunCategory[], scores: readonly CategoryScore[], compare?: readonly CategoryScore[], compareName = ''): ChartOption {
  const cats = scoreCategories(categories)
  const value = (list: readonly CategoryScore[]) => cats.map((c) => list.find((s) => s.code === c.code)?.score ?? 0)
  const data = [{ name: translate('appraisal.chart.thisPeriod'), value: value(scores) }]
  if (compare && compare.length) data.push({ name: compareName || translate('appraisal.chart.previous'), value: value(compare) })
  return {
    aria: { enabled: true },
    tooltip: {},
    legend: { data: data.map((d) => d.name), bottom: 0 },
    radar: { indicator: cats.map((c) => ({ name: categoryName(c), max: c.weight })), radius: '62%' },
    series: [{ type: 'radar', data, areaStyle: { opacity: 0.15 } }],
  }
}

/** One indicator row of a subject's detail: what was counted and what it scored. */
export interface IndicatorRow {
  code: string
  name: string
  category: string
  categoryName: string
  definition: string
  measure: string
  manual: boolean
  numerator: number
  denominator: number
  count: number
  rate: number | null
  raw: [string, number][]
  computed: number
  points: number
  adjusted: boolean
}

/** The subject's indicators in the scheme's order, named, with their figures. */
export function indicatorRows(indicators: readonly RunIndicator[], categories: readonly RunCategory[], figures: readonly ResultIndicator[]): IndicatorRow[] {
  const out: IndicatorRow[] = []
  for (const ind of indicators) {
    const f = figures.find((x) => x.code === ind.code)
    if (!f) continue
    out.push({
      code: ind.code,
      name: indicatorName(ind),
      category: ind.category,
      categoryName: categoryName(categories.find((c) => c.code === ind.category), ind.category),
      definition: ind.definition,
      measure: String(ind.measure ?? ''),
      manual: ind.manual,
      numerator: f.numerator,
      denominator: f.denominator,
      count: f.count,
      rate: f.rate,
      raw: Object.entries(f.raw ?? {}).sort(([a], [b]) => a.localeCompare(b)),
      computed: f.computed,
      points: f.points,
      adjusted: f.adjusted,
    })
  }
  return out
}

/** "18 / 20 (90.00%)" for a rate, "3" for a count, "86.50" for an average — the raw figure in words. */
export function figureText(row: Pick<IndicatorRow, 'measure' | 'numerator' | 'denominator' | 'count' | 'rate'>): string {
  if (row.measure === 'rate') {
    // Nothing to count (0 / 0): no rate to show.
    return row.rate === null || !row.denominator ? `${row.numerator} / ${row.denominator}` : `${row.numerator} / ${row.denominator} (${formatPoints(row.rate)}%)`
  }
  if (row.measure === 'average') {
    // numerator: the sum of scores in hundredths; denominator: 100 points (in hundredths) per item.
    if (!row.denominator) return translate('appraisal.figure.none')
    return translate('appraisal.figure.average', { avg: formatPoints((row.numerator / row.denominator) * 100), n: row.count })
  }
  return String(row.count)
}
