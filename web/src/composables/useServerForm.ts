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
 *     <TextField name="host_group_name" :label="t('hostGroups.name')" required />
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

/** What a form hands the FormFields inside it: ServerForm's, or RuleForm's own. */
export interface FormFields {
  /** The form's model, where a TextField reads and writes its field by name (`data_list.0.name`). */
  model: object
  /** The error under a field, by its name. */
  errorOf: (name: string) => FieldBinding
  /**
   * Whether the Form checks its fields' rules itself, as a ServerForm does before it sends; false
   * where a server checks the form as it is written (RuleForm: the rule parser).
   */
  checked: boolean
}

export const FORM_FIELDS: InjectionKey<FormFields> = Symbol('form fields')
