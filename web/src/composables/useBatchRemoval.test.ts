import { describe, expect, it, vi } from 'vitest'

import { ApiError } from '@/api/client'

import { useBatchRemoval } from './useBatchRemoval'

describe('useBatchRemoval', () => {
  it('keeps the outcome and loads the list again', async () => {
    const load = vi.fn(() => Promise.resolve())
    const removeOne = vi.fn(() =>
      Promise.resolve({ code: 200, msg: 'ok', succeed_list: ['a'], fail_list: [] }),
    )
    const { outcome, remove } = useBatchRemoval(load, removeOne)
    await remove('a')
    expect(removeOne).toHaveBeenCalledWith('a')
    expect(outcome.value?.succeeded).toEqual(['a'])
    expect(load).toHaveBeenCalledOnce()
  })

  it('shows nothing and loads nothing when the session ended', async () => {
    const load = vi.fn(() => Promise.resolve())
    const ended = new ApiError('session ended', 401, { code: 1201, msg: 'token expired' })
    ended.sessionEnded = true
    const { outcome, remove } = useBatchRemoval(load, () => Promise.reject(ended))
    await remove('a')
    expect(outcome.value).toBeNull()
    expect(load).not.toHaveBeenCalled()
  })
})
