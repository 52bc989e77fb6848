import { describe, expect, it } from 'vitest'

import { leafLabel } from './diagnosis'

describe('leafLabel', () => {
  it('says where a leaf is judged only when it is the neighbours', () => {
    expect(leafLabel({ 'node name': 'a', 'check item': 'slow' }, 'on the neighbours')).toBe('slow')
    expect(leafLabel({ 'node name': 'a', 'check item': 'slow', scope: 'host' }, 'x')).toBe('slow')
    expect(
      leafLabel(
        { 'node name': 'a', 'check item': 'slow', scope: 'neighbours' },
        'on the neighbours',
      ),
    ).toBe('slow (on the neighbours)')
  })
})
