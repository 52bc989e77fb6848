/**
 * Rows picked in a table, across its pages, to act on them together (delete the hosts, tasks,
 * templates, rules or trees picked), and the outcome of deleting them:
 *
 *   const { selected, rowSelection, deleted, removeSelected } = useBatchDelete<Host>({
 *     key: (host) => host.host_id,
 *     name: (host) => host.host_name, // the server names hosts by id, the user by name
 *     remove: deleteHosts,
 *     after: load,
 *   })
 *   <DeleteButton :disabled="!selected.size" @confirm="removeSelected" />
 *   <BatchResult v-if="deleted" :outcome="deleted" :done="..." />
 *   <Table :row-selection="rowSelection" />
 *   <PlainTable :selected="selected" @select="pick" />   (the lighter table: rows and on/off)
 *
 * A picked row keeps its name when its page is left, so that the outcome names it as the user
 * knows it even when the server answers by id.
 */
import { computed, ref } from 'vue'

import { byName, settleBatch, type BatchOutcome } from '@/api/batch'
import type { Envelope } from '@/api/client'

export interface SelectionOptions<Row> {
  /** The row's key (the table's row key, what the server is sent). */
  key: (row: Row) => string
  /** What the user calls the row; its key when not given. */
  name?: (row: Row) => string
}

export function useRowSelection<Row>(options: SelectionOptions<Row>) {
  /** The picked rows: key → name. */
  const selected = ref(new Map<string, string>())
  const nameOf = options.name ?? options.key

  const rowSelection = computed(() => ({
    selectedRowKeys: [...selected.value.keys()],
    preserveSelectedRowKeys: true,
    onChange: (keys: (string | number)[], picked: (Row | undefined)[]) => {
      const known = new Map(selected.value)
      // A row picked on an earlier page comes back undefined: its name is the one kept.
      for (const row of picked) if (row) known.set(options.key(row), nameOf(row))
      selected.value = new Map(
        keys.map((key) => [String(key), known.get(String(key)) ?? String(key)]),
      )
    },
  }))

  /** PlainTable's `select`: these rows picked (`on`) or unpicked; the others stay as they are. */
  function pick(rows: Row[], on: boolean): void {
    const next = new Map(selected.value)
    for (const row of rows) {
      if (on) next.set(options.key(row), nameOf(row))
      else next.delete(options.key(row))
    }
    selected.value = next
  }

  return { selected, rowSelection, pick }
}

export interface BatchDeleteOptions<Row> extends SelectionOptions<Row> {
  /** The batch call, given the picked keys. */
  remove: (keys: string[]) => Promise<Envelope>
  /** Before the call (e.g. hide another outcome shown where this one will be). */
  before?: () => void
  /** After it: reload what it changed. */
  after: () => Promise<unknown>
}

export function useBatchDelete<Row>(options: BatchDeleteOptions<Row>) {
  const { selected, rowSelection, pick } = useRowSelection(options)
  const deleted = ref<BatchOutcome | null>(null)

  async function removeSelected(): Promise<void> {
    options.before?.()
    const names = new Map(selected.value)
    const result = await settleBatch(options.remove([...names.keys()]))
    if (!result) return // the session ended: on the way to the login page
    deleted.value = byName(result, names)
    // Each picked row is deleted or refused (its reason in the outcome): none stays picked.
    selected.value = new Map()
    await options.after()
  }

  return { selected, rowSelection, pick, deleted, removeSelected }
}
