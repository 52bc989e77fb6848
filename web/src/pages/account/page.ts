import { UserOutlined } from '@ant-design/icons-vue'

import { definePage } from '@/pages/registry'

export default definePage({
  name: 'account',
  path: '/account',
  component: () => import('./AccountPage.vue'),
  title: 'account.title',
  // Last in the menu: the capabilities' pages come first.
  menu: { order: 900, icon: UserOutlined },
  locales: {
    en: {
      title: 'Account',
      user: 'User',
      since: 'Logged in at',
      until: 'Session valid until',
    },
    zh: {
      title: '账户',
      user: '用户',
      since: '登录时间',
      until: '会话有效期至',
    },
  },
})
