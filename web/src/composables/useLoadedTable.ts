/**
 * A table of rows the server gives all at once, unpaged (the configuration domains, a domain's
 * files): the rows, the spinner while they load, a failure shown (the rows stay as they were).
 * The server-paged tables have usePagedTable.
 *
 *   const { rows, table, load } = useLoadedTable({
 *     fetch: async () => (await queryDomains()).domains,
 *     columns: () => [{ key: 'domainName', dataIndex: 'domainName', title: t('confDomains.name') }],
 *     rowKey: 'domainName',
 *   })
 *   <ListTable v-bind="table" size="middle" />
 */
import type { TableColumnType } from 'ant-design-vue'
import { computed, ref, type Ref } from 'vue'

import { showError } from '@/composables/notify'

export interface LoadedTableOptions<Row> {
  fetch: () => Promise<Row[]>
  /** The Table's columns (a function: their titles follow the language). */
  columns: () => TableColumnType<Row>[]
  rowKey: keyof Row & string
}

export function useLoadedTable<Row>(options: LoadedTableOptions<Row>) {
  const rows = ref([]) as Ref<Row[]>
  const loading = ref(true)

  async function load(): Promise<void> {
    loading.value = true
    try {
      rows.value = await options.fetch()
    } catch (error) {
      showError(error)
    } finally {
      loading.value = false
    }
  }

  const table = computed(() => ({
    columns: options.columns(),
    dataSource: rows.value,
    loading: loading.value,
    rowKey: options.rowKey,
    pagination: false as const,
  }))
  return { rows, table, load }
}
