/**
 * What the run view reads from a run: whether it has ended (polling stops), the colour of each
 * state, how long something took, and the hosts x steps overview.
 */
import type { Run, RunStatus, StepStatus } from '@/api/deploy'

export type State = RunStatus | StepStatus

const ENDED_RUN: ReadonlySet<RunStatus> = new Set([
  'succeeded',
  'failed',
  'cancelled',
  'interrupted',
])

/** A run that has ended changes no more: the view stops asking. */
export function runEnded(status: RunStatus): boolean {
  return ENDED_RUN.has(status)
}

/** ant-design-vue Tag colours: blue while it goes on, green done, orange changed, red failed. */
export const STATE_COLOURS: Record<State, string> = {
  queued: 'default',
  running: 'processing',
  ok: 'success',
  succeeded: 'success',
  changed: 'warning',
  failed: 'error',
  unreachable: 'magenta',
  skipped: 'default',
  cancelled: 'purple',
  interrupted: 'volcano',
}

/** Seconds between two POSIX times as `4.2 s`, `3 min 05 s` or `1 h 02 min`; the end defaults to
 * `now` (something still running), and nothing started yet is empty. */
export function duration(
  started: number | null,
  ended: number | null,
  now = Date.now() / 1000,
): string {
  if (started === null) return ''
  const seconds = Math.max(0, (ended ?? now) - started)
  if (seconds < 60) return `${seconds.toFixed(1)} s`
  const whole = Math.floor(seconds)
  const minutes = Math.floor(whole / 60)
  if (minutes < 60) return `${minutes} min ${String(whole % 60).padStart(2, '0')} s`
  return `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, '0')} min`
}

/** A host's row of the overview: its state in each step (null: the step does not run on it). */
export interface HostRow {
  host_id: string
  host_name: string
  states: (StepStatus | null)[]
}

/** Every host of the run, in the order the steps first name them, with its state per step. */
export function hostRows(run: Run): HostRow[] {
  const rows = new Map<string, HostRow>()
  run.steps.forEach((step, index) => {
    for (const host of step.hosts) {
      let row = rows.get(host.host_id)
      if (!row) {
        row = {
          host_id: host.host_id,
          host_name: host.host_name,
          states: run.steps.map(() => null),
        }
        rows.set(host.host_id, row)
      }
      row.states[index] = host.status
    }
  })
  return [...rows.values()]
}
