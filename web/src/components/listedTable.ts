/**
 * PlainTable's props for one of several tables a page draws with one `v-for`. Tables of different
 * rows cannot share a list's element type (a column's `text` takes its own table's rows only), so
 * each is made by `listed`, which checks its columns and key against its rows, and then forgets
 * the row type: PlainTable hands a table's rows only to that table's columns and key.
 */
import type { PlainColumn } from './plainTable'

export interface TableOf<Row> {
  columns: PlainColumn<Row>[]
  rows: Row[] | null
  rowKey: (row: Row) => string
  /** `data-test` of each row. */
  rowTest: string
  emptyText: string
}

export type ListedTable = TableOf<unknown>

export function listed<Row>(table: TableOf<Row>): ListedTable {
  return table as unknown as ListedTable
}
