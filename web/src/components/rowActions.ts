import type { Component } from 'vue'

/** One thing each row of a table offers (execute a task, export a template, delete a tree, ...). */
export interface RowAction<Row> {
  label: string
  /** `data-test` of its button. */
  test: string
  /** What it does to the row (a promise's failure is its own to show). */
  run: (row: Row) => unknown
  icon?: Component
  /** The button's look: the row's main action, or a plain link; a default button else. */
  type?: 'primary' | 'link'
  /** The button's tooltip. */
  title?: string
  /** It deletes: the danger button, run only once the user answers yes to this question. */
  confirm?: string
}
