/**
 * The diag scheduler's routes (`/api/diag/...`): fault trees, diagnosis tasks and their
 * reports; and the one manager call the diagnosis form needs (the user's hosts to pick from).
 */
import { api } from './client'

/** A node of a fault tree as written (21.09's keys, spaces included). */
export interface TreeNode {
  'node name': string
  condition?: string
  'check item'?: string
  /** Beyond 21.09: a leaf judged on the host's neighbours on the topology map. */
  scope?: 'host' | 'neighbours'
  description?: string
  advice?: string
  children?: TreeNode[]
}

export interface FaultTree {
  tree_name: string
  tree_content: TreeNode
  description: string
  tag: string[]
}

export interface TreeIn {
  tree_name: string
  tree_content: unknown
  description: string
}

/** true, false, or null for unknown (aops_utils/trees/evaluate.py). */
export type Truth = boolean | null

/** A node of an evaluated tree (a report): the tree's node with its value and evidence. */
export interface ReportNode extends TreeNode {
  value: Truth
  msg?: string
  evidence?: {
    // A branch: the children that decided it and a sentence saying so.
    decided_by?: string[]
    text?: string
    // A leaf: what the check results of its rule say.
    status?: string
    reason?: string
    result_count?: number
    results?: { start: number; end: number; value: string; reason?: string }[]
  }
  children?: ReportNode[]
}

export type TaskStatus = 'running' | 'finished' | 'failed'

export interface DiagTask {
  task_id: string
  host_list: string[]
  tree_list: string[]
  time_range: [number, number]
  time: number
  interval: number
  expected_report_num: number
  cur_report_num: number
  finished: boolean
  status: TaskStatus
  reason: string
}

export interface TaskProgress {
  task_id: string
  progress: number
  expected_report_num: number
  finished: boolean
  status: TaskStatus | null
  reason: string
}

export interface ReportSummary {
  report_id: string
  task_id: string
  host_id: string
  tree_name: string
  start: number
  end: number
}

/** One end of a link: a process a probe reported, or (process null) an address alone. */
export interface NeighbourEnd {
  ip: string
  port?: number | string
  host: string | null
  pid: string | null
  process: string | null
}

export interface NeighbourLink {
  link_id: string
  /** From the report's host: outgoing when it is the client. */
  direction: 'outgoing' | 'incoming'
  client: NeighbourEnd
  server: NeighbourEnd
  first_seen: number
  last_seen: number
}

export interface NeighbourResult {
  check_item: string
  value: string
  series: string
  start: number
  end: number
  description: string
  reason: string
}

export interface Neighbour {
  host_id: string
  host_name: string
  public_ip: string
  link_count: number
  links: NeighbourLink[]
  abnormal_count: number
  abnormal: NeighbourResult[]
}

export type NeighbourStatus =
  'found' | 'none' | 'no_topology' | 'unknown_host' | 'unavailable' | 'not_recorded'

/** The report host's neighbours on the topology map in its slice (docs/diagnosis.md "Neighbours"). */
export interface NeighbourSection {
  status: NeighbourStatus
  text: string
  total: number
  limit?: number
  hosts: Neighbour[]
}

export interface Report extends ReportSummary {
  report: ReportNode
  /** Beyond 21.09; absent from an older scheduler's answer. */
  neighbours?: NeighbourSection
}

export interface HostChoice {
  host_id: string
  host_name: string
  public_ip: string
  host_group_name: string
}

export function getTrees(treeList: string[] = []) {
  return api.post<{ trees: FaultTree[] }>('/diag/tree/get', { tree_list: treeList })
}

export function importTrees(trees: TreeIn[]) {
  return api.post('/diag/tree/import', { trees })
}

/** A 21.09 workbook (MindMaster layout, sheet "diag") read by the diag scheduler. */
export function treeFromWorkbook(file: File) {
  return file.arrayBuffer().then((bytes) =>
    api.post<{ tree_name: string; tree_content: TreeNode }>('/diag/tree/workbook', {
      workbook: toBase64(new Uint8Array(bytes)),
    }),
  )
}

function toBase64(bytes: Uint8Array): string {
  let text = ''
  // In chunks: String.fromCharCode takes its arguments on the stack.
  for (let at = 0; at < bytes.length; at += 0x8000) {
    text += String.fromCharCode(...bytes.subarray(at, at + 0x8000))
  }
  return btoa(text)
}

export function deleteTrees(treeList: string[]) {
  return api.delete('/diag/tree/delete', { tree_list: treeList })
}

export function execute(body: {
  host_list: string[]
  tree_list: string[]
  time_range: [number, number]
  interval: number
}) {
  return api.post<{ task_id: string; expected_report_num: number }>('/diag/execute', body)
}

export function getTasks(body: { page: number; per_page: number }) {
  return api.post<{ task_infos: DiagTask[]; total_count: number }>('/diag/task/get', {
    ...body,
    sort: 'time',
    direction: 'desc',
  })
}

export function getProgress(taskList: string[]) {
  return api.post<{ result: TaskProgress[] }>('/diag/progress/get', { task_list: taskList })
}

export function deleteTasks(taskList: string[]) {
  return api.delete('/diag/task/delete', { task_list: taskList })
}

export function listReports(body: { task_id: string; page: number; per_page: number }) {
  return api.post<{ result: ReportSummary[]; total_count: number }>('/diag/report/get_list', {
    ...body,
    sort: 'start',
    direction: 'asc',
  })
}

export function getReport(reportId: string) {
  return api.post<{ result: Report[] }>('/diag/report/get', { report_list: [reportId] })
}

/** The user's hosts, for the diagnosis form (the manager answers at most 49 per page). */
export function hostPage(page: number) {
  return api.post<{ host_infos: HostChoice[]; total_count: number; total_page: number }>(
    '/manage/host/get',
    { host_group_list: [], page, per_page: 49, sort: 'host_name', direction: 'asc' },
  )
}

/** A leaf's rule name, and where it is judged when that is the neighbours (`where` says it). */
export function leafLabel(node: TreeNode, where: string): string {
  const item = node['check item'] ?? ''
  return node.scope === 'neighbours' ? `${item} (${where})` : item
}
