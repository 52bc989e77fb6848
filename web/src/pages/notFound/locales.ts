/** Strings of the notFound page, as `t('notFound.<key>')`; `title` names it in the menu and the tab. */
export const en = {
  title: 'Page not found',
  text: 'There is no page at {path}.',
  home: 'Back to A-Ops',
}

export const zh: typeof en = {
  title: '页面不存在',
  text: '{path} 没有对应的页面。',
  home: '返回 A-Ops',
}
