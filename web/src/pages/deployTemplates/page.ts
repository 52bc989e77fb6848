import { FileTextOutlined } from '@ant-design/icons-vue'

import { definePage } from '@/pages/registry'

import * as locales from './locales'

export default definePage({
  path: '/task/templates',
  component: () => import('./TemplatesPage.vue'),
  menu: { order: 2, icon: FileTextOutlined, group: 'deployment' },
  locales,
})
