/**
 * A list whose items are removed one at a time by a batch call (domains, host groups, a domain's
 * files and hosts): the call's per-item outcome kept for BatchResult, then the list loaded again.
 *
 *   const { outcome, remove } = useBatchRemoval(load, (name) => deleteGroups([name]))
 *   <BatchResult v-if="outcome" :outcome="outcome" done-key="hostGroups.deleted" />
 */
import { ref } from 'vue'

import { settleBatch, type BatchOutcome } from '@/api/batch'
import type { Envelope } from '@/api/client'

export function useBatchRemoval(
  load: () => Promise<unknown>,
  /** The batch call removing one item. */
  removeOne: (item: string) => Promise<Envelope>,
) {
  const outcome = ref<BatchOutcome | null>(null)

  /** Remove an item; the outcome shown, the list loaded again (not when the session ended). */
  async function remove(item: string): Promise<void> {
    const result = await settleBatch(removeOne(item))
    if (!result) return // the session ended: on the way to the login page
    outcome.value = result
    await load()
  }

  return { outcome, remove }
}
