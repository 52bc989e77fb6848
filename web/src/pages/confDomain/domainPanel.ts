/**
 * What a domain's panels (hosts, files) share: their data is loaded when the panel is shown and
 * again when it shows another domain, and a removal's batch outcome is kept for BatchResult
 * before the data is loaded again.
 */
import { onMounted, watch } from 'vue'

import type { Envelope } from '@/api/client'
import { useBatchRemoval } from '@/composables/useBatchRemoval'

/** A time the configuration service reports (POSIX seconds), in the reader's locale. */
export function localTime(seconds: number): string {
  return new Date(seconds * 1000).toLocaleString()
}

export function useDomainPanel(
  domainName: () => string,
  load: () => Promise<void>,
  removeOne: (item: string) => Promise<Envelope>,
) {
  onMounted(load)
  watch(domainName, load)
  return useBatchRemoval(load, removeOne)
}
