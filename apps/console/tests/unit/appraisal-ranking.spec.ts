import { afterEach, describe, expect, it } from 'vitest'
import { DEFAULT_LOCALE, setLocale } from '@/locales'
import {
  defaultGroup,
  figureText,
  indicatorRows,
  publicRows,
  radarOption,
  rankingBarOption,
  rankingRows,
  scoreCategories,
  sortGroups,
  trendOption,
} from '@/views/appraisal/ranking'
import { formatChange, formatPoints, formatRankChange, formatTime, periodLabel, periodOf, previousPeriod } from '@/views/appraisal/labels'
import { runButtons } from '@/views/appraisal/actions'
import { detailText, itemLink } from '@/views/appraisal/items'
import { cleanRule, errorsByPath, weightCheck } from '@/views/appraisal/scheme'
import { CATEGORIES, INDICATORS, RESULTS, runDetail } from './appraisal-fixtures'

afterEach(() => setLocale(DEFAULT_LOCALE))

describe('ranking rows', () => {
  it('keep one group, best first, ties in subject-code order, with the change and the category scores', () => {
    const rows = rankingRows(RESULTS, 'county:410500')
    expect(rows.map((r) => [r.rank, r.key])).toEqual([
      [1, '410581'],
      [2, '410523'],
      [2, '410526'],
    ])
    const linzhou = rows[0]!
    expect(linzhou).toMatchObject({ name: '林州市', score: 91, computed: 89, adjusted: true, scoreChange: 2, rankChange: 1, groupSize: 3 })
    expect(linzhou.categories).toEqual({ timeliness: 12, process: 10, inspection: 14, supervision: -10, bonus: 1 })
    expect(rows[2]).toMatchObject({ scoreChange: -1.25, rankChange: -1 })
    expect(rows[1]).toMatchObject({ scoreChange: null, rankChange: null })
    expect(rankingRows(RESULTS, 'county_department:410581').map((r) => r.key)).toEqual(['410581.ZJJ'])
  })

  it('map public results the same way (no computed score: the score stands for it)', () => {
    const rows = publicRows([
      { subject_key: 'b', subject_name: 'B', score: 70, rank: 2, group_size: 2, score_change: null, rank_change: null, categories: [] },
      { subject_key: 'a', subject_name: 'A', score: 80, rank: 1, group_size: 2, score_change: 3, rank_change: 0, categories: [{ code: 'x', computed: 5, score: 6 }] },
    ])
    expect(rows.map((r) => r.key)).toEqual(['a', 'b'])
    expect(rows[0]).toMatchObject({ computed: 80, adjusted: false, categories: { x: 6 } })
  })

  it('open on the address’s group, else the counties for the city, else the reader’s own county', () => {
    const groups = runDetail().groups
    expect(defaultGroup(groups, 'county_department:410581', '410500')).toBe('county_department:410581')
    expect(defaultGroup(groups, 'county:999999', '410500')).toBe('county:410500')
    expect(defaultGroup(groups, '', '410581')).toBe('county_department:410581')
    expect(defaultGroup([], '', '410500')).toBe('')
    expect(sortGroups(groups).map((g) => g.kind)).toEqual(['county', 'county_department'])
  })
})

