import { beforeEach, describe, expect, it, vi } from 'vitest'
import { nextTick, reactive } from 'vue'

import { ApiError } from '@/api/client'

import { showError } from './notify'
import { useServerForm } from './useServerForm'

vi.mock('./notify', () => ({ showError: vi.fn() }))

/** The error of a 1000 answer naming `field`, as the client builds it. */
function refused(field: string, message = 'bad value'): ApiError {
  return new ApiError(message, 400, { code: 1000, msg: 'parameter error', detail: message, field })
}

beforeEach(() => {
  vi.mocked(showError).mockClear()
})

describe('useServerForm', () => {
  it('is saving while the call runs', async () => {
    let finish!: () => void
    const form = useServerForm(reactive({ name: '' }), () => new Promise((done) => (finish = done)))
    const submitted = form.submit()
    expect(form.saving.value).toBe(true)
    finish()
    await submitted
    expect(form.saving.value).toBe(false)
    expect(showError).not.toHaveBeenCalled()
  })

  it('puts an error the server named under its field, mapped by fieldOf', async () => {
    const model = reactive({ public_ip: '', name: '' })
    const form = useServerForm(
      model,
      () => Promise.reject(refused('host_list.0.public_ip', 'not an address')),
      {
        fieldOf: (field) => (field === 'host_list.0.public_ip' ? 'public_ip' : undefined),
      },
    )
    await form.submit()
    expect(form.errorOf('public_ip')).toEqual({ validateStatus: 'error', help: 'not an address' })
    expect(form.errorOf('name')).toEqual({})
    expect(showError).not.toHaveBeenCalled()
    expect(form.saving.value).toBe(false)
    // Editing the field takes its error away.
    model.public_ip = '10.0.0.1'
    await nextTick()
    expect(form.errorOf('public_ip')).toEqual({})
  })

  it('shows a failure no field takes as a message', async () => {
    const error = refused('nothing_here')
    const form = useServerForm(reactive({ name: '' }), () => Promise.reject(error))
    await form.submit()
    expect(showError).toHaveBeenCalledWith(error)
  })

  it('hands such a failure to `failed` when the form has its own way', async () => {
    const failed = vi.fn()
    const error = new Error('no answer')
    const form = useServerForm(reactive({ name: '' }), () => Promise.reject(error), { failed })
    await form.submit()
    expect(failed).toHaveBeenCalledWith(error)
    expect(showError).not.toHaveBeenCalled()
  })
})
