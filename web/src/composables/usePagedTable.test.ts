import { beforeEach, describe, expect, it, vi } from 'vitest'

import { showError } from './notify'
import { usePagedTable, type Page, type PageQuery } from './usePagedTable'

vi.mock('./notify', () => ({ showError: vi.fn() }))

type Key = 'name' | 'count'

/** A server of `total` rows named row1..rowN: answers each query with its page. */
function server(total: number) {
  const queries: PageQuery<Key>[] = []
  const fetch = vi.fn((query: PageQuery<Key>): Promise<Page<string>> => {
    queries.push(query)
    const first = (query.page - 1) * query.per_page
    const rows = Array.from({ length: total }, (_, i) => `row${i + 1}`).slice(
      first,
      first + query.per_page,
    )
    return Promise.resolve({ rows, total })
  })
  return { fetch, queries }
}

/** The columns of a table of names: `name` and `count` the server sorts by, `note` it does not. */
const columns = () => [
  { key: 'name', title: 'Name' },
  { key: 'count', title: 'Count' },
  { key: 'note', title: 'Note' },
]
const rowKey = (row: string) => row

/** How the table's columns show the order, by key. */
function orders(table: { columns: { key?: unknown; sortOrder?: unknown; sorter?: unknown }[] }) {
  return Object.fromEntries(
    table.columns.map((column) => [String(column.key), column.sorter ? column.sortOrder : 'none']),
  )
}

/** A promise settled from outside: an answer that arrives when the test says. */
function deferred<T>() {
  let resolve!: (value: T) => void
  const promise = new Promise<T>((done) => (resolve = done))
  return { promise, resolve }
}

beforeEach(() => {
  vi.mocked(showError).mockClear()
})

