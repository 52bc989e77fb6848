import { describe, expect, it, vi } from 'vitest'
import { ref } from 'vue'

import { useDeleteSelected } from './useDeleteSelected'

vi.mock('vue-i18n', () => ({
  useI18n: () => ({ t: (key: string, values: { n: number }) => `${key}(${values.n})` }),
}))

describe('useDeleteSelected', () => {
  it('counts the picked rows in the label and the question', () => {
    const selected = ref(new Map([['a', 'name-a']]))
    const props = useDeleteSelected(selected, 'hosts.delete', 'hosts.confirmDelete')
    expect(props.value).toEqual({
      label: 'hosts.delete(1)',
      confirm: 'hosts.confirmDelete(1)',
      disabled: false,
    })
    selected.value = new Map()
    expect(props.value).toEqual({
      label: 'hosts.delete(0)',
      confirm: 'hosts.confirmDelete(0)',
      disabled: true,
    })
  })
})
