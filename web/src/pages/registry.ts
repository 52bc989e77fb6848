/**
 * Pages register themselves: every `src/pages/<name>/page.ts` default-exports
 * `definePage({...})`, and this module finds them all (import.meta.glob), so adding a page
 * touches no shared file. A page gets:
 *
 * - a route named after its folder (`path`, lazily loaded `component`: one chunk per page),
 * - optionally a menu entry (`menu`: order, icon, group of layout/menu.ts), shown to logged-in
 *   users in the app layout: no page, no entry,
 * - its strings (`locales`: the `en` and `zh` of its `locales.ts`, same keys, checked by the
 *   type check), available as `t('<name>.<key>')`; `<name>.title` is the menu label and the
 *   browser tab.
 *
 * `layout: 'app'` (the default) renders the page inside the header and menu and requires a
 * session; `layout: 'bare'` renders it alone (login, not found), `public` pages need no session.
 *
 * What the folder already says (the route name, the i18n namespace) and what every page shares
 * (its title is `<name>.title`) is not written again in each page.ts: a page states only its
 * own path, component, menu place and strings.
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

/** A page's strings: English with at least the title, Chinese with exactly the same keys. */
export interface PageLocales<M extends MessageTree> {
  en: M
  zh: NoInfer<M>
}

/** What a page.ts states. */
export interface PageSpec<
  M extends MessageTree & { title: string } = MessageTree & { title: string },
> {
  /** Route path, e.g. `/hosts` or `/diagnosis/reports/:reportId`. */
  path: string
  component: () => Promise<RouteComponent | { default: RouteComponent }>
  layout?: 'app' | 'bare'
  /** Reachable without a session (login, not found). */
  public?: boolean
  menu?: PageMenu
  locales: PageLocales<M>
}

/** A registered page: its spec with the name of its folder. */
export interface PageDefinition extends Omit<PageSpec, 'locales'> {
  /** Route name and i18n namespace: the folder name under src/pages. */
  name: string
  /** i18n key of the page title (menu label, browser tab): `<name>.title`. */
  title: string
}

export function definePage<M extends MessageTree & { title: string }>(
  page: PageSpec<M>,
): PageSpec<M> {
  return page
}

const modules = import.meta.glob<{ default: PageSpec }>('./*/page.ts', { eager: true })

/** `./hosts/page.ts` → `hosts`. */
function folderOf(file: string): string {
  const name = file.split('/')[1]
  if (!name) throw new Error(`${file} is not a page folder's page.ts`)
  return name
}

/** Every page, in menu order, then by name. */
export const pages: PageDefinition[] = Object.entries(modules)
  .map(([file, module]) => {
    const name = folderOf(file)
    const { locales, ...spec } = module.default
    addMessages(name, locales)
    return { ...spec, name, title: `${name}.title` }
  })
  .sort(
    (a, b) =>
      (a.menu?.order ?? Number.MAX_SAFE_INTEGER) - (b.menu?.order ?? Number.MAX_SAFE_INTEGER) ||
      a.name.localeCompare(b.name),
  )

/** The page a logged-in user lands on: the first menu entry, as the menu orders groups and pages
 * (a page's order counts within its group, so the hosts page (1 in assets, 20) comes after a
 * dashboard at 10). */
export function homePage(): PageDefinition {
  const name = firstRoute(buildMenu(pages))
  const first = pages.find((page) => page.name === name)
  if (!first) throw new Error('no page has a menu entry')
  return first
}
