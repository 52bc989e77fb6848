import { describe, expect, it, vi } from 'vitest'
import { reactive } from 'vue'

import { ApiError } from '@/api/client'

import { useAddDialog } from './useAddDialog'

vi.mock('./notify', () => ({ showError: vi.fn() }))

describe('useAddDialog', () => {
  it('empties the form, closes the dialog and loads the list once the item is added', async () => {
    const form = reactive({ name: 'web', source: 'host' })
    const load = vi.fn(() => Promise.resolve())
    const dialog = useAddDialog(form, { name: '' }, load, () => Promise.resolve())
    dialog.show(true)
    await dialog.creating.submit()
    expect(form).toEqual({ name: '', source: 'host' })
    expect(dialog.adding.value).toBe(false)
    expect(load).toHaveBeenCalledOnce()
  })

  it('keeps the dialog open with the field error when the server refuses the item', async () => {
    const form = reactive({ name: 'web' })
    const load = vi.fn(() => Promise.resolve())
    const refused = new ApiError('taken', 400, {
      code: 1000,
      msg: 'parameter error',
      detail: 'taken',
      field: 'name',
    })
    const dialog = useAddDialog(form, { name: '' }, load, () => Promise.reject(refused))
    dialog.show(true)
    await dialog.creating.submit()
    expect(form.name).toBe('web')
    expect(dialog.adding.value).toBe(true)
    expect(dialog.creating.errorOf('name')).toEqual({ validateStatus: 'error', help: 'taken' })
    expect(load).not.toHaveBeenCalled()
  })
})
