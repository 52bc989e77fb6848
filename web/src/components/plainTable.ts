/** A column of PlainTable.vue: its header and what a row shows in it. */
export interface PlainColumn<Row> {
  key: string
  title: string
  text: (row: Row) => string
  align?: 'left' | 'right'
  /** Pixels; the columns without one share the rest. */
  width?: number
  /** One line, cut with an ellipsis (the whole text in the cell's tooltip). */
  ellipsis?: boolean
  /** Its header sorts the rows (the table's `sort` event; the owner asks the server). */
  sortable?: boolean
}

export type Direction = 'asc' | 'desc'

/** The order a table shows: by a column's key, one way. */
export interface Sort {
  key: string
  direction: Direction
}

/**
 * The order after a click on the header of column `key`, as ant-design-vue's Table cycles it:
 * another column (or none) → ascending, ascending → descending, descending → none (null: the
 * owner's default order).
 */
export function nextSort(current: Sort | null | undefined, key: string): Sort | null {
  if (current?.key !== key) return { key, direction: 'asc' }
  return current.direction === 'asc' ? { key, direction: 'desc' } : null
}

/** `aria-sort` of a column's header under the order `sort`. */
export function ariaSort(
  sort: Sort | null | undefined,
  key: string,
): 'ascending' | 'descending' | undefined {
  if (sort?.key !== key) return undefined
  return sort.direction === 'asc' ? 'ascending' : 'descending'
}

/** The attributes of a column's header cell: its alignment and, sortable, its order and focus. */
export function headCell<Row>(column: PlainColumn<Row>, sort: Sort | null | undefined) {
  const order = ariaSort(sort, column.key)
  return {
    class: [column.align, { sortable: column.sortable, sorted: order !== undefined }],
    'aria-sort': column.sortable ? (order ?? ('none' as const)) : undefined,
    tabindex: column.sortable ? 0 : undefined,
  }
}

/**
 * The attributes of a row's cell in a column: its alignment, its shading when the rows are sorted
 * by it, and the whole text as the tooltip of a text cut short.
 */
export function bodyCell<Row>(column: PlainColumn<Row>, row: Row, sort: Sort | null | undefined) {
  return {
    class: [column.align, { ellipsis: column.ellipsis, sorted: sort?.key === column.key }],
    title: column.ellipsis ? column.text(row) : undefined,
  }
}

/** The header's checkbox over the shown rows: all picked, some, or none. */
export function pageChecked(keys: string[], picked: (key: string) => boolean) {
  const count = keys.filter(picked).length
  return {
    checked: count > 0 && count === keys.length,
    indeterminate: count > 0 && count < keys.length,
  }
}

/** An entry of the pager: a page's number, or a jump of 5 pages back or forward. */
export type PagerItem = number | 'jump-prev' | 'jump-next'

/** What the pager shows: its entries between the arrows to the previous and the next page. */
export type PagerEntry = PagerItem | 'prev' | 'next'

/** Pages a jump moves by (ant-design-vue's Pagination: 5). */
export const JUMP = 5

/** How many pages `total` rows fill, `pageSize` a page (at least 1, as the pager shows). */
export function pageCount(total: number, pageSize: number): number {
  return Math.max(1, Math.ceil(total / pageSize))
}

/**
 * The entries of the pager on page `current` of `pages`, as ant-design-vue's Pagination lays
 * them out: every page up to 7; beyond, the first and the last, the current one with two either
 * side (five at an end), and a jump where pages are left out.
 */
export function pagerItems(current: number, pages: number): PagerItem[] {
  const buffer = 2
  if (pages <= 3 + buffer * 2) return Array.from({ length: pages }, (_, i) => i + 1)
  let left = Math.max(1, current - buffer)
  let right = Math.min(current + buffer, pages)
  if (current - 1 <= buffer) right = 1 + buffer * 2
  if (pages - current <= buffer) left = pages - buffer * 2
  const items: PagerItem[] = []
  for (let page = left; page <= right; page += 1) items.push(page)
  if (current - 1 >= buffer * 2 && current !== 1 + 2) items.unshift('jump-prev')
  if (pages - current >= buffer * 2 && current !== pages - 2) items.push('jump-next')
  if (left !== 1) items.unshift(1)
  if (right !== pages) items.push(pages)
  return items
}

/** The page an entry of the pager leads to from page `current` of `pages`. */
export function pagerTarget(entry: PagerEntry, current: number, pages: number): number {
  if (entry === 'prev') return Math.max(1, current - 1)
  if (entry === 'next') return Math.min(pages, current + 1)
  if (entry === 'jump-prev') return Math.max(1, current - JUMP)
  if (entry === 'jump-next') return Math.min(pages, current + JUMP)
  return entry
}
