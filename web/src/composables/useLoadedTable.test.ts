import { beforeEach, describe, expect, it, vi } from 'vitest'

import { showError } from './notify'
import { useLoadedTable } from './useLoadedTable'

vi.mock('./notify', () => ({ showError: vi.fn() }))

interface Domain {
  domainName: string
}

const columns = () => [{ key: 'domainName', dataIndex: 'domainName', title: 'Name' }]

beforeEach(() => {
  vi.mocked(showError).mockClear()
})

describe('useLoadedTable', () => {
  it('gives the Table all the rows, unpaged, with a spinner while they load', async () => {
    let answer!: (rows: Domain[]) => void
    const { table, load } = useLoadedTable<Domain>({
      fetch: () => new Promise((done) => (answer = done)),
      columns,
      rowKey: 'domainName',
    })
    const loaded = load()
    expect(table.value.loading).toBe(true)
    answer([{ domainName: 'web' }])
    await loaded
    expect(table.value).toEqual({
      columns: columns(),
      dataSource: [{ domainName: 'web' }],
      loading: false,
      rowKey: 'domainName',
      pagination: false,
    })
  })

  it('shows a failure and keeps the rows it had', async () => {
    const fetch = vi.fn(() => Promise.resolve([{ domainName: 'web' }]))
    const { rows, load } = useLoadedTable<Domain>({ fetch, columns, rowKey: 'domainName' })
    await load()
    fetch.mockRejectedValueOnce(new Error('down'))
    await load()
    expect(rows.value).toEqual([{ domainName: 'web' }])
    expect(showError).toHaveBeenCalledOnce()
  })
})
