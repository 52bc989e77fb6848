import { describe, expect, it } from 'vitest'

import {
  buildRule,
  parseLabel,
  readRuleFile,
  RuleFileError,
  splitAt,
  writeRuleFile,
} from './ruleFile'

describe('rule files', () => {
  it('reads the items of a 21.09 file, leaving their judgement to the server', () => {
    const items = readRuleFile('{"check_items": [{"check_item": "a"}, 3]}')
    expect(items).toEqual([{ check_item: 'a' }, 3])
  })

  it('refuses what is not a rule file at all', () => {
    expect(() => readRuleFile('{nope')).toThrow(RuleFileError)
    for (const text of ['[]', '{"check_items": []}', '{"rules": [1]}', 'null']) {
      expect(() => readRuleFile(text)).toThrow(expect.objectContaining({ key: 'noCheckItems' }))
    }
  })

  it('writes rules that read back the same', () => {
    const rule = {
      check_item: 'load',
      data_list: [{ name: 'node_load1', type: 'kpi' as const, label: { job: 'node' } }],
      condition: '$0 > 1',
      plugin: '',
      description: 'd',
    }
    expect(readRuleFile(writeRuleFile([rule]))).toEqual([rule])
  })
})

describe('the form', () => {
  it('reads labels as key=value lines or comma-separated', () => {
    expect(parseLabel('mode=idle, cpu="1"\n\njob = node')).toEqual({
      mode: 'idle',
      cpu: '1',
      job: 'node',
    })
  })

  it('builds a rule: log items carry no label', () => {
    const rule = buildRule({
      check_item: ' r ',
      data_list: [
        { name: 'node_load1', type: 'kpi', label: 'job=node' },
        { name: 'dmesg', type: 'log', label: 'ignored=1' },
      ],
      condition: '$0 > 1',
      plugin: '',
      description: '',
    })
    expect(rule.check_item).toBe('r')
    expect(rule.data_list).toEqual([
      { name: 'node_load1', type: 'kpi', label: { job: 'node' } },
      { name: 'dmesg', type: 'log' },
    ])
  })

  it('splits a condition at the parser position, clamped', () => {
    expect(splitAt('$0 > (1', 5)).toEqual(['$0 > ', '(', '1'])
    expect(splitAt('$0 > (1', 7)).toEqual(['$0 > (1', '', ''])
    expect(splitAt('ab', -3)).toEqual(['', 'a', 'b'])
  })
})