describe('usePagedTable', () => {
  it('asks for the first page in the initial order and shows it', async () => {
    const { fetch, queries } = server(25)
    const paged = usePagedTable({
      fetch,
      columns,
      rowKey,
      pageSize: 10,
      sortKeys: ['name', 'count'],
    })
    await paged.load()
    expect(queries).toEqual([{ page: 1, per_page: 10, sort: 'name', direction: 'asc' }])
    expect(paged.rows.value).toHaveLength(10)
    expect(paged.table.value.pagination).toMatchObject({ current: 1, pageSize: 10, total: 25 })
    expect(paged.table.value.loading).toBe(false)
    expect(paged.table.value.rowKey).toBe(rowKey)
    expect(orders(paged.table.value)).toEqual({ name: 'ascend', count: null, note: 'none' })
  })

  it('sends no sort when the server sorts on its own', async () => {
    const { fetch, queries } = server(3)
    await usePagedTable({ fetch, columns, rowKey }).load()
    expect(queries).toEqual([{ page: 1, per_page: 10 }])
  })

  it('follows the table: page, page size and a sortable column', async () => {
    const { fetch, queries } = server(100)
    const paged = usePagedTable({ fetch, columns, rowKey, sortKeys: ['name', 'count'] })
    paged.table.value.onChange(
      { current: 3, pageSize: 20 },
      {},
      { columnKey: 'count', order: 'descend' },
    )
    await vi.waitFor(() => expect(queries).toHaveLength(1))
    expect(queries[0]).toEqual({ page: 3, per_page: 20, sort: 'count', direction: 'desc' })
    expect(orders(paged.table.value)).toEqual({ name: null, count: 'descend', note: 'none' })
  })

  it('goes back to the initial order for a column the server cannot sort or no order', async () => {
    const { fetch, queries } = server(100)
    const paged = usePagedTable({ fetch, columns, rowKey, sortKeys: ['name', 'count'] })
    paged.table.value.onChange({ current: 1 }, {}, { columnKey: 'other', order: 'descend' })
    paged.table.value.onChange({ current: 1 }, {}, [{ columnKey: 'count', order: undefined }])
    await vi.waitFor(() => expect(queries).toHaveLength(2))
    for (const query of queries) expect(query).toMatchObject({ sort: 'name', direction: 'asc' })
    expect(orders(paged.table.value)).toEqual({ name: 'ascend', count: null, note: 'none' })
  })

  it('goes to the page that is now last when the shown one has emptied', async () => {
    const { fetch, queries } = server(21)
    const paged = usePagedTable({ fetch, columns, rowKey })
    paged.paging.current = 5
    await paged.load()
    expect(queries.map((query) => query.page)).toEqual([5, 3])
    expect(paged.rows.value).toEqual(['row21'])
    expect(paged.paging.current).toBe(3)
  })

  it('shows only the latest answer when an earlier one arrives late', async () => {
    const slow = deferred<Page<string>>()
    const fetch = vi
      .fn<(query: PageQuery) => Promise<Page<string>>>()
      .mockReturnValueOnce(slow.promise)
      .mockResolvedValueOnce({ rows: ['new'], total: 1 })
    const paged = usePagedTable({ fetch, columns, rowKey })
    const first = paged.load()
    await paged.reload()
    slow.resolve({ rows: ['old'], total: 1 })
    await first
    expect(paged.rows.value).toEqual(['new'])
    expect(paged.loading.value).toBe(false)
  })

  it('shows a failure and keeps the rows; a quiet load shows none', async () => {
    const fetch = vi
      .fn<(query: PageQuery) => Promise<Page<string>>>()
      .mockResolvedValueOnce({ rows: ['a'], total: 1 })
      .mockRejectedValue(new Error('down'))
    const paged = usePagedTable({ fetch, columns, rowKey })
    await paged.load()
    await paged.load()
    expect(showError).toHaveBeenCalledTimes(1)
    expect(paged.rows.value).toEqual(['a'])
    await paged.load({ quiet: true })
    expect(showError).toHaveBeenCalledTimes(1)
    expect(paged.loading.value).toBe(false)
  })

  it('hands each shown page to `loaded`', async () => {
    const { fetch } = server(2)
    const loaded = vi.fn()
    await usePagedTable({ fetch, columns, rowKey, loaded }).load()
    expect(loaded).toHaveBeenCalledWith(['row1', 'row2'])
  })

  it('hands a ListTable its text without rows, when it has one', () => {
    const { fetch } = server(0)
    const said = usePagedTable({ fetch, columns, rowKey, emptyText: () => 'No rows' })
    expect(said.table.value.emptyText).toBe('No rows')
    expect(usePagedTable({ fetch, columns, rowKey }).table.value).not.toHaveProperty('emptyText')
  })

  it('offers page sizes with a total text, or hides the pager of a single page', () => {
    const { fetch } = server(0)
    const chosen = usePagedTable({
      fetch,
      columns,
      rowKey,
      sizes: [10, 20],
      totalText: (n) => `${n} rows`,
    })
    expect(chosen.table.value.pagination).toMatchObject({
      showSizeChanger: true,
      pageSizeOptions: ['10', '20'],
      hideOnSinglePage: false,
    })
    expect(chosen.table.value.pagination.showTotal?.(3)).toBe('3 rows')
    const fixed = usePagedTable({ fetch, columns, rowKey })
    expect(fixed.table.value.pagination).toMatchObject({
      showSizeChanger: false,
      hideOnSinglePage: true,
    })
  })

  it('follows a PlainTable and its pager: order on the same page, then a page and its size', async () => {
    const { fetch, queries } = server(100)
    const paged = usePagedTable({ fetch, rowKey, sortKeys: ['name', 'count'] })
    expect(paged.sort.value).toEqual({ key: 'name', direction: 'asc' })
    await paged.goTo(3)
    await paged.sortBy({ key: 'count', direction: 'desc' })
    expect(paged.sort.value).toEqual({ key: 'count', direction: 'desc' })
    await paged.goTo(2, 50)
    expect(queries).toEqual([
      { page: 3, per_page: 10, sort: 'name', direction: 'asc' },
      { page: 3, per_page: 10, sort: 'count', direction: 'desc' },
      { page: 2, per_page: 50, sort: 'count', direction: 'desc' },
    ])
    expect(paged.rows.value[0]).toBe('row51')
  })

  it('goes back to the initial order when a PlainTable asks for none or an unknown column', async () => {
    const { fetch, queries } = server(100)
    const paged = usePagedTable({ fetch, rowKey, sortKeys: ['name', 'count'] })
    await paged.sortBy({ key: 'count', direction: 'desc' })
    await paged.sortBy(null)
    await paged.sortBy({ key: 'note', direction: 'desc' })
    expect(queries.slice(1)).toEqual([
      { page: 1, per_page: 10, sort: 'name', direction: 'asc' },
      { page: 1, per_page: 10, sort: 'name', direction: 'asc' },
    ])
    expect(paged.sort.value).toEqual({ key: 'name', direction: 'asc' })
    expect(usePagedTable({ fetch, rowKey }).sort.value).toBeNull()
  })
})
