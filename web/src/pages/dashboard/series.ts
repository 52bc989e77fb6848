/** Abnormal results per rule per time bucket: the dashboard chart's series (pure). */

export interface Timed {
  check_item: string
  start: number
}

export interface RuleSeries {
  rule: string
  /** One count per bucket, oldest first. */
  counts: number[]
}

export interface Buckets {
  /** Start of each bucket (seconds), oldest first. */
  starts: number[]
  series: RuleSeries[]
}

/**
 * Count `results` per rule in `count` buckets of `size` seconds ending at `to`. A result is
 * counted in the bucket of its start; one that began before the window (it overlaps it, which
 * is why the server returned it) counts in the first bucket. Rules are sorted by name so that
 * their colours stay the same from one load to the next.
 */
export function bucketByRule(
  results: readonly Timed[],
  to: number,
  size: number,
  count: number,
): Buckets {
  const from = to - size * count
  const starts = Array.from({ length: count }, (_, i) => from + i * size)
  const byRule = new Map<string, number[]>()
  for (const result of results) {
    let counts = byRule.get(result.check_item)
    if (!counts) {
      counts = new Array<number>(count).fill(0)
      byRule.set(result.check_item, counts)
    }
    const index = Math.min(count - 1, Math.max(0, Math.floor((result.start - from) / size)))
    counts[index] = (counts[index] ?? 0) + 1
  }
  const series = [...byRule.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([rule, counts]) => ({ rule, counts }))
  return { starts, series }
}
