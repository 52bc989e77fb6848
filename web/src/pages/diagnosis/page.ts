import { MonitorOutlined } from '@ant-design/icons-vue'

import { definePage } from '@/pages/registry'

import * as locales from './locales'

export default definePage({
  path: '/diagnosis/tasks',
  component: () => import('./DiagnosisPage.vue'),
  menu: { order: 4, icon: MonitorOutlined, group: 'diagnosis' },
  locales,
})
