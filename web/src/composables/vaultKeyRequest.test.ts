import { describe, expect, it } from 'vitest'

import { ApiError, Code } from '@/api/client'

import { askVaultKey, needsVaultKey, vaultKeyAnswered, vaultKeyRequest } from './vaultKeyRequest'

describe('vaultKeyRequest', () => {
  it('shows the reason until the dialog answers, then tells the asker', async () => {
    const asked = askVaultKey('collecting needs it')
    expect(vaultKeyRequest.value).toBe('collecting needs it')
    vaultKeyAnswered(true)
    expect(vaultKeyRequest.value).toBeNull()
    await expect(asked).resolves.toBe(true)
  })

  it('a dismissed dialog answers false', async () => {
    const asked = askVaultKey('why')
    vaultKeyAnswered(false)
    await expect(asked).resolves.toBe(false)
  })

  it('a second request replaces the first, which ends unanswered', async () => {
    const first = askVaultKey('first')
    const second = askVaultKey('second')
    await expect(first).resolves.toBe(false)
    expect(vaultKeyRequest.value).toBe('second')
    vaultKeyAnswered(true)
    await expect(second).resolves.toBe(true)
  })

  it('an answer with nothing asked changes nothing', () => {
    vaultKeyAnswered(true)
    expect(vaultKeyRequest.value).toBeNull()
  })

  it('only 1203 needs the key', () => {
    const body = (code: number) => ({ code, msg: 'm' })
    expect(needsVaultKey(new ApiError('no key', 403, body(Code.KEY_ERROR)))).toBe(true)
    expect(needsVaultKey(new ApiError('bad', 400, body(Code.PARAM_ERROR)))).toBe(false)
    expect(needsVaultKey(new Error('x'))).toBe(false)
  })
})
