/** Strings of the faultTrees page, as `t('faultTrees.<key>')`; `title` names it in the menu and the tab. */
export const en = {
  title: 'Fault trees',
  name: 'Tree name',
  description: 'Description',
  actions: 'Actions',
  file: 'Tree file',
  fileHint:
    "A JSON file with the tree (as `adoctor faultree --action add` takes it) or a 21.09 .xlsx workbook (sheet 'diag').",
  import: 'Import a fault tree',
  importButton: 'Import',
  chooseFile: 'Choose a .json or .xlsx file',
  notJson: 'Not a JSON file: {reason}',
  imported: '{n} trees imported',
  deleted: '{n} trees deleted',
  deleteSelected: 'Delete selected',
  delete: 'Delete',
  export: 'Export',
  confirmDelete: 'Delete {n} trees?',
  onNeighbours: 'on the neighbours',
}

export const zh: typeof en = {
  title: '故障树',
  name: '故障树名称',
  description: '描述',
  actions: '操作',
  file: '故障树文件',
  fileHint:
    "JSON 文件(与 `adoctor faultree --action add` 所用格式相同)或 21.09 的 .xlsx 工作簿(工作表 'diag')。",
  import: '导入故障树',
  importButton: '导入',
  chooseFile: '请选择 .json 或 .xlsx 文件',
  notJson: '不是 JSON 文件:{reason}',
  imported: '已导入 {n} 棵故障树',
  deleted: '已删除 {n} 棵故障树',
  deleteSelected: '删除所选',
  delete: '删除',
  export: '导出',
  confirmDelete: '删除 {n} 棵故障树?',
  onNeighbours: '在邻居主机上',
}
