/**
 * What a ListCard shows and does for its page (the configuration domains, the host groups): the
 * list loaded when the page mounts; the dialog adding an item (useAddDialog, given the same load),
 * whose first field is the item's name; an item removed by name through the batch call
 * `removeMany`, the call's outcome kept (useBatchRemoval).
 *
 *   const adding = useAddDialog(form, BLANK, load, add)
 *   const list = useListCard({
 *     load, removeMany: deleteDomains, dialog: adding, name: 'domainName',
 *   })
 *   <ListCard :list="list" i18n="confDomains" of="domain" data-test="domains-page">
 *     <template #fields>...the dialog's other fields...</template>
 *     <ListTable ...>... @confirm="list.remove(record.domainName)" ...</ListTable>
 *   </ListCard>
 */
import { onMounted, type Ref } from 'vue'

import type { BatchOutcome } from '@/api/batch'
import type { Envelope } from '@/api/client'
import type { AddDialog } from '@/composables/useAddDialog'
import { useBatchRemoval } from '@/composables/useBatchRemoval'

export interface ListCardState {
  dialog: AddDialog
  /** The form's field naming an item. */
  name: string
  /** The last removal's outcome. */
  outcome: Ref<BatchOutcome | null>
  /** Remove one item by its name. */
  remove: (name: string) => Promise<void>
}

export function useListCard(list: {
  load: () => Promise<unknown>
  /** The batch call removing items by name. */
  removeMany: (names: string[]) => Promise<Envelope>
  dialog: AddDialog
  name: string
}): ListCardState {
  onMounted(list.load)
  const removal = useBatchRemoval(list.load, (name) => list.removeMany([name]))
  return { dialog: list.dialog, name: list.name, ...removal }
}
