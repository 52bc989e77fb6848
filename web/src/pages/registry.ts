/**
 * Pages register themselves: every `src/pages/<name>/page.ts` default-exports
 * `definePage({...})`, and this module finds them all (import.meta.glob), so adding a page
 * touches no shared file. A page gets:
 *
 * - a route (`path`, lazily loaded `component`: one chunk per page),
 * - optionally a menu entry (`menu`: order, icon, group of layout/menu.ts), shown to logged-in
 *   users in the app layout: no page, no entry,
 * - its strings (`locales.en` / `locales.zh`, same keys, checked by the type check), available
 *   as `t('<name>.<key>')`.
 *
 * `layout: 'app'` (the default) renders the page inside the header and menu and requires a
 * session; `layout: 'bare'` renders it alone (login, not found), `public` pages need no session.
 */
import type { Component } from 'vue'
import type { RouteComponent } from 'vue-router'

import { addMessages, type MessageTree } from '@/i18n'
import { buildMenu, firstRoute, type MenuGroup } from '@/layout/menu'

export interface PageMenu {
  /** Position in the menu (and among the pages of its group): lower first. */
  order: number
  /** An icon component of @ant-design/icons-vue. */
  icon: Component
  /** A group of layout/menu.ts (a submenu), or none for a top-level entry. */
  group?: MenuGroup
}

export interface PageDefinition<M extends MessageTree = MessageTree> {
  /** Route name and i18n namespace; also the folder name under src/pages. */
  name: string
  /** Route path, e.g. `/hosts` or `/diagnosis/reports/:reportId`. */
  path: string
  component: () => Promise<RouteComponent | { default: RouteComponent }>
  /** i18n key of the page title (menu label, browser tab), e.g. `hosts.title`. */
  title: string
  layout?: 'app' | 'bare'
  /** Reachable without a session (login, not found). */
  public?: boolean
  menu?: PageMenu
  locales?: { en: M; zh: NoInfer<M> }
}

export function definePage<M extends MessageTree>(page: PageDefinition<M>): PageDefinition<M> {
  return page
}

const modules = import.meta.glob<{ default: PageDefinition }>('./*/page.ts', { eager: true })

/** Every page, in menu order, then by name. */
export const pages: PageDefinition[] = Object.values(modules)
  .map((module) => module.default)
  .sort(
    (a, b) =>
      (a.menu?.order ?? Number.MAX_SAFE_INTEGER) - (b.menu?.order ?? Number.MAX_SAFE_INTEGER) ||
      a.name.localeCompare(b.name),
  )

for (const page of pages) {
  if (page.locales) addMessages(page.name, page.locales)
}

/** The page a logged-in user lands on: the first menu entry, as the menu orders groups and pages
 * (a page's order counts within its group, so the hosts page (1 in assets, 20) comes after a
 * dashboard at 10). */
export function homePage(): PageDefinition {
  const name = firstRoute(buildMenu(pages))
  const first = pages.find((page) => page.name === name)
  if (!first) throw new Error('no page has a menu entry')
  return first
}
