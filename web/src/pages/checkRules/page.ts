import { AuditOutlined } from '@ant-design/icons-vue'

import { definePage } from '@/pages/registry'

import * as locales from './locales'

export default definePage({
  path: '/diagnosis/check-rules',
  component: () => import('./CheckRulesPage.vue'),
  menu: { order: 1, icon: AuditOutlined, group: 'diagnosis' },
  locales,
})
