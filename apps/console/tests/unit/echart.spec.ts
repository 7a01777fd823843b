import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { mount } from '@vue/test-utils'
import { nextTick, reactive } from 'vue'

const chart = { setOption: vi.fn(), resize: vi.fn(), dispose: vi.fn() }
const init = vi.fn((..._args: unknown[]) => chart)
vi.mock('@/components/echarts', () => ({ init: (...args: unknown[]) => init(...args) }))

let observed: Element[] = []
let disconnected = 0
let fire: () => void = () => {}
class FakeResizeObserver {
  constructor(cb: () => void) {
    fire = cb
  }
  observe(el: Element) {
    observed.push(el)
  }
  disconnect() {
    disconnected++
  }
}

const { default: EChart } = await import('@/components/EChart.vue')

describe('EChart', () => {
  beforeEach(() => {
    vi.stubGlobal('ResizeObserver', FakeResizeObserver)
    observed = []
    disconnected = 0
    init.mockClear()
    chart.setOption.mockClear()
    chart.resize.mockClear()
    chart.dispose.mockClear()
  })
  afterEach(() => vi.unstubAllGlobals())

  const option = { xAxis: { type: 'category' as const, data: ['a'] }, yAxis: {}, series: [{ type: 'bar' as const, data: [1] }] }

  it('creates the chart on its own element with the given option', () => {
    const w = mount(EChart, { props: { option, height: '240px', ariaLabel: '办件量' } })
    expect(init).toHaveBeenCalledTimes(1)
    expect(init.mock.calls[0]![0]).toBe(w.element)
    expect(init.mock.calls[0]![2]).toMatchObject({ renderer: 'canvas', locale: 'ZH' })
    expect(chart.setOption).toHaveBeenCalledWith(option, true)
    expect((w.element as HTMLElement).style.height).toBe('240px')
    expect(w.attributes('aria-label')).toBe('办件量')
    expect(w.attributes('role')).toBe('img')
    w.unmount()
  })

  it('replaces the option when the prop changes (also deep changes)', async () => {
    const w = mount(EChart, { props: { option } })
    // Parents pass reactive state, so in-place edits are seen too.
    const next = reactive({ ...option, series: [{ type: 'line' as const, data: [3] }] })
    await w.setProps({ option: next })
    expect(chart.setOption).toHaveBeenLastCalledWith(next, true)
    next.series[0]!.data.push(4)
    await nextTick()
    expect(chart.setOption).toHaveBeenCalledTimes(3)
    w.unmount()
  })

  it('resizes with its container and disposes on unmount', () => {
    const w = mount(EChart, { props: { option } })
    expect(observed).toEqual([w.element])
    fire()
    expect(chart.resize).toHaveBeenCalledTimes(1)
    w.unmount()
    expect(disconnected).toBe(1)
    expect(chart.dispose).toHaveBeenCalledTimes(1)
  })

  it('falls back to window resize events without ResizeObserver', () => {
    vi.stubGlobal('ResizeObserver', undefined)
    const w = mount(EChart, { props: { option } })
    window.dispatchEvent(new Event('resize'))
    expect(chart.resize).toHaveBeenCalledTimes(1)
    w.unmount()
    window.dispatchEvent(new Event('resize'))
    expect(chart.resize).toHaveBeenCalledTimes(1)
  })
})
