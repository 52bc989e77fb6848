/**
 * The manager's deployment routes (docs/deployment.md): templates, tasks, and the runs of a task
 * (execute answers at once with the run ids; status is read while the run goes on; cancel).
 */
import { api } from './client'
import type { Direction, Paged } from './hosts'

/** A step of a template: run it (`enable`), and go on after it failed (`continue`). */
export interface Step {
  enable: boolean
  continue: boolean
}

/** A 21.09 step list (components in run order) with the variables of its components. */
export interface TemplateContent {
  step_list: Record<string, Step>
  variables?: Record<string, Record<string, unknown>>
}

export interface Template {
  template_name: string
  template_content: TemplateContent
  description: string
}

/** Which of the user's templates or tasks: a page sorted by `Sort`, or (none given) every one. */
interface ListQuery<Sort extends string> {
  page?: number
  per_page?: number
  sort?: Sort | ''
  direction?: Direction
}

export type TemplateQuery = ListQuery<'template_name'> & { template_list?: string[] }

/** The user's templates: a page of them, or every one (unpaged, in import order). */
export function getTemplates(query: TemplateQuery = {}) {
  return api.post<Paged & { template_infos: Template[] }>('/manage/template/get', query)
}

/** Import a template as its YAML (or JSON) text; a refused one names each bad field. */
export function importTemplate(body: {
  template_name: string
  template_yaml: string
  description: string
}) {
  return api.post('/manage/template/import', body)
}

export function deleteTemplates(names: string[]) {
  return api.delete('/manage/template/delete', { template_list: names })
}

export interface TaskHost {
  host_id: string
  host_name: string
  public_ip: string
  /** The components (inventory groups) the host gets. */
  components: string[]
}

export interface DeployTask {
  task_id: string
  task_name: string
  description: string
  /** The templates, in the order their steps run. */
  template_name: string[]
  host_list: TaskHost[]
}

export type TaskQuery = ListQuery<'task_name'> & { task_list?: string[] }

export function getTasks(query: TaskQuery = {}) {
  return api.post<Paged & { task_infos: DeployTask[] }>('/manage/task/get', query)
}

export interface NewTask {
  task_name: string
  description: string
  template_name: string[]
  /** Each host with its components; none given: every component the templates enable. */
  host_list: { host_id: string; components?: string[] }[]
}

export function generateTask(task: NewTask) {
  return api.post<{ task_id: string }>('/manage/task/generate', task)
}

export function deleteTasks(taskIds: string[]) {
  return api.delete('/manage/task/delete', { task_list: taskIds })
}

/** Start a run of each task (`check`: Ansible's check mode); answered before anything runs. */
export function executeTasks(taskIds: string[], check: boolean) {
  return api.post<{ run_id: string; run_list: { task_id: string; run_id: string }[] }>(
    '/manage/task/execute',
    { task_list: taskIds, check },
  )
}

export type RunStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled' | 'interrupted'
export type StepStatus =
  | 'queued'
  | 'running'
  | 'ok'
  | 'changed'
  | 'failed'
  | 'unreachable'
  | 'skipped'
  | 'cancelled'
  | 'interrupted'

/** A host of a step, as Ansible's events left it. */
export interface RunHost {
  host_id: string
  host_name: string
  status: StepStatus
  /** The failing task's name and message (a host that failed or was unreachable). */
  task: string
  message: string
  /** The last lines of the host's output. */
  output: string
  started_at: number | null
  ended_at: number | null
}

export interface RunStep {
  position: number
  step: string
  template_name: string
  enable: boolean
  continue: boolean
  status: StepStatus
  started_at: number | null
  ended_at: number | null
  hosts: RunHost[]
}

/** A run as the task's history lists it. */
export interface RunSummary {
  run_id: string
  task_id: string
  task_name: string
  check: boolean
  status: RunStatus
  reason: string
  created_at: number
  started_at: number | null
  ended_at: number | null
}

export interface Run extends RunSummary {
  steps: RunStep[]
}

/** One run in full. */
export function getRun(runId: string, signal?: AbortSignal) {
  return api.post<{ run: Run }>('/manage/task/status', { run_id: runId }, signal ? { signal } : {})
}

/** A page of a task's runs, newest first (with the newest in full, which the history ignores). */
export function getRuns(query: { task_id: string; page: number; per_page: number }) {
  return api.post<Paged & { run_list: RunSummary[]; run: Run | null }>('/manage/task/status', query)
}

/** Stop a queued or running run (answers `cancelling`; 409 when it has ended). */
export function cancelRun(runId: string) {
  return api.post<{ run_id: string; status: 'cancelling' }>('/manage/task/cancel', {
    run_id: runId,
  })
}
