import { definePage } from '@/pages/registry'

import * as locales from './locales'

// Reached from a task (execute, its runs): no menu entry of its own.
export default definePage({
  path: '/task/runs/:runId',
  component: () => import('./RunPage.vue'),
  locales,
})
