/**
 * Groups of the side menu (submenus). A group is shown only when at least one page names it in
 * its `menu.group`; its label is `t('menu.<group>')` (i18n/en.ts, zh.ts).
 */
import {
  AppstoreOutlined,
  ControlOutlined,
  DeploymentUnitOutlined,
  MedicineBoxOutlined,
} from '@ant-design/icons-vue'
import type { Component } from 'vue'

import type { PageDefinition } from '@/pages/registry'

export const MENU_GROUPS = {
  assets: { order: 20, icon: AppstoreOutlined },
  deployment: { order: 30, icon: DeploymentUnitOutlined },
  diagnosis: { order: 40, icon: MedicineBoxOutlined },
  configuration: { order: 50, icon: ControlOutlined },
} satisfies Record<string, { order: number; icon: Component }>

export type MenuGroup = keyof typeof MENU_GROUPS

export interface MenuEntry {
  key: string
  /** i18n key of the label. */
  title: string
  icon: Component
  order: number
  /** Route name for a page; absent for a group. */
  route?: string
  children?: MenuEntry[]
}

/** The side menu: top-level pages and groups holding at least one page, each by its order. */
export function buildMenu(pages: readonly PageDefinition[]): MenuEntry[] {
  const top: MenuEntry[] = []
  const groups = new Map<MenuGroup, MenuEntry>()
  for (const page of pages) {
    if (!page.menu) continue
    const entry: MenuEntry = {
      key: page.name,
      title: page.title,
      icon: page.menu.icon,
      order: page.menu.order,
      route: page.name,
    }
    const group = page.menu.group
    if (group === undefined) {
      top.push(entry)
      continue
    }
    let parent = groups.get(group)
    if (!parent) {
      const { order, icon } = MENU_GROUPS[group]
      parent = { key: `group:${group}`, title: `menu.${group}`, icon, order, children: [] }
      groups.set(group, parent)
      top.push(parent)
    }
    parent.children?.push(entry)
  }
  const byOrder = (a: MenuEntry, b: MenuEntry) => a.order - b.order || a.key.localeCompare(b.key)
  for (const parent of groups.values()) parent.children?.sort(byOrder)
  return top.sort(byOrder)
}

/** The route of the first page in the menu as shown (a group's first page when it comes first). */
export function firstRoute(menu: readonly MenuEntry[]): string | undefined {
  for (const entry of menu) {
    const route = entry.route ?? firstRoute(entry.children ?? [])
    if (route !== undefined) return route
  }
  return undefined
}
