import type { Messages } from './en'

const zh: Messages = {
  app: {
    name: 'A-Ops',
    tagline: 'openEuler 集群智能运维',
  },
  menu: {
    assets: '资产管理',
    deployment: '部署管理',
    diagnosis: '智能诊断',
    configuration: '配置溯源',
  },
  sider: {
    collapse: '收起菜单',
    expand: '展开菜单',
  },
  header: {
    language: '语言',
    changePassword: '修改密码',
    vaultKey: '录入密钥',
    logout: '退出登录',
    loggedOut: '已退出登录',
  },
  common: {
    ok: '确定',
    cancel: '取消',
    save: '保存',
    required: '必填',
  },
  password: {
    title: '修改密码',
    defaultTitle: '修改默认密码',
    defaultHint: '该账户仍在使用默认密码。请设置新密码后继续，系统将用新密码为您登录。',
    current: '当前密码',
    new: '新密码',
    confirm: '确认新密码',
    mismatch: '两次输入的密码不一致',
    submit: '修改密码',
    changed: '密码已修改',
  },
  vaultKey: {
    title: '录入密钥',
    hint: '用于加密主机 SSH 凭据的密钥。管理服务将其保存在内存中，重启后需重新录入。',
    key: '密钥',
    submit: '使用此密钥',
    accepted: '密钥已录入',
  },
  session: {
    ended: '会话已结束，请重新登录。',
  },
  error: {
    network: '无法连接 A-Ops 服务器（{kind}）',
    http: '服务器返回 {status} {statusText}',
  },
}

export default zh
