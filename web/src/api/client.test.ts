import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'

import { ApiError, api, configureClient } from './client'

/** A fetch that answers `status` with `body` (JSON unless a string), recording the request. */
function answer(status: number, body: unknown, contentType = 'application/json') {
  const calls: { url: string; init: RequestInit }[] = []
  const fake = vi.fn((url: string, init: RequestInit) => {
    calls.push({ url, init })
    const text = typeof body === 'string' ? body : JSON.stringify(body)
    return Promise.resolve(new Response(text, { status, headers: { 'Content-Type': contentType } }))
  })
  vi.stubGlobal('fetch', fake)
  return calls
}

let ended: ApiError[] = []

beforeEach(() => {
  ended = []
  configureClient({ token: () => 'tok', sessionEnded: (error) => ended.push(error) })
})

afterEach(() => {
  vi.unstubAllGlobals()
})

describe('request', () => {
  it('sends JSON to /api with the Access-Token header', async () => {
    const calls = answer(200, { code: 200, msg: 'operation succeed', host_infos: [] })
    const reply = await api.post<{ host_infos: unknown[] }>('/manage/host/get', { page: 1 })
    expect(reply.host_infos).toEqual([])
    expect(calls[0]?.url).toBe('/api/manage/host/get')
    const headers = calls[0]?.init.headers as Record<string, string>
    expect(headers['Access-Token']).toBe('tok')
    expect(calls[0]?.init.body).toBe('{"page":1}')
  })

  it('resolves a partial success (206, HTTP 207) instead of failing', async () => {
    answer(207, { code: 206, msg: 'partial succeed', succeed_list: ['a'], fail_list: ['b'] })
    const reply = await api.delete('/manage/host/delete', { host_list: ['a', 'b'] })
    expect(reply.code).toBe(206)
  })

  it('rejects with the server message and its fields', async () => {
    answer(400, {
      code: 1000,
      msg: 'request parameter error',
      detail: 'password: is required',
      field: 'password',
      errors: [{ field: 'password', error: 'is required' }],
    })
    const error = await api.post('/manage/account/change', {}).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ApiError)
    const apiError = error as ApiError
    expect(apiError.message).toBe('password: is required')
    expect(apiError.code).toBe(1000)
    expect(apiError.fieldErrors).toEqual([{ field: 'password', error: 'is required' }])
    expect(ended).toEqual([])
  })

  it('reads the code, not the status, in legacy mode (HTTP 200 for all)', async () => {
    answer(200, { code: 1105, msg: 'data has existed', detail: 'group g exists', field: 'g' })
    await expect(api.post('/manage/host/group/add', {})).rejects.toThrow('group g exists')
  })

  it('ends the session on 1201, whatever the HTTP status', async () => {
    answer(200, { code: 1201, msg: 'the session is invalid', detail: 'the token has expired' })
    await expect(api.post('/manage/host/get')).rejects.toThrow('the token has expired')
    expect(ended.map((e) => e.message)).toEqual(['the token has expired'])
    expect(ended[0]?.sessionEnded).toBe(true)
  })

  it('does not end the session on a wrong password (1200, HTTP 401)', async () => {
    answer(401, { code: 1200, msg: 'incorrect username or password', field: 'old_password' })
    await expect(api.post('/manage/account/change', {})).rejects.toThrow(
      'incorrect username or password',
    )
    expect(ended).toEqual([])
  })

  it('accepts the codes a call names (login: 1204)', async () => {
    answer(200, { code: 1204, msg: 'please change', access_token: 't' })
    const reply = await api.post<{ access_token: string }>('/x', {}, { accept: [1204] })
    expect(reply.access_token).toBe('t')
  })

  it('describes an answer that is not an envelope by its HTTP status', async () => {
    answer(502, '<html>Bad Gateway</html>', 'text/html')
    configureClient({ describe: (kind, status) => `${kind} ${status}` })
    await expect(api.post('/diag/task/get')).rejects.toThrow('http 502')
  })

  it('describes a request that got no answer', async () => {
    vi.stubGlobal('fetch', () => Promise.reject(new TypeError('Failed to fetch')))
    configureClient({ describe: (kind, status) => `${kind} ${status}` })
    const error = (await api.post('/x').catch((e: unknown) => e)) as ApiError
    expect(error.message).toBe('network 0')
    expect(error.status).toBe(0)
  })
})
