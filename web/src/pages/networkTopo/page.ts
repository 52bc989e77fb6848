import { ShareAltOutlined } from '@ant-design/icons-vue'

import { definePage } from '@/pages/registry'

import * as locales from './locales'

export default definePage({
  // 21.09's route (networkTopo/NetworkTopoSimple).
  path: '/networkTopo',
  component: () => import('./TopologyPage.vue'),
  menu: { order: 60, icon: ShareAltOutlined },
  locales,
})
