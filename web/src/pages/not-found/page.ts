import { definePage } from '@/pages/registry'

export default definePage({
  name: 'notFound',
  path: '/:pathMatch(.*)*',
  component: () => import('./NotFoundPage.vue'),
  title: 'notFound.title',
  layout: 'bare',
  public: true,
  locales: {
    en: {
      title: 'Page not found',
      text: 'There is no page at {path}.',
      home: 'Back to A-Ops',
    },
    zh: {
      title: '页面不存在',
      text: '{path} 没有对应的页面。',
      home: '返回 A-Ops',
    },
  },
})
