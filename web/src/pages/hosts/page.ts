import { DesktopOutlined } from '@ant-design/icons-vue'

import { definePage } from '@/pages/registry'

import * as locales from './locales'

export default definePage({
  path: '/hosts',
  component: () => import('./HostsPage.vue'),
  menu: { order: 1, icon: DesktopOutlined, group: 'assets' },
  locales,
})
