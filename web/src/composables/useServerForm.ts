/**
 * A form the server validates: its field errors under the fields, any other failure as a
 * message, and the submit button busy meanwhile. Every form of the app (password, vault key,
 * host, host group, fault tree, diagnosis) did these same steps around its one call.
 *
 *   const form = reactive({ host_group_name: '', description: '' })
 *   const adding = useServerForm(form, async () => {
 *     await addGroup(form)
 *     showSuccess(t('hostGroups.added', { name: form.host_group_name }))
 *   })
 *   <ServerForm :form="adding" :submit-text="t('hostGroups.add')" test="add-group">
 *     <FormField name="host_group_name" :label="t('hostGroups.name')" required>
 *       <Input v-model:value="form.host_group_name" />
 *     </FormField>
 *   </ServerForm>
 *
 * `fieldOf` maps the server's field names to the form's (see useFieldErrors); `failed` takes a
 * failure no field took (default: the server's message, showError).
 */
import { ref, type InjectionKey, type Ref } from 'vue'

import { showError } from '@/composables/notify'
import { useFieldErrors, type FieldBinding } from '@/composables/useFieldErrors'

export interface ServerFormOptions<F extends string> {
  fieldOf?: (serverField: string) => F | undefined
  failed?: (error: unknown) => void
}

export function useServerForm<F extends string>(
  model: Record<F, unknown>,
  send: () => Promise<void>,
  options: ServerFormOptions<F> = {},
) {
  const fields = useFieldErrors(model, options.fieldOf)
  const saving = ref(false)

  async function submit(): Promise<void> {
    saving.value = true
    try {
      await send()
    } catch (error) {
      if (!fields.apply(error)) (options.failed ?? showError)(error)
    } finally {
      saving.value = false
    }
  }

  /** A field's error by its name as a FormField knows it (a string of the template). */
  function errorOf(name: string): FieldBinding {
    return fields.bind(name as F)
  }

  return { model, fields, saving, submit, errorOf }
}

/** What ServerForm needs of a useServerForm, whatever its fields. */
export interface ServerForm {
  model: object
  saving: Ref<boolean>
  submit: () => Promise<void>
  errorOf: (name: string) => FieldBinding
}

/** How ServerForm hands its field errors to the FormFields inside it. */
export const FIELD_ERRORS: InjectionKey<(name: string) => FieldBinding> = Symbol('field errors')
