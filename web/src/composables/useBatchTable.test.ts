import { describe, expect, it, vi } from 'vitest'

import { useBatchTable } from './useBatchTable'

vi.mock('./notify', () => ({ showError: vi.fn() }))

interface Row {
  id: string
  name: string
}

/** A server of rows a, b, c (one page) that deletes what it is asked to. */
function server() {
  let rows: Row[] = ['a', 'b', 'c'].map((id) => ({ id, name: `name-${id}` }))
  const fetch = vi.fn(() => Promise.resolve({ rows, total: rows.length }))
  const remove = vi.fn((keys: string[]) => {
    rows = rows.filter((row) => !keys.includes(row.id))
    return Promise.resolve({ code: 200, msg: 'ok', succeed_list: keys, fail_list: [] })
  })
  return { fetch, remove }
}

describe('useBatchTable', () => {
  it('gives the Table its rows, the row selection and the empty text', async () => {
    const { fetch, remove } = server()
    const { table, load, selected } = useBatchTable(
      { fetch, rowKey: 'id', emptyText: () => 'No rows' },
      { key: (row) => row.id, remove },
    )
    await load()
    expect(table.value.dataSource.map((row) => row.id)).toEqual(['a', 'b', 'c'])
    expect(table.value.emptyText).toBe('No rows')
    table.value.rowSelection.onChange(['b'], [{ id: 'b', name: 'name-b' }])
    expect([...selected.value.keys()]).toEqual(['b'])
    expect(table.value.rowSelection.selectedRowKeys).toEqual(['b'])
  })

  it('reloads the page once the picked rows are deleted', async () => {
    const { fetch, remove } = server()
    const { table, load, removeSelected, deleted } = useBatchTable(
      { fetch, rowKey: 'id', emptyText: () => 'No rows' },
      { key: (row) => row.id, name: (row) => row.name, remove },
    )
    await load()
    table.value.rowSelection.onChange(['a', 'c'], [table.value.dataSource[0], undefined])
    await removeSelected()
    expect(remove).toHaveBeenCalledWith(['a', 'c'])
    expect(deleted.value?.succeeded).toEqual(['a', 'c'])
    expect(fetch).toHaveBeenCalledTimes(2)
    expect(table.value.dataSource.map((row) => row.id)).toEqual(['b'])
    expect(table.value.rowSelection.selectedRowKeys).toEqual([])
  })
})
