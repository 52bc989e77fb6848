/**
 * A table the server pages (usePagedTable) whose rows are picked to be deleted together
 * (useBatchDelete): the deploy tasks, the deploy templates, the check rules. Its Table props carry
 * the row selection and the text of a table without rows; a deletion reloads the page.
 *
 *   const { table, selected, deleted, removeSelected } = useBatchTable(
 *     { fetch, columns, rowKey: 'task_id', emptyText: () => t('deployTasks.noTasks') },
 *     { key: (task) => task.task_id, name: (task) => task.task_name, remove: deleteTasks },
 *   )
 *   <ListTable v-bind="table" :actions="taskActions" data-test="tasks-table">
 */
import { computed } from 'vue'

import { usePagedTable, type PagedTableOptions } from './usePagedTable'
import { useBatchDelete, type BatchDeleteOptions } from './useSelection'

export interface BatchTableOptions<Row, K extends string> extends PagedTableOptions<Row, K> {
  /** What the table says without rows: required here (each such table says it has none). */
  emptyText: () => string
}

export function useBatchTable<Row, K extends string = never>(
  paged: BatchTableOptions<Row, K>,
  batch: Omit<BatchDeleteOptions<Row>, 'after'>,
) {
  const pages = usePagedTable(paged)
  const picking = useBatchDelete({ ...batch, after: pages.load })
  const table = computed(() => ({
    ...pages.table.value,
    rowSelection: picking.rowSelection.value,
  }))
  return { ...pages, ...picking, table }
}