describe('charts', () => {
  it('draw ranking bars best on top, adjusted scores in amber, labels with two decimals', () => {
    const option = rankingBarOption(rankingRows(RESULTS, 'county:410500')) as {
      yAxis: { data: string[] }
      series: { data: { value: number; itemStyle: { color: string } }[]; label: { formatter: (p: { value: unknown }) => string } }[]
    }
    // ECharts draws a category axis bottom-up: the last entry is the top bar.
    expect(option.yAxis.data).toEqual(['2. 滑县', '2. 汤阴县', '1. 林州市'])
    expect(option.series[0]!.data.map((d) => d.value)).toEqual([88.5, 88.5, 91])
    expect(option.series[0]!.data.map((d) => d.itemStyle.color)).toEqual(['#409eff', '#409eff', '#e6a23c'])
    expect(option.series[0]!.label.formatter({ value: 88.5 })).toBe('88.50')
  })

  it('draw a radar of the scoring categories only, each axis up to its weight, with the previous period beside', () => {
    const r = RESULTS[1]!
    const option = radarOption(CATEGORIES, r.categories, [{ code: 'timeliness', computed: 7, score: 7 }], '2026年10月') as {
      radar: { indicator: { name: string; max: number }[] }
      series: { data: { name: string; value: number[] }[] }[]
      legend: { data: string[] }
    }
    expect(option.radar.indicator).toEqual([
      { name: '时限执行', max: 14 },
      { name: '流程规范', max: 14 },
      { name: '实地检查', max: 14 },
    ])
    expect(option.series[0]!.data[0]!.value).toEqual([12, 10, 14])
    expect(option.series[0]!.data[1]).toEqual({ name: '2026年10月', value: [7, 0, 0] })
    expect(scoreCategories(CATEGORIES).map((c) => c.code)).toEqual(['timeliness', 'process', 'inspection'])
    setLocale('en')
    const en = radarOption(CATEGORIES, r.categories) as { radar: { indicator: { name: string }[] }; series: { data: unknown[] }[] }
    expect(en.radar.indicator[0]!.name).toBe('Time-limit compliance')
    expect(en.series[0]!.data).toHaveLength(1)
  })

  it('draw the trend oldest first with the rank axis upside down', () => {
    const option = trendOption([
      { period: '2026-11', run_id: 'b', status: 'objection', kind: 'final', score: 91, rank: 1, group_size: 9, categories: [] },
      { period: '2026-10', run_id: 'a', status: 'published', score: 85, rank: 4, group_size: 9, kind: 'final', categories: [] },
    ]) as { xAxis: { data: string[] }; yAxis: { inverse?: boolean; max?: number }[]; series: { data: number[] }[] }
    expect(option.xAxis.data).toEqual(['2026年10月', '2026年11月'])
    expect(option.series[0]!.data).toEqual([85, 91])
    expect(option.series[1]!.data).toEqual([4, 1])
    expect(option.yAxis[1]).toMatchObject({ inverse: true, max: 9 })
  })
})

describe('a subject’s indicators', () => {
  it('follow the scheme’s order, named, with the raw figures in words', () => {
    const rows = indicatorRows(INDICATORS, CATEGORIES, [
      { code: 'red_cards', category: 'supervision', definition: 'card.red', numerator: 2, denominator: 3, count: 2, rate: null, raw: { upheld_appeals: 1, cancelled: 0 }, computed: -20, points: -10, adjusted: true },
      { code: 'on_time', category: 'timeliness', definition: 'case.on_time', numerator: 18, denominator: 20, count: 18, rate: 90, raw: { late: 2 }, computed: 12.6, points: 12.6, adjusted: false },
      { code: 'inspection', category: 'inspection', definition: 'manual.inspection', numerator: 17300, denominator: 20000, count: 2, rate: 86.5, raw: {}, computed: 12.11, points: 12.11, adjusted: false },
    ])
    expect(rows.map((r) => r.code)).toEqual(['on_time', 'inspection', 'red_cards'])
    expect(rows[0]).toMatchObject({ name: '按时办结率', categoryName: '时限执行', raw: [['late', 2]] })
    expect(figureText(rows[0]!)).toBe('18 / 20 (90.00%)')
    expect(figureText(rows[1]!)).toBe('平均 86.50 分（2 份）')
    expect(figureText(rows[2]!)).toBe('2')
    expect(rows[2]).toMatchObject({ computed: -20, points: -10, adjusted: true, raw: [['cancelled', 0], ['upheld_appeals', 1]] })
  })

  it('link each counted object to its page', () => {
    expect(itemLink({ object_type: 'card', object_id: 'k1', detail: {} })).toBe('/supervision/cards/k1')
    expect(itemLink({ object_type: 'case', object_id: 'c1', detail: {} })).toBe('/cases/c1')
    expect(itemLink({ object_type: 'notice', object_id: 'n1', detail: {} })).toBe('/supervision/notices/n1')
    expect(itemLink({ object_type: 'step', object_id: 's1', detail: { case_id: 'c2' } })).toBe('/cases/c2')
    expect(itemLink({ object_type: 'filing', object_id: 'f1', detail: { power_id: 'p1' } })).toBe('/catalogue/p1')
    expect(itemLink({ object_type: 'fault', object_id: 'x', detail: { case_id: null, card_id: 'k9' } })).toBe('/supervision/cards/k9')
    expect(itemLink({ object_type: 'inspection', object_id: 'i', detail: {} })).toBeNull()
    // Facts in words: labels for codes, Beijing time, IDs left out (the link carries them).
    expect(detailText({ rule: 'case_red', status: 'active', case_id: 'c1', decision: '' })).toBe('规则：黄牌后仍未办结；状态：生效；申诉结果：—')
    expect(detailText({ tracking_no: '4105812611', decided_at: '2026-11-20T09:00:00Z', score: 8650 })).toBe('受理编号：4105812611；作出决定：2026-11-20 17:00；得分：86.50')
  })
})

