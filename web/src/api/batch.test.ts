import { describe, expect, it } from 'vitest'

import { batchOutcome, byName, settleBatch } from './batch'
import { ApiError } from './client'

describe('batchOutcome', () => {
  it('lists the items done and the failed ones with their reasons', () => {
    const outcome = batchOutcome({
      code: 206,
      msg: 'partial succeed',
      detail: '1 of 3 items failed',
      succeed_list: ['r1'],
      update_list: ['r2'],
      fail_list: [
        { key: 'r3', index: 2, field: 'check_items.2.condition', reason: 'unexpected ")" at 7' },
      ],
    } as never)
    expect(outcome.code).toBe(206)
    expect(outcome.succeeded).toEqual(['r1', 'r2'])
    expect(outcome.failed).toEqual([
      { item: 'r3', reason: 'unexpected ")" at 7', field: 'check_items.2.condition' },
    ])
    expect(outcome.detail).toBe('1 of 3 items failed')
  })

  it('reads plain names in fail_list', () => {
    const outcome = batchOutcome({ code: 206, msg: '', succeed_list: ['a'], fail_list: ['b'] })
    expect(outcome.failed).toEqual([{ item: 'b', reason: '' }])
  })

  it('reads the error of a batch where nothing was done', () => {
    const error = new ApiError('no such host: h9', 404, {
      code: 1103,
      msg: 'delete data from database fail',
      detail: 'no such host: h9',
      succeed_list: [],
      fail_list: ['h9'],
    })
    const outcome = batchOutcome(error)
    expect(outcome.code).toBe(1103)
    expect(outcome.succeeded).toEqual([])
    expect(outcome.failed).toEqual([{ item: 'h9', reason: '' }])
    expect(outcome.detail).toBe('no such host: h9')
  })

  it('knows nothing was done when no answer came', () => {
    const outcome = batchOutcome(new ApiError('the server cannot be reached', 0, null))
    expect(outcome).toEqual({
      code: 0,
      succeeded: [],
      failed: [],
      detail: 'the server cannot be reached',
    })
  })

  it('has no detail when everything was done', () => {
    expect(batchOutcome({ code: 200, msg: '', succeed_list: ['a'], fail_list: [] }).detail).toBe('')
  })
})

describe('settleBatch', () => {
  it('reads a batch that did some or all', async () => {
    const outcome = await settleBatch(
      Promise.resolve({ code: 206, msg: '', succeed_list: ['a'], fail_list: ['b'] }),
    )
    expect(outcome?.succeeded).toEqual(['a'])
    expect(outcome?.failed).toEqual([{ item: 'b', reason: '' }])
  })

  it('reads the ApiError of a batch that did nothing', async () => {
    const error = new ApiError('nothing deleted', 400, {
      code: 1000,
      msg: 'failed',
      detail: 'nothing deleted',
      fail_list: ['a'],
    })
    const outcome = await settleBatch(Promise.reject(error))
    expect(outcome).toMatchObject({ code: 1000, succeeded: [], detail: 'nothing deleted' })
  })

  it('has no outcome once the session ended, and throws what is not an ApiError', async () => {
    const ended = new ApiError('session ended', 401, { code: 1201, msg: 'token expired' })
    ended.sessionEnded = true
    expect(await settleBatch(Promise.reject(ended))).toBeNull()
    await expect(settleBatch(Promise.reject(new TypeError('bug')))).rejects.toThrow('bug')
  })
})

describe('byName', () => {
  it('names the failed items and the summary as the user knows them', () => {
    const outcome = byName(
      {
        code: 206,
        succeeded: ['id1'],
        failed: [
          { item: 'id2', reason: 'no such task: id2' },
          { item: 'id9', reason: '' },
        ],
        detail: 'no such task: id2',
      },
      new Map([
        ['id1', 'one'],
        ['id2', 'two'],
      ]),
    )
    expect(outcome.failed.map((entry) => entry.item)).toEqual(['two', 'id9'])
    expect(outcome.detail).toBe('no such task: two')
    expect(outcome.succeeded).toEqual(['id1'])
  })
})
