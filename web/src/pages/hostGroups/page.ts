import { ClusterOutlined } from '@ant-design/icons-vue'

import { definePage } from '@/pages/registry'

import * as locales from './locales'

export default definePage({
  path: '/host-groups',
  component: () => import('./HostGroupsPage.vue'),
  menu: { order: 2, icon: ClusterOutlined, group: 'assets' },
  locales,
})
