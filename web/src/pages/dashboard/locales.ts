/** Strings of the dashboard page, as `t('dashboard.<key>')`; `title` names it in the menu and the tab. */
export const en = {
  title: 'Dashboard',
  hosts: 'Hosts',
  rules: 'Check rules',
  topHosts: 'Hosts with most abnormal results',
  latest: 'Latest abnormal results',
  chart: 'Abnormal results per rule, last 24 hours',
  host: 'Host',
  ip: 'IP address',
  count: 'Abnormal results',
  rule: 'Rule',
  start: 'Start',
  unknownHost: 'deleted host {id}',
  noAbnormal: 'No abnormal result',
}

export const zh: typeof en = {
  title: '概览',
  hosts: '主机',
  rules: '检查规则',
  topHosts: '异常最多的主机',
  latest: '最新异常结果',
  chart: '各规则的异常结果（最近 24 小时）',
  host: '主机',
  ip: 'IP 地址',
  count: '异常结果数',
  rule: '规则',
  start: '开始时间',
  unknownHost: '已删除的主机 {id}',
  noAbnormal: '没有异常结果',
}
