import { definePage } from '@/pages/registry'

import * as locales from './locales'

// Reached from the domains page: no menu entry of its own.
export default definePage({
  path: '/configuration/domains/:domainName',
  component: () => import('./DomainPage.vue'),
  locales,
})
