/**
 * A dialog (FormModal) that adds one item to a list (a domain, a host group, a domain's file):
 * its form validated by the server (useServerForm); once the item is added, the form's fields
 * set back to `blank`, its errors cleared, the dialog closed and the list loaded again.
 *
 *   const BLANK = { host_group_name: '', description: '' }
 *   const form = reactive({ ...BLANK })
 *   const adding = useAddDialog(form, BLANK, load, async () => {
 *     await addGroup(form)
 *     showSuccess(t('hostGroups.added', { name: form.host_group_name }))
 *   })
 *   <AddButton :label="t('hostGroups.add')" data-test="add-group" @click="adding.show(true)" />
 *   <FormModal :dialog="adding" :label="t('hostGroups.add')" test="add-group">...</FormModal>
 *
 * (The domains' and host groups' pages have ListCard draw the button and the dialog.)
 */
import { ref, type Ref } from 'vue'

import { useServerForm, type ServerForm, type ServerFormOptions } from './useServerForm'

/** What FormModal needs of a useAddDialog, whatever its fields. */
export interface AddDialog {
  /** Whether the dialog is open. */
  adding: Ref<boolean>
  /** Open or close it. */
  show: (open: boolean) => void
  creating: ServerForm
}

export function useAddDialog<F extends string>(
  form: Record<F, unknown>,
  blank: Partial<Record<F, unknown>>,
  load: () => Promise<unknown>,
  add: () => Promise<void>,
  options: ServerFormOptions<F> = {},
) {
  const adding = ref(false)
  const creating = useServerForm(
    form,
    async () => {
      await add()
      Object.assign(form, blank)
      creating.fields.clear()
      adding.value = false
      await load()
    },
    options,
  )

  function show(open: boolean): void {
    adding.value = open
  }

  return { adding, show, creating }
}
