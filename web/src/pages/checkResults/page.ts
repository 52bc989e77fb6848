import { AlertOutlined } from '@ant-design/icons-vue'

import { definePage } from '@/pages/registry'

import * as locales from './locales'

export default definePage({
  path: '/diagnosis/check-results',
  component: () => import('./CheckResultsPage.vue'),
  menu: { order: 2, icon: AlertOutlined, group: 'diagnosis' },
  locales,
})
