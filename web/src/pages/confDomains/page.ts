import { ApartmentOutlined } from '@ant-design/icons-vue'

import { definePage } from '@/pages/registry'

import * as locales from './locales'

export default definePage({
  path: '/configuration/domains',
  component: () => import('./DomainsPage.vue'),
  menu: { order: 1, icon: ApartmentOutlined, group: 'configuration' },
  locales,
})
