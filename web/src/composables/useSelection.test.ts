import { describe, expect, it, vi } from 'vitest'

import { ApiError } from '@/api/client'

import { useBatchDelete, useRowSelection } from './useSelection'

interface Row {
  id: string
  name: string
}
const row = (id: string): Row => ({ id, name: `name-${id}` })

describe('useRowSelection', () => {
  it('keeps the names of rows picked on a page left since', () => {
    const { selected, rowSelection } = useRowSelection<Row>({
      key: (r) => r.id,
      name: (r) => r.name,
    })
    rowSelection.value.onChange(['a'], [row('a')])
    // Page 2: the table sends the row of page 1 as undefined.
    rowSelection.value.onChange(['a', 'b'], [undefined, row('b')])
    expect([...selected.value]).toEqual([
      ['a', 'name-a'],
      ['b', 'name-b'],
    ])
    expect(rowSelection.value.selectedRowKeys).toEqual(['a', 'b'])
    rowSelection.value.onChange(['b'], [row('b')])
    expect([...selected.value.keys()]).toEqual(['b'])
  })

  it('names a row by its key when no name is given', () => {
    const { selected, rowSelection } = useRowSelection<Row>({ key: (r) => r.id })
    rowSelection.value.onChange(['a'], [row('a')])
    expect(selected.value.get('a')).toBe('a')
  })
})

describe('useRowSelection pick (PlainTable)', () => {
  it('picks and unpicks the given rows and leaves the others', () => {
    const { selected, pick } = useRowSelection<Row>({ key: (r) => r.id, name: (r) => r.name })
    pick([row('a'), row('b')], true)
    pick([row('c')], true)
    pick([row('a'), row('x')], false)
    expect([...selected.value]).toEqual([
      ['b', 'name-b'],
      ['c', 'name-c'],
    ])
  })

  it('keeps the rows of a page left since when the header picks the shown ones', () => {
    const { selected, pick } = useRowSelection<Row>({ key: (r) => r.id, name: (r) => r.name })
    pick([row('a')], true) // page 1
    pick([row('b'), row('c')], true) // page 2, its header
    pick([row('b'), row('c')], false)
    expect([...selected.value.keys()]).toEqual(['a'])
  })
})

describe('useBatchDelete', () => {
  it('deletes the picked keys, names the failures and clears the pick', async () => {
    const remove = vi.fn().mockResolvedValue({
      code: 200,
      msg: 'ok',
      succeed_list: ['a'],
      fail_list: ['b'],
    })
    const before = vi.fn()
    const after = vi.fn().mockResolvedValue(undefined)
    const batch = useBatchDelete<Row>({
      key: (r) => r.id,
      name: (r) => r.name,
      remove,
      before,
      after,
    })
    batch.rowSelection.value.onChange(['a', 'b'], [row('a'), row('b')])
    await batch.removeSelected()
    expect(remove).toHaveBeenCalledWith(['a', 'b'])
    expect(before).toHaveBeenCalledOnce()
    expect(after).toHaveBeenCalledOnce()
    expect(batch.deleted.value?.succeeded).toEqual(['a'])
    expect(batch.deleted.value?.failed.map((entry) => entry.item)).toEqual(['name-b'])
    expect(batch.selected.value.size).toBe(0)
  })

  it('shows nothing and keeps the pick when the session ended', async () => {
    const ended = new ApiError('session ended', 401, null)
    ended.sessionEnded = true
    const after = vi.fn()
    const batch = useBatchDelete<Row>({
      key: (r) => r.id,
      remove: () => Promise.reject(ended),
      after,
    })
    batch.rowSelection.value.onChange(['a'], [row('a')])
    await batch.removeSelected()
    expect(batch.deleted.value).toBeNull()
    expect(after).not.toHaveBeenCalled()
  })
})
