/**
 * Routes come from the pages (pages/registry.ts): `app` pages are children of the layout and
 * need a session, `bare` ones stand alone. `/` goes to the first menu entry.
 *
 * The guard: no session → login (back to the asked page afterwards); a session that must
 * change the default password → login, which shows the change form; a session → not the
 * login page again.
 */
import { createRouter, createWebHistory, type RouteRecordRaw } from 'vue-router'

import { i18n } from '@/i18n'
import { homePage, pages, type PageDefinition } from '@/pages/registry'
import { useSession } from '@/session/store'

declare module 'vue-router' {
  interface RouteMeta {
    /** i18n key of the page title. */
    title: string
    public: boolean
  }
}

function record(page: PageDefinition): RouteRecordRaw {
  return {
    path: page.path,
    name: page.name,
    component: page.component,
    meta: { title: page.title, public: page.public ?? false },
  }
}

export const LOGIN = 'login'

/** The `redirect` query of the login page, if it is a path of this app (not another site's). */
export function redirectTarget(query: unknown): string | null {
  return typeof query === 'string' && query.startsWith('/') && !query.startsWith('//')
    ? query
    : null
}

const routes: RouteRecordRaw[] = [
  {
    path: '/',
    component: () => import('@/layout/AppLayout.vue'),
    redirect: () => ({ name: homePage().name }),
    children: pages.filter((page) => (page.layout ?? 'app') === 'app').map(record),
  },
  ...pages.filter((page) => page.layout === 'bare').map(record),
]

export const router = createRouter({
  history: createWebHistory(import.meta.env.BASE_URL),
  routes,
})

router.beforeEach((to) => {
  const session = useSession()
  if (to.name === LOGIN) {
    if (session.loggedIn && !session.mustChangePassword) {
      return redirectTarget(to.query.redirect) ?? { name: homePage().name }
    }
    return true
  }
  if (to.meta.public) return true
  if (!session.loggedIn || session.mustChangePassword) {
    // `/` (redirected to the home page) needs no way back: the login lands there anyway.
    const asked = to.redirectedFrom?.fullPath === '/' ? null : to.fullPath
    return { name: LOGIN, query: asked ? { redirect: asked } : {} }
  }
  return true
})

/** The browser tab's title: the page's, in the current language (App.vue calls it on a switch). */
export function updateTitle(): void {
  const { t } = i18n.global
  const title = router.currentRoute.value.meta.title
  document.title = title ? `${t(title)} · ${t('app.name')}` : t('app.name')
}

router.afterEach(updateTitle)
