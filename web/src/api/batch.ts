/**
 * Batches answer per item (hosts deleted, rules imported, trees imported, ...):
 * `succeed_list` (and `update_list`) for what was done, `fail_list` for the rest, with code 200
 * when all was done, 206 when some was, the operation's code when nothing was. `batchOutcome`
 * reads any of these, from a resolved reply or from the ApiError of the "nothing done" case, so
 * a page shows each item's outcome the same way (components/BatchResult.vue).
 */
import { ApiError, type Envelope } from './client'

/** One item that was not done, with the server's reason and the field it is about. */
export interface FailedItem {
  item: string
  reason: string
  field?: string
}

export interface BatchOutcome {
  /** 200 all done, 206 some done, else the failure's code. */
  code: number
  /** Items done: `succeed_list` then `update_list`, as the server listed them. */
  succeeded: unknown[]
  failed: FailedItem[]
  /** The server's summary of the failures (its `detail`), empty when none failed. */
  detail: string
}

/** Keys that name an item in the services' `fail_list` entries, most specific first. */
const NAME_KEYS = [
  'key',
  'name',
  'host_name',
  'host_id',
  'host_group_name',
  'check_item',
  'tree_name',
  'task_id',
  'report_id',
] as const

function describeItem(entry: unknown, index: number): FailedItem {
  if (typeof entry === 'string' || typeof entry === 'number') {
    return { item: String(entry), reason: '' }
  }
  if (typeof entry === 'object' && entry !== null) {
    const record = entry as Record<string, unknown>
    const key = NAME_KEYS.find((name) => typeof record[name] === 'string' && record[name] !== '')
    const item = key ? String(record[key]) : `#${index + 1}`
    const reason = typeof record.reason === 'string' ? record.reason : ''
    const field = typeof record.field === 'string' ? record.field : undefined
    return field === undefined ? { item, reason } : { item, reason, field }
  }
  return { item: `#${index + 1}`, reason: '' }
}

function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : []
}

/** The per-item outcome of a batch answer, or of the ApiError raised when nothing was done. */
export function batchOutcome(source: Envelope | ApiError): BatchOutcome {
  const body = source instanceof ApiError ? source.body : source
  if (body === null) {
    // No envelope at all (the server could not be reached): nothing is known to be done.
    const error = source as ApiError
    return { code: error.code, succeeded: [], failed: [], detail: error.message }
  }
  const record = body as Envelope & { update_list?: unknown }
  const failed = list(record.fail_list).map(describeItem)
  return {
    code: body.code,
    succeeded: [...list(record.succeed_list), ...list(record.update_list)],
    failed,
    detail: failed.length || source instanceof ApiError ? (body.detail ?? body.msg) : '',
  }
}

/**
 * The outcome of a batch call, whether it resolved (all or some done) or rejected with an
 * ApiError (nothing done); null when the session ended (the login page says why, no outcome is
 * shown). Any other failure is thrown.
 */
export async function settleBatch(call: Promise<Envelope>): Promise<BatchOutcome | null> {
  try {
    return batchOutcome(await call)
  } catch (error) {
    if (!(error instanceof ApiError)) throw error
    return error.sessionEnded ? null : batchOutcome(error)
  }
}

/**
 * The outcome with the items named as the user knows them: the server names hosts and tasks by
 * id (in the failed items and its summary), the page knows their names (`names`: id → name).
 */
export function byName(outcome: BatchOutcome, names: ReadonlyMap<string, string>): BatchOutcome {
  let detail = outcome.detail
  for (const [id, name] of names) detail = detail.replaceAll(id, name)
  return {
    ...outcome,
    detail,
    failed: outcome.failed.map((entry) => ({
      ...entry,
      item: names.get(entry.item) ?? entry.item,
    })),
  }
}
