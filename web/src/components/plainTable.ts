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
}
