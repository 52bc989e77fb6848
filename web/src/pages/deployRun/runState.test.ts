import { describe, expect, it } from 'vitest'

import type { Run, RunHost, RunStep } from '@/api/deploy'

import { duration, hostRows, runEnded, STATE_COLOURS } from './runState'

function host(id: string, status: RunHost['status']): RunHost {
  return {
    host_id: id,
    host_name: `name-${id}`,
    status,
    task: '',
    message: '',
    output: '',
    started_at: null,
    ended_at: null,
  }
}

function step(position: number, hosts: RunHost[]): RunStep {
  return {
    position,
    step: `s${position}`,
    template_name: 't',
    enable: true,
    continue: false,
    status: 'ok',
    started_at: null,
    ended_at: null,
    hosts,
  }
}

describe('runState', () => {
  it('stops at the four end states only', () => {
    const all = ['queued', 'running', 'succeeded', 'failed', 'cancelled', 'interrupted'] as const
    expect(all.filter(runEnded)).toEqual(['succeeded', 'failed', 'cancelled', 'interrupted'])
  })

  it('tells failed, unreachable and changed apart by colour', () => {
    const colours = [STATE_COLOURS.failed, STATE_COLOURS.unreachable, STATE_COLOURS.changed]
    expect(new Set(colours).size).toBe(3)
    expect(STATE_COLOURS.ok).toBe('success')
  })

  it('says how long in seconds, minutes or hours, and runs on until now', () => {
    expect(duration(null, null, 100)).toBe('')
    expect(duration(10, 14.25, 100)).toBe('4.3 s')
    expect(duration(10, null, 15.5)).toBe('5.5 s')
    expect(duration(0, 185, 999)).toBe('3 min 05 s')
    expect(duration(0, 3720, 9999)).toBe('1 h 02 min')
    expect(duration(20, 10, 99)).toBe('0.0 s')
  })

  it('lists each host once with its state per step, null where a step does not run on it', () => {
    const run = {
      steps: [step(0, [host('a', 'changed')]), step(1, [host('b', 'failed'), host('a', 'ok')])],
    } as Run
    expect(hostRows(run)).toEqual([
      { host_id: 'a', host_name: 'name-a', states: ['changed', 'ok'] },
      { host_id: 'b', host_name: 'name-b', states: [null, 'failed'] },
    ])
  })
})
