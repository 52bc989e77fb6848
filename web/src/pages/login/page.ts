import { definePage } from '@/pages/registry'

export default definePage({
  name: 'login',
  path: '/login',
  component: () => import('./LoginPage.vue'),
  title: 'login.title',
  layout: 'bare',
  public: true,
  locales: {
    en: {
      title: 'Log in',
      username: 'Username',
      password: 'Password',
      submit: 'Log in',
      again: 'Log in as someone else',
    },
    zh: {
      title: '登录',
      username: '用户名',
      password: '密码',
      submit: '登录',
      again: '使用其他账户登录',
    },
  },
})
