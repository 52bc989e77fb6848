import { ScheduleOutlined } from '@ant-design/icons-vue'

import { definePage } from '@/pages/registry'

import * as locales from './locales'

// 21.09's path for its task management page.
export default definePage({
  path: '/task/task-management',
  component: () => import('./TasksPage.vue'),
  menu: { order: 1, icon: ScheduleOutlined, group: 'deployment' },
  locales,
})
