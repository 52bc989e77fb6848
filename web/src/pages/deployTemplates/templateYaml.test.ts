import { describe, expect, it } from 'vitest'

import { templateYaml, toYaml } from './templateYaml'

describe('templateYaml', () => {
  it('writes the step file of the docs: steps in order, then the variables', () => {
    const yaml = templateYaml({
      step_list: {
        zookeeper: { enable: true, continue: false },
        kafka: { enable: false, continue: true },
      },
      variables: { zookeeper: { client_port: 2181, data_dir: '/var/lib/zookeeper' } },
    })
    expect(yaml).toBe(
      [
        '---',
        'step_list:',
        '  zookeeper:',
        '    enable: true',
        '    continue: false',
        '  kafka:',
        '    enable: false',
        '    continue: true',
        'variables:',
        '  zookeeper:',
        '    client_port: 2181',
        '    data_dir: "/var/lib/zookeeper"',
        '',
      ].join('\n'),
    )
  })

  it('leaves out empty variables', () => {
    const yaml = templateYaml({
      step_list: { a: { enable: true, continue: false } },
      variables: {},
    })
    expect(yaml).not.toContain('variables')
  })

  it('quotes text YAML would read as something else, and escapes what it cannot hold raw', () => {
    const yaml = toYaml({
      words: ['plain', 'yes', 'No', 'null', 'on', '2181', '1.5', '', 'a: b', '#x', ' pad'],
      odd: 'line\nbreak\u007f\u2028',
    })
    expect(yaml).toContain('  - plain\n')
    for (const quoted of ['"yes"', '"No"', '"null"', '"on"', '"2181"', '"1.5"', '""', '"a: b"'])
      expect(yaml).toContain(`  - ${quoted}\n`)
    expect(yaml).toContain('  - "#x"\n  - " pad"\n')
    expect(yaml).toContain('odd: "line\\nbreak\\u007f\\u2028"')
  })

  it('writes numbers YAML 1.1 reads back as numbers', () => {
    expect(toYaml({ big: 1e21, small: 5e-7, int: -3, float: 0.25 })).toBe(
      '---\nbig: 1.0e+21\nsmall: 5.0e-7\nint: -3\nfloat: 0.25\n',
    )
  })

  it('writes lists of mappings and lists, and empty collections inline', () => {
    expect(
      toYaml({ hosts: [{ name: 'a', ports: [1, 2] }, [true, null]], none: [], empty: {} }),
    ).toBe(
      [
        '---',
        'hosts:',
        '  - name: a',
        '    ports:',
        '      - 1',
        '      - 2',
        '  - - true',
        '    - null',
        'none: []',
        'empty: {}',
        '',
      ].join('\n'),
    )
  })
})
