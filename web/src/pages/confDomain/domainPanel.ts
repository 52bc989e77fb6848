/**
 * What a domain's panels (hosts, files) share: their data is loaded when the panel is shown and
 * again when it shows another domain, and a removal's batch outcome is kept for BatchResult
 * before the data is loaded again.
 */
import { onMounted, ref, watch } from 'vue'

import { settleBatch, type BatchOutcome } from '@/api/batch'
import type { Envelope } from '@/api/client'

/** A time the configuration service reports (POSIX seconds), in the reader's locale. */
export function localTime(seconds: number): string {
  return new Date(seconds * 1000).toLocaleString()
}

export function useDomainPanel(domainName: () => string, load: () => Promise<void>) {
  const outcome = ref<BatchOutcome | null>(null)

  /** Run a batch removal; its outcome shown, the panel loaded again (not when the session ended). */
  async function settle(call: Promise<Envelope>): Promise<void> {
    const result = await settleBatch(call)
    if (!result) return
    outcome.value = result
    await load()
  }

  onMounted(load)
  watch(domainName, load)
  return { outcome, settle }
}
