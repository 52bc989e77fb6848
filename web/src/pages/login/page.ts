import { definePage } from '@/pages/registry'

import * as locales from './locales'

export default definePage({
  path: '/login',
  component: () => import('./LoginPage.vue'),
  layout: 'bare',
  public: true,
  locales,
})
