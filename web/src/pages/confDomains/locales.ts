/** Strings of the domains page, as `t('confDomains.<key>')`; `title` names it in the menu and the tab. */
export const en = {
  title: 'Domains',
  add: 'Create domain',
  added: 'Domain {name} created',
  name: 'Domain name',
  priority: 'Priority',
  actions: 'Actions',
  open: 'Files and hosts',
  delete: 'Delete',
  confirmDelete: 'Delete the domain {name}, its files and its change log?',
  deleted: '{n} domains deleted',
  empty: 'No domain yet',
}

export const zh: typeof en = {
  title: '业务域',
  add: '创建业务域',
  added: '已创建业务域 {name}',
  name: '业务域名称',
  priority: '优先级',
  actions: '操作',
  open: '文件与主机',
  delete: '删除',
  confirmDelete: '删除业务域 {name} 及其文件和变更记录？',
  deleted: '已删除 {n} 个业务域',
  empty: '暂无业务域',
}
