import { describe, expect, it } from 'vitest'

import type { ReportNode } from '@/api/diagnosis'

import { VALUE_COLOURS, flatten, truthOf } from './truth'

describe('truth', () => {
  it('names the three values, null and a missing value being unknown', () => {
    expect([true, false, null, undefined].map(truthOf)).toEqual([
      'true',
      'false',
      'unknown',
      'unknown',
    ])
    expect(new Set(Object.values(VALUE_COLOURS)).size).toBe(3)
  })

  it('lists the nodes depth first with their depth', () => {
    const leaf = (name: string, value: boolean | null): ReportNode => ({
      'node name': name,
      'check item': name,
      value,
    })
    const root: ReportNode = {
      'node name': 'root',
      value: true,
      children: [{ 'node name': 'a', value: true, children: [leaf('a1', true)] }, leaf('b', null)],
    }
    expect(flatten(root).map((row) => [row.node['node name'], row.depth, row.key])).toEqual([
      ['root', 0, 'n'],
      ['a', 1, 'n/0'],
      ['a1', 2, 'n/0/0'],
      ['b', 1, 'n/1'],
    ])
  })
})
