import { describe, expect, it } from 'vitest'

import type { ChartSeries, ResultData } from '@/api/checks'

import { abnormalPoints, chartWindow, MAX_SPAN, MIN_PAD, nearest } from './chartData'

function series(name: string, index: number, values: [number, number | null][]): ChartSeries {
  return { index, type: 'kpi', name, series: name, samples: values.length, values }
}

describe('chartWindow', () => {
  it('pads a sample result by MIN_PAD on both sides', () => {
    expect(chartWindow(10_000, 10_000, 20_000)).toEqual([10_000 - MIN_PAD, 10_000 + MIN_PAD])
  })
  it('never goes past now', () => {
    expect(chartWindow(10_000, 10_060, 10_100)).toEqual([10_000 - MIN_PAD, 10_100])
  })
  it('pads a long window by its own length, at most a day in all', () => {
    expect(chartWindow(100_000, 103_600, 1e9)).toEqual([96_400, 107_200])
    const [from, to] = chartWindow(100_000, 200_000, 1e9)
    expect(to - from).toBe(MAX_SPAN)
    expect(from + MAX_SPAN / 2).toBe(150_000)
  })
})

describe('abnormal points', () => {
  it('sit on the nearest numeric sample of the $0 series they name', () => {
    const cpu0 = series('c{cpu="0"}', 0, [
      [10, 1],
      [20, null],
      [30, 3],
    ])
    const cpu1 = series('c{cpu="1"}', 0, [[10, 7]])
    expect(nearest(cpu0, 21)).toEqual([30, 3])
    const data: ResultData = {
      data_list: [],
      series_list: [cpu0, cpu1, series('other', 1, [[10, 99]])],
      missing: [],
      abnormal: [
        { start: 12, end: 12, series: 'c{cpu="1"}', reason: 'a' },
        { start: 29, end: 29, series: 'unnamed', reason: 'b' },
      ],
      truncated: false,
    }
    expect(abnormalPoints(data)).toEqual([
      { at: 12, value: 7, reason: 'a' },
      { at: 29, value: 3, reason: 'b' },
    ])
  })
})
