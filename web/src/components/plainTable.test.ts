import { describe, expect, it } from 'vitest'

import {
  ariaSort,
  bodyCell,
  headCell,
  nextSort,
  pageChecked,
  pageCount,
  pagerItems,
  pagerTarget,
  type PlainColumn,
} from './plainTable'

describe('nextSort', () => {
  it('cycles a column ascending, descending, then back to the default order', () => {
    const asc = nextSort(null, 'name')
    expect(asc).toEqual({ key: 'name', direction: 'asc' })
    const desc = nextSort(asc, 'name')
    expect(desc).toEqual({ key: 'name', direction: 'desc' })
    expect(nextSort(desc, 'name')).toBeNull()
  })

  it('starts another column ascending, whatever the order was', () => {
    expect(nextSort({ key: 'name', direction: 'desc' }, 'group')).toEqual({
      key: 'group',
      direction: 'asc',
    })
  })
})

const name: PlainColumn<string> = { key: 'name', title: 'Name', text: (row) => row, sortable: true }
const note: PlainColumn<string> = {
  key: 'note',
  title: 'Note',
  text: (row) => `about ${row}`,
  align: 'right',
  ellipsis: true,
}

describe('headCell', () => {
  it('makes a sortable column’s header a focusable control showing the order', () => {
    const sorted = headCell(name, { key: 'name', direction: 'desc' })
    expect(sorted).toEqual({
      class: [undefined, { sortable: true, sorted: true }],
      'aria-sort': 'descending',
      tabindex: 0,
    })
    expect(headCell(name, null)['aria-sort']).toBe('none')
  })

  it('leaves another column’s header plain', () => {
    expect(headCell(note, { key: 'name', direction: 'asc' })).toEqual({
      class: ['right', { sortable: undefined, sorted: false }],
      'aria-sort': undefined,
      tabindex: undefined,
    })
  })
})

describe('bodyCell', () => {
  it('shades the sorted column’s cells and gives a cut text its whole as the tooltip', () => {
    const sort = { key: 'note', direction: 'asc' as const }
    expect(bodyCell(note, 'host1', sort)).toEqual({
      class: ['right', { ellipsis: true, sorted: true }],
      title: 'about host1',
    })
    expect(bodyCell(name, 'host1', sort)).toEqual({
      class: [undefined, { ellipsis: undefined, sorted: false }],
      title: undefined,
    })
  })
})

describe('ariaSort', () => {
  it('names the sorted column’s direction and nothing for the others', () => {
    const sort = { key: 'name', direction: 'desc' as const }
    expect(ariaSort(sort, 'name')).toBe('descending')
    expect(ariaSort({ key: 'name', direction: 'asc' }, 'name')).toBe('ascending')
    expect(ariaSort(sort, 'group')).toBeUndefined()
    expect(ariaSort(null, 'name')).toBeUndefined()
  })
})

describe('pageChecked', () => {
  const picked = new Set(['a', 'b'])
  const has = (key: string) => picked.has(key)
  it('is checked when every shown row is picked', () => {
    expect(pageChecked(['a', 'b'], has)).toEqual({ checked: true, indeterminate: false })
  })
  it('is indeterminate when some are', () => {
    expect(pageChecked(['a', 'c'], has)).toEqual({ checked: false, indeterminate: true })
  })
  it('is clear when none are, or there are no rows', () => {
    expect(pageChecked(['c'], has)).toEqual({ checked: false, indeterminate: false })
    expect(pageChecked([], has)).toEqual({ checked: false, indeterminate: false })
  })
})

describe('pagerItems', () => {
  it('lists every page up to 7', () => {
    expect(pagerItems(1, 1)).toEqual([1])
    expect(pagerItems(4, 7)).toEqual([1, 2, 3, 4, 5, 6, 7])
  })

  it('shows five pages at the start, then a jump and the last', () => {
    expect(pagerItems(1, 200)).toEqual([1, 2, 3, 4, 5, 'jump-next', 200])
    expect(pagerItems(3, 200)).toEqual([1, 2, 3, 4, 5, 'jump-next', 200])
  })

  it('shows two pages either side in the middle, with a jump each way', () => {
    expect(pagerItems(5, 200)).toEqual([1, 'jump-prev', 3, 4, 5, 6, 7, 'jump-next', 200])
    expect(pagerItems(4, 200)).toEqual([1, 2, 3, 4, 5, 6, 'jump-next', 200])
  })

  it('shows five pages at the end, after a jump', () => {
    expect(pagerItems(200, 200)).toEqual([1, 'jump-prev', 196, 197, 198, 199, 200])
    expect(pagerItems(198, 200)).toEqual([1, 'jump-prev', 196, 197, 198, 199, 200])
    expect(pagerItems(197, 200)).toEqual([1, 'jump-prev', 195, 196, 197, 198, 199, 200])
  })
})

describe('pagerTarget', () => {
  it('jumps 5 pages, not beyond the first or the last', () => {
    expect(pagerTarget('jump-next', 3, 200)).toBe(8)
    expect(pagerTarget('jump-next', 198, 200)).toBe(200)
    expect(pagerTarget('jump-prev', 10, 200)).toBe(5)
    expect(pagerTarget('jump-prev', 4, 200)).toBe(1)
    expect(pagerTarget(42, 3, 200)).toBe(42)
  })

  it('steps a page back or forward, not beyond the first or the last', () => {
    expect(pagerTarget('prev', 3, 200)).toBe(2)
    expect(pagerTarget('prev', 1, 200)).toBe(1)
    expect(pagerTarget('next', 3, 200)).toBe(4)
    expect(pagerTarget('next', 200, 200)).toBe(200)
  })
})

describe('pageCount', () => {
  it('counts the pages the rows fill, at least one', () => {
    expect(pageCount(10_000, 50)).toBe(200)
    expect(pageCount(101, 50)).toBe(3)
    expect(pageCount(0, 20)).toBe(1)
  })
})
