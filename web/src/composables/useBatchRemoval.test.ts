import { describe, expect, it, vi } from 'vitest'

import { ApiError } from '@/api/client'

import { useBatchRemoval } from './useBatchRemoval'

describe('useBatchRemoval', () => {
  it('keeps the outcome and loads the list again', async () => {
    const load = vi.fn(() => Promise.resolve())
    const { outcome, settle } = useBatchRemoval(load)
    await settle(Promise.resolve({ code: 200, msg: 'ok', succeed_list: ['a'], fail_list: [] }))
    expect(outcome.value?.succeeded).toEqual(['a'])
    expect(load).toHaveBeenCalledOnce()
  })

  it('shows nothing and loads nothing when the session ended', async () => {
    const load = vi.fn(() => Promise.resolve())
    const { outcome, settle } = useBatchRemoval(load)
    const ended = new ApiError('session ended', 401, { code: 1201, msg: 'token expired' })
    ended.sessionEnded = true
    await settle(Promise.reject(ended))
    expect(outcome.value).toBeNull()
    expect(load).not.toHaveBeenCalled()
  })
})
