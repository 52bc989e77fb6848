/** Strings of the diagnosisReport page, as `t('diagnosisReport.<key>')`; `title` names it in the menu and the tab. */
export const en = {
  title: 'Diagnosis report',
  back: 'Back to the tasks',
  host: 'Host',
  tree: 'Fault tree',
  range: 'Time slice',
  task: 'Task',
  node: 'Node',
  value: 'Value',
  evidence: 'Evidence',
  results: '{n} check results',
  values: { true: 'true', false: 'false', unknown: 'unknown' },
  legend: 'true: the fault is there · false: it is not · unknown: not decided',
  notFound: 'No report {id}',
}

export const zh: typeof en = {
  title: '诊断报告',
  back: '返回诊断任务',
  host: '主机',
  tree: '故障树',
  range: '时间片',
  task: '任务',
  node: '节点',
  value: '结果',
  evidence: '依据',
  results: '{n} 条检查结果',
  values: { true: '是', false: '否', unknown: '未知' },
  legend: '是:故障存在 · 否:故障不存在 · 未知:无法判定',
  notFound: '没有报告 {id}',
}
