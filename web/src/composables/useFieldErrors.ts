/**
 * Server field errors next to form fields.
 *
 *   const form = reactive({ password: '', old_password: '' })
 *   const fields = useFieldErrors(form)
 *   <a-form-item name="password" v-bind="fields.bind('password')"> ... </a-form-item>
 *   try { await changePassword(form) } catch (e) { fields.apply(e) || showError(e) }
 *
 * `apply` puts each error the server named (`field` / `errors` of the envelope) on the form item
 * of that name, mapped by `fieldOf` when the server's path differs from the form's names (a
 * batch's `host_list.0.public_ip`); it returns false when no error belongs to the form, so the
 * caller shows the message instead. An error is cleared as soon as its field is edited.
 */
import { reactive, watch } from 'vue'

import { ApiError } from '@/api/client'

/** Props of `a-form-item`: none without a server error, so the form's own rules still show. */
export interface FieldBinding {
  validateStatus?: 'error'
  help?: string
}

export function useFieldErrors<F extends string>(
  model: Record<F, unknown>,
  fieldOf: (serverField: string) => F | undefined = (name) =>
    Object.prototype.hasOwnProperty.call(model, name) ? (name as F) : undefined,
) {
  const errors = reactive<Partial<Record<F, string>>>({}) as Partial<Record<F, string>>

  for (const name of Object.keys(model) as F[]) {
    watch(
      () => model[name],
      () => {
        delete errors[name]
      },
    )
  }

  function clear(): void {
    for (const name of Object.keys(errors) as F[]) delete errors[name]
  }

  function apply(error: unknown): boolean {
    clear()
    if (!(error instanceof ApiError)) return false
    let placed = false
    for (const { field, error: text } of error.fieldErrors) {
      const name = fieldOf(field)
      if (name !== undefined && errors[name] === undefined) {
        errors[name] = text
        placed = true
      }
    }
    return placed
  }

  function bind(name: F): FieldBinding {
    const help = errors[name]
    return help ? { validateStatus: 'error', help } : {}
  }

  return { errors, apply, clear, bind }
}
