import { describe, expect, it } from 'vitest'
import { defineComponent } from 'vue'

import type { PageDefinition } from '@/pages/registry'

import { buildMenu, firstRoute } from './menu'

const icon = defineComponent({ render: () => null })

function page(name: string, menu?: PageDefinition['menu']): PageDefinition {
  return {
    name,
    path: `/${name}`,
    component: () => Promise.resolve(icon),
    title: `${name}.title`,
    menu,
  }
}

describe('buildMenu', () => {
  it('lists only pages with a menu entry, by order', () => {
    const menu = buildMenu([
      page('account', { order: 900, icon }),
      page('login'),
      page('dashboard', { order: 10, icon }),
    ])
    expect(menu.map((entry) => entry.key)).toEqual(['dashboard', 'account'])
    expect(menu[0]).toMatchObject({ route: 'dashboard', title: 'dashboard.title' })
  })

  it('shows a group only with its pages, placed by the group order', () => {
    const menu = buildMenu([
      page('account', { order: 900, icon }),
      page('groups', { order: 2, icon, group: 'assets' }),
      page('hosts', { order: 1, icon, group: 'assets' }),
      page('dashboard', { order: 10, icon }),
    ])
    expect(menu.map((entry) => entry.key)).toEqual(['dashboard', 'group:assets', 'account'])
    expect(menu[1]?.title).toBe('menu.assets')
    expect(menu[1]?.children?.map((entry) => entry.key)).toEqual(['hosts', 'groups'])
    expect(menu.some((entry) => entry.key === 'group:diagnosis')).toBe(false)
  })
})

describe('firstRoute', () => {
  it('is the first page as the menu shows it, groups placed by their order', () => {
    const pages = [
      page('account', { order: 900, icon }),
      page('groups', { order: 2, icon, group: 'assets' }),
      page('hosts', { order: 1, icon, group: 'assets' }),
    ]
    expect(firstRoute(buildMenu(pages))).toBe('hosts')
    expect(firstRoute(buildMenu([...pages, page('dashboard', { order: 10, icon })]))).toBe(
      'dashboard',
    )
    expect(firstRoute([])).toBeUndefined()
  })
})
