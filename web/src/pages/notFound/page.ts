import { definePage } from '@/pages/registry'

import * as locales from './locales'

export default definePage({
  path: '/:pathMatch(.*)*',
  component: () => import('./NotFoundPage.vue'),
  layout: 'bare',
  public: true,
  locales,
})
