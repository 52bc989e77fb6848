import { beforeEach, describe, expect, it, vi } from 'vitest'

import { showError } from './notify'
import { useHostChoices } from './useHostChoices'

vi.mock('./notify', () => ({ showError: vi.fn() }))

beforeEach(() => {
  vi.mocked(showError).mockClear()
})

describe('useHostChoices', () => {
  it('names hosts by id, and an unknown host by its id', async () => {
    const { hosts, hostName, loaded } = useHostChoices(() =>
      Promise.resolve([{ host_id: 'h1', host_name: 'web-1', public_ip: '10.0.0.1' }]),
    )
    expect(hostName('h1')).toBe('h1')
    await loaded
    expect(hosts.value).toHaveLength(1)
    expect(hostName('h1')).toBe('web-1')
    expect(hostName('gone')).toBe('gone')
  })

  it('shows a failure and keeps naming by id', async () => {
    const error = new Error('down')
    const { hosts, hostName, loaded } = useHostChoices(() => Promise.reject(error))
    await loaded
    expect(showError).toHaveBeenCalledWith(error)
    expect(hosts.value).toEqual([])
    expect(hostName('h1')).toBe('h1')
  })
})
