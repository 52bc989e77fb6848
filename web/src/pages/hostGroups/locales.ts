/** Strings of the hostGroups page, as `t('hostGroups.<key>')`; `title` names it in the menu and the tab. */
export const en = {
  title: 'Host groups',
  add: 'Add host group',
  added: 'Host group {name} added',
  name: 'Group name',
  description: 'Description',
  hostCount: 'Hosts',
  actions: 'Actions',
  delete: 'Delete',
  confirmDelete: 'Delete the host group {name}?',
  deleted: '{n} host groups deleted',
  total: '{n} host groups',
}

export const zh: typeof en = {
  title: '主机组',
  add: '添加主机组',
  added: '已添加主机组 {name}',
  name: '主机组名称',
  description: '描述',
  hostCount: '主机数',
  actions: '操作',
  delete: '删除',
  confirmDelete: '删除主机组 {name}？',
  deleted: '已删除 {n} 个主机组',
  total: '共 {n} 个主机组',
}