describe('formats', () => {
  it('write points with two decimals, changes signed, ranks with arrows', () => {
    expect(formatPoints(12.5)).toBe('12.50')
    expect(formatPoints(-5)).toBe('-5.00')
    expect(formatPoints(0.1 + 0.2)).toBe('0.30')
    expect(formatChange(1.5)).toBe('+1.50')
    expect(formatChange(-0.25)).toBe('-0.25')
    expect(formatChange(null)).toBe('—')
    expect(formatRankChange(2)).toBe('↑2')
    expect(formatRankChange(-1)).toBe('↓1')
    expect(formatRankChange(0)).toBe('–')
  })

  it('write periods and times as people read them, in Beijing time', () => {
    expect(periodLabel('2026-11')).toBe('2026年11月')
    expect(periodLabel('2026-Q4')).toBe('2026年第4季度')
    expect(periodLabel('2026')).toBe('2026年度')
    expect(previousPeriod('2026-01')).toBe('2025-12')
    expect(previousPeriod('2026-Q1')).toBe('2025-Q4')
    expect(periodOf('quarter', new Date('2026-09-30T17:00:00Z'))).toBe('2026-Q4')
    expect(formatTime('2026-11-30T16:30:00Z')).toBe('2026-12-01 00:30')
    setLocale('en')
    expect(periodLabel('2026-11')).toBe('11/2026')
  })
})

describe('run buttons', () => {
  it('are exactly the allowed actions, in sign-off order; adjust and unknown actions are not run buttons', () => {
    expect(runButtons(['publish', 'adjust', 'approve', 'object', 'something_new']).map((b) => b.action)).toEqual(['object', 'approve', 'publish'])
    expect(runButtons([])).toEqual([])
    expect(runButtons(undefined)).toEqual([])
  })
})

describe('scheme editor model', () => {
  it('sends only the fields a rule type takes', () => {
    expect(cleanRule({ type: 'ratio', max_points: 10, per_item: -1, empty_points: undefined })).toEqual({ type: 'ratio', max_points: 10 })
    expect(cleanRule({ type: 'per_count', per_item: -5, base_points: 0, max_points: 10, threshold_percent: 3 })).toEqual({ type: 'per_count', per_item: -5, base_points: 0, max_points: 10 })
  })

  it('places the server’s field errors on body paths and checks the weights as the server will', () => {
    expect(errorsByPath([{ field: 'body.indicators[2].definition', message: '未登记' }, { field: 'name', message: '必填' }])).toEqual({ 'indicators[2].definition': '未登记', name: '必填' })
    const check = weightCheck({
      subjects: {},
      total_points: 100,
      objection_working_days: 3,
      categories: [
        { code: 'a', name: 'A', kind: 'score', weight: 60 },
        { code: 'b', name: 'B', kind: 'score', weight: 30.5 },
        { code: 'd', name: 'D', kind: 'deduction', weight: 40 },
      ],
      indicators: [
        { code: 'x', category: 'a', definition: 'case.on_time', rule: { type: 'ratio', max_points: 60 } },
        { code: 'y', category: 'b', definition: 'case.step_overrun', rule: { type: 'per_count', per_item: -1, base_points: 30.5 } },
        { code: 'z', category: 'd', definition: 'card.red', rule: { type: 'per_count', per_item: -10 } },
      ],
    })
    expect(check).toEqual({ sum: 90.5, ceilings: { a: 60, b: 30.5 } })
  })
})
