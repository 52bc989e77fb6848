import { ApartmentOutlined } from '@ant-design/icons-vue'

import { definePage } from '@/pages/registry'

import * as locales from './locales'

export default definePage({
  path: '/diagnosis/trees',
  component: () => import('./FaultTreesPage.vue'),
  menu: { order: 3, icon: ApartmentOutlined, group: 'diagnosis' },
  locales,
})
