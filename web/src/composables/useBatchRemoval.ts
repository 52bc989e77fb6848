/**
 * A list whose items are removed one at a time by a batch call (domains, host groups, a domain's
 * files and hosts): the call's per-item outcome kept for BatchResult, then the list loaded again.
 *
 *   const { outcome, settle } = useBatchRemoval(load)
 *   const remove = (name: string) => settle(deleteGroups([name]))
 *   <BatchResult v-if="outcome" :outcome="outcome" done-key="hostGroups.deleted" />
 */
import { ref } from 'vue'

import { settleBatch, type BatchOutcome } from '@/api/batch'
import type { Envelope } from '@/api/client'

export function useBatchRemoval(load: () => Promise<unknown>) {
  const outcome = ref<BatchOutcome | null>(null)

  /** Run a batch removal; its outcome shown, the list loaded again (not when the session ended). */
  async function settle(call: Promise<Envelope>): Promise<void> {
    const result = await settleBatch(call)
    if (!result) return // the session ended: on the way to the login page
    outcome.value = result
    await load()
  }

  return { outcome, settle }
}
