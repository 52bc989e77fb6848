import { UserOutlined } from '@ant-design/icons-vue'

import { definePage } from '@/pages/registry'

import * as locales from './locales'

export default definePage({
  path: '/account',
  component: () => import('./AccountPage.vue'),
  // Last in the menu: the capabilities' pages come first.
  menu: { order: 900, icon: UserOutlined },
  locales,
})
