/** Strings of the account page, as `t('account.<key>')`; `title` names it in the menu and the tab. */
export const en = {
  title: 'Account',
  user: 'User',
  since: 'Logged in at',
  until: 'Session valid until',
}

export const zh: typeof en = {
  title: '账户',
  user: '用户',
  since: '登录时间',
  until: '会话有效期至',
}
