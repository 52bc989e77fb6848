import { DashboardOutlined } from '@ant-design/icons-vue'

import { definePage } from '@/pages/registry'

import * as locales from './locales'

export default definePage({
  path: '/dashboard',
  component: () => import('./DashboardPage.vue'),
  // First in the menu: where `/` and a login land.
  menu: { order: 10, icon: DashboardOutlined },
  locales,
})
