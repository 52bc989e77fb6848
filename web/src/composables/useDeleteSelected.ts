/**
 * The props of the DeleteButton that deletes the rows picked in a table (hosts, tasks, templates,
 * rules, trees): disabled while none is, its label and its question given how many are (`n` of
 * the two messages).
 *
 *   const deleting = useDeleteSelected(selected, 'hosts.delete', 'hosts.confirmDelete')
 *   <DeleteButton v-bind="deleting" data-test="delete-hosts" @confirm="removeSelected" />
 */
import { computed, type Ref } from 'vue'
import { useI18n } from 'vue-i18n'

export function useDeleteSelected(
  selected: Ref<{ size: number }>,
  labelKey: string,
  confirmKey: string,
) {
  const { t } = useI18n()
  return computed(() => {
    const n = selected.value.size
    return { label: t(labelKey, { n }), confirm: t(confirmKey, { n }), disabled: n === 0 }
  })
}
