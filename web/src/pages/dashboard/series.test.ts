import { describe, expect, it } from 'vitest'

import { bucketByRule } from './series'

describe('bucketByRule', () => {
  it('counts each rule per bucket, oldest bucket first', () => {
    const out = bucketByRule(
      [
        { check_item: 'cpu', start: 1000 },
        { check_item: 'cpu', start: 1059 },
        { check_item: 'mem', start: 1060 },
        { check_item: 'cpu', start: 1179 },
      ],
      1180,
      60,
      3,
    )
    expect(out.starts).toEqual([1000, 1060, 1120])
    expect(out.series).toEqual([
      { rule: 'cpu', counts: [2, 0, 1] },
      { rule: 'mem', counts: [0, 1, 0] },
    ])
  })

  it('puts results that began before the window in its first bucket and sorts rules by name', () => {
    const out = bucketByRule(
      [
        { check_item: 'z', start: 10 },
        { check_item: 'a', start: 5000 },
      ],
      200,
      100,
      2,
    )
    expect(out.series).toEqual([
      { rule: 'a', counts: [0, 1] },
      { rule: 'z', counts: [1, 0] },
    ])
  })

  it('gives no series without results', () => {
    expect(bucketByRule([], 100, 10, 4)).toEqual({ starts: [60, 70, 80, 90], series: [] })
  })
})
