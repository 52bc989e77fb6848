import { definePage } from '@/pages/registry'

import * as locales from './locales'

// Reached from the reports of a task (the diagnosis page): no menu entry of its own.
export default definePage({
  path: '/diagnosis/reports/:reportId',
  component: () => import('./ReportPage.vue'),
  locales,
})
