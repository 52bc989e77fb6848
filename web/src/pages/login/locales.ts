/** Strings of the login page, as `t('login.<key>')`; `title` names it in the menu and the tab. */
export const en = {
  title: 'Log in',
  username: 'Username',
  password: 'Password',
  submit: 'Log in',
  again: 'Log in as someone else',
}

export const zh: typeof en = {
  title: '登录',
  username: '用户名',
  password: '密码',
  submit: '登录',
  again: '使用其他账户登录',
}
