/**
 * A table the server pages (and sorts): the hosts, host groups, rules, results, diagnosis tasks
 * and reports all show one page of rows at a time, so a fleet of 10,000 hosts costs one page.
 *
 *   const { rows, table, reload } = usePagedTable({
 *     fetch: async (query) => { const r = await getHosts({ ...query, ...filters }); return { rows: r.host_infos, total: r.total_count } },
 *     columns: () => [{ key: 'host_name', dataIndex: 'host_name', title: t('hosts.name') }, ...],
 *     rowKey: 'host_id',
 *     pageSize: 20,
 *     sizes: [10, 20, 50],
 *     sortKeys: ['host_name', 'host_group_name'], // the first is the default, ascending
 *   })
 *   <Table v-bind="table" size="middle" />
 *
 * What every such table did on its own, once here:
 * - only the latest request's answer is shown (a slow earlier one arriving late is dropped);
 * - a page left empty (its rows deleted, here or elsewhere) goes to the page that is now last;
 * - a failure is shown (the server's message) and the rows stay as they were;
 * - the table's change event (page, page size, sort order) asks for that page, sorted;
 * - the columns the server sorts by show the order it was asked for.
 *
 * The Table gets its rows, columns and row key from here (and a ListTable its text without rows);
 * the template keeps only its look (size, row selection, cells). A PlainTable with a PlainPager
 * (the hosts page: the library's Table cost most of its render) follows `sort`, `paging`, `sortBy`
 * and `goTo` instead of `table`.
 */
import type { TableColumnType, TablePaginationConfig } from 'ant-design-vue'
import type { SorterResult } from 'ant-design-vue/es/table/interface'
import { computed, reactive, ref, shallowReactive, type Ref } from 'vue'

import { showError } from '@/composables/notify'

export type Direction = 'asc' | 'desc'

/** What the server is asked: a page, and the sort when the table has sortable columns. */
export interface PageQuery<K extends string = never> {
  page: number
  per_page: number
  sort?: K
  direction?: Direction
}

/** One page of rows and how many there are in all. */
export interface Page<Row> {
  rows: Row[]
  total: number
}

export interface PagedTableOptions<Row, K extends string> {
  fetch: (query: PageQuery<K>) => Promise<Page<Row>>
  /** The Table's columns (a function: their titles follow the language); none for a PlainTable. */
  columns?: () => TableColumnType<Row>[]
  /** What tells rows apart: a field of the row, or a function of it. */
  rowKey: (keyof Row & string) | ((row: Row) => string)
  /** Rows per page at first (10). */
  pageSize?: number
  /** The columns the server sorts by; the first is the order when none is chosen (ascending). */
  sortKeys?: readonly [K, ...K[]]
  /** The page sizes a user may choose; none: no choice, and no pager for a single page. */
  sizes?: number[]
  /** The pager's text for the number of rows in all ("42 hosts"). */
  totalText?: (total: number) => string
  /** Called with each page of rows once it is shown (what follows a load: counts, polling). */
  loaded?: (rows: Row[]) => void
  /** What the table says without rows, for a ListTable (a function: it follows the language). */
  emptyText?: () => string
}

/** Ant Design's sort order of a column, `sortOrder` of its column definition. */
export type SortOrder = 'ascend' | 'descend' | null

export function usePagedTable<Row, K extends string = never>(options: PagedTableOptions<Row, K>) {
  const rows = ref([]) as Ref<Row[]>
  const loading = ref(false)
  const paging = reactive({ current: 1, pageSize: options.pageSize ?? 10, total: 0 })
  const initialSort = options.sortKeys?.[0]
  const sorting = shallowReactive<{ key: K | undefined; direction: Direction }>({
    key: initialSort,
    direction: 'asc',
  })
  let latest = 0

  /** Load the current page; `quiet` (a background refresh): no spinner, no error shown. */
  async function load({ quiet = false } = {}): Promise<void> {
    const call = ++latest
    if (!quiet) loading.value = true
    try {
      const query: PageQuery<K> = { page: paging.current, per_page: paging.pageSize }
      if (sorting.key !== undefined) {
        query.sort = sorting.key
        query.direction = sorting.direction
      }
      const reply = await options.fetch(query)
      if (call !== latest) return
      if (reply.rows.length === 0 && paging.current > 1 && reply.total > 0) {
        paging.current = Math.ceil(reply.total / paging.pageSize)
        return await load({ quiet })
      }
      rows.value = reply.rows
      paging.total = reply.total
      options.loaded?.(reply.rows)
    } catch (error) {
      if (call === latest && !quiet) showError(error)
    } finally {
      if (call === latest) loading.value = false
    }
  }

  /** The first page again (the filters changed). */
  function reload(): Promise<void> {
    paging.current = 1
    return load()
  }

  /** Set the order: by a column the server sorts by; anything else (null) the initial order. */
  function setSort(sort: { key: unknown; direction: Direction } | null): void {
    const key = options.sortKeys?.find((known) => known === sort?.key)
    const chosen = sort !== null && key !== undefined
    sorting.key = chosen ? key : initialSort
    sorting.direction = chosen ? sort.direction : 'asc'
  }

  function changed(
    pagination: TablePaginationConfig,
    _filters: unknown,
    sorter: SorterResult<Row> | SorterResult<Row>[],
  ): void {
    const sort = Array.isArray(sorter) ? sorter[0] : sorter
    // No order (the third click): the initial order.
    setSort(
      sort?.order
        ? { key: sort.columnKey, direction: sort.order === 'descend' ? 'desc' : 'asc' }
        : null,
    )
    paging.current = pagination.current ?? 1
    paging.pageSize = pagination.pageSize ?? paging.pageSize
    void load()
  }

  /** A PlainTable's header asked for an order: the same page in it (as the Table does). */
  function sortBy(sort: { key: string; direction: Direction } | null): Promise<void> {
    setSort(sort)
    return load()
  }

  /** A PlainPager asked for a page (and page size). */
  function goTo(page: number, pageSize = paging.pageSize): Promise<void> {
    paging.current = page
    paging.pageSize = pageSize
    return load()
  }

  /** The order the rows are in, for a PlainTable's headers. */
  const sort = computed(() =>
    sorting.key === undefined ? null : { key: sorting.key, direction: sorting.direction },
  )

  /** How a column shows the order: the one the server sorts by, in its direction. */
  function sortOrder(key: unknown): SortOrder {
    if (sorting.key !== key) return null
    return sorting.direction === 'desc' ? 'descend' : 'ascend'
  }

  // The columns the server sorts by get a sorter (the server sorts: no compare function).
  const columns = computed(() =>
    (options.columns?.() ?? []).map((column) =>
      options.sortKeys?.some((key) => key === column.key)
        ? { ...column, sorter: true, sortOrder: sortOrder(column.key) }
        : column,
    ),
  )

  /** The Table's props: `<Table v-bind="table" ...>`. */
  const table = computed(() => ({
    columns: columns.value,
    rowKey: options.rowKey,
    dataSource: rows.value,
    loading: loading.value,
    pagination: {
      current: paging.current,
      pageSize: paging.pageSize,
      total: paging.total,
      showSizeChanger: options.sizes !== undefined,
      pageSizeOptions: options.sizes?.map(String),
      hideOnSinglePage: options.sizes === undefined,
      showTotal: options.totalText,
    },
    onChange: changed,
    ...(options.emptyText ? { emptyText: options.emptyText() } : {}),
  }))

  return { rows, loading, paging, load, reload, table, sort, sortBy, goTo }
}
