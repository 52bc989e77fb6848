/**
 * The window a result is charted over and where its abnormal points sit on the chart: pure
 * logic, kept out of the component so that it is tested alone.
 */
import type { ChartSeries, ResultData } from '@/api/checks'

/** The scheduler reads at most a day (`/check/result/data`). */
export const MAX_SPAN = 24 * 3600
/** At least this much before and after a result, so that what led to it is seen. */
export const MIN_PAD = 15 * 60

/**
 * The result's window with as much again before and after it (at least MIN_PAD), never past
 * `now` and never wider than MAX_SPAN (centred on the result when it is that long).
 */
export function chartWindow(start: number, end: number, now: number): [number, number] {
  const pad = Math.max(MIN_PAD, end - start)
  let from = Math.floor(start - pad)
  let to = Math.ceil(Math.min(now, end + pad))
  if (to - from > MAX_SPAN) {
    const middle = (start + end) / 2
    from = Math.floor(middle - MAX_SPAN / 2)
    to = Math.min(Math.ceil(now), from + MAX_SPAN)
  }
  return [Math.max(0, from), Math.max(0, to)]
}

/** The sample of `series` closest in time to `at` that has a number, or null. */
export function nearest(series: ChartSeries, at: number): [number, number] | null {
  let best: [number, number] | null = null
  for (const [ts, value] of series.values) {
    if (typeof value !== 'number') continue
    if (best === null || Math.abs(ts - at) < Math.abs(best[0] - at)) best = [ts, value]
  }
  return best
}

/** Each abnormal result as a point on the `$0` series it names (the first `$0` when unnamed). */
export function abnormalPoints(data: ResultData): { at: number; value: number; reason: string }[] {
  const mains = data.series_list.filter((s) => s.index === 0 && s.type === 'kpi')
  const points: { at: number; value: number; reason: string }[] = []
  for (const mark of data.abnormal) {
    const series = mains.find((s) => s.series === mark.series) ?? mains[0]
    const found = series ? nearest(series, mark.start) : null
    if (found) points.push({ at: mark.start, value: found[1], reason: mark.reason })
  }
  return points
}
