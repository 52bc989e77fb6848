/**
 * The one way the web talks to A-Ops: `api.post('/manage/host/get', body)`.
 *
 * - Every path is relative to `/api` (nginx and `aops standalone` route it to the services, as
 *   21.09 did); the session token goes in the `Access-Token` header.
 * - Answers are the 21.09 envelope `{code, msg, ...payload}` plus our `detail` (the server's
 *   message), `field` and `errors` (which request field is wrong) and `fail_list` (batches).
 * - Code 200 and 206 resolve: a 206 (HTTP 207) is a batch where some items failed, shown per
 *   item (`batchOutcome` in ./batch.ts), not an error as the 21.09 web had it.
 * - Anything else rejects with an `ApiError` carrying the server's message and fields.
 * - An ended session (code 1201, or HTTP 401 that is not a wrong password) calls the handler
 *   set with `onSessionEnded`: the app drops the token and goes back to the login page.
 *
 * The HTTP status and the envelope's code are both read, so this works whether the services
 * answer truthful statuses or, with `[restful] legacy_http_status=true`, HTTP 200 for all.
 */

export const API_BASE = '/api'

/** 21.09 codes the web acts on (aops_utils/codes.py has them all). */
export const Code = {
  SUCCEED: 200,
  PARTIAL_SUCCEED: 206,
  PARAM_ERROR: 1000,
  HTTP_CONNECT_ERROR: 1001,
  LOGIN_ERROR: 1200,
  TOKEN_ERROR: 1201,
  KEY_ERROR: 1203,
  CHANGE_PASSWORD: 1204,
  REPEAT_PASSWORD: 1205,
} as const

/** One invalid request field, as the services name it (`host_list.0.public_ip`). */
export interface FieldError {
  field: string
  error: string
}

/** What every answer carries; the payload keys sit beside these, as in 21.09. */
export interface Envelope {
  code: number
  msg: string
  /** Our services' plain message for a failure (or a batch with failed items). */
  detail?: string
  /** The request field the failure is about. */
  field?: string
  /** Every invalid field, for a 1000 answer to a body that failed validation. */
  errors?: FieldError[]
  fail_list?: unknown[]
  succeed_list?: unknown[]
}

export type Reply<T> = T & Envelope

export class ApiError extends Error {
  /** HTTP status (0 when no answer arrived). */
  readonly status: number
  /** The envelope's code (0 when the answer was not an envelope). */
  readonly code: number
  readonly body: Envelope | null
  /** The server refused the session: the login page says so, no page needs to. */
  sessionEnded = false

  constructor(message: string, status: number, body: Envelope | null) {
    super(message)
    this.name = 'ApiError'
    this.status = status
    this.code = body?.code ?? 0
    this.body = body
  }

  /** Invalid fields named by the server: `errors`, else the one `field` with the message. */
  get fieldErrors(): FieldError[] {
    if (this.body?.errors?.length) return this.body.errors
    if (this.body?.field) return [{ field: this.body.field, error: this.message }]
    return []
  }
}

export interface RequestOptions {
  /** Codes besides 200 and 206 that resolve instead of rejecting (login accepts 1204). */
  accept?: readonly number[]
  /** Send no token even when a session exists (login). */
  anonymous?: boolean
  /** Do not call the session-ended handler on 1201 (logout, which ends it anyway). */
  ignoreSessionEnd?: boolean
  /** Milliseconds before the request is abandoned (21.09 used 24 s; a diagnosis may take more). */
  timeout?: number
  signal?: AbortSignal
}

type Method = 'GET' | 'POST' | 'PUT' | 'DELETE'

interface ClientHooks {
  token: () => string | null
  sessionEnded: (error: ApiError) => void
  /** Messages for failures that have no server message (no answer, not JSON). */
  describe: (kind: 'network' | 'timeout' | 'http', status: number, statusText: string) => string
}

const hooks: ClientHooks = {
  token: () => null,
  sessionEnded: () => undefined,
  describe: (kind, status, statusText) =>
    kind === 'http' ? `HTTP ${status} ${statusText}` : `the server cannot be reached (${kind})`,
}

/** Wire the client to the session store and the router (src/main.ts does, once). */
export function configureClient(wiring: Partial<ClientHooks>): void {
  Object.assign(hooks, wiring)
}

function isEnvelope(value: unknown): value is Envelope {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Envelope).code === 'number' &&
    typeof (value as Envelope).msg === 'string'
  )
}

async function readEnvelope(response: Response): Promise<Envelope | null> {
  const type = response.headers.get('Content-Type') ?? ''
  if (!type.includes('json')) return null
  try {
    const body: unknown = await response.json()
    return isEnvelope(body) ? body : null
  } catch {
    return null
  }
}

export async function request<T = object>(
  method: Method,
  path: string,
  body?: unknown,
  options: RequestOptions = {},
): Promise<Reply<T>> {
  const headers: Record<string, string> = { Accept: 'application/json' }
  const token = options.anonymous ? null : hooks.token()
  if (token) headers['Access-Token'] = token
  const init: RequestInit = { method, headers }
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json'
    init.body = JSON.stringify(body)
  }
  const timeout = AbortSignal.timeout(options.timeout ?? 60_000)
  init.signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout

  let response: Response
  try {
    response = await fetch(API_BASE + path, init)
  } catch (err) {
    if (options.signal?.aborted) throw err
    const kind = timeout.aborted ? 'timeout' : 'network'
    throw new ApiError(hooks.describe(kind, 0, ''), 0, null)
  }
  const envelope = await readEnvelope(response)
  const code = envelope?.code ?? 0
  const accepted = code === Code.SUCCEED || code === Code.PARTIAL_SUCCEED
  if (envelope && (accepted || options.accept?.includes(code))) {
    return envelope as Reply<T>
  }
  const message =
    envelope?.detail ||
    envelope?.msg ||
    hooks.describe('http', response.status, response.statusText)
  const error = new ApiError(message, response.status, envelope)
  // 1200 (wrong password, HTTP 401 too) is an answer to what was typed, not an ended session.
  const ended = code === Code.TOKEN_ERROR || (response.status === 401 && code !== Code.LOGIN_ERROR)
  if (ended && !options.ignoreSessionEnd) {
    error.sessionEnded = true
    hooks.sessionEnded(error)
  }
  throw error
}

export const api = {
  get: <T = object>(path: string, options?: RequestOptions) =>
    request<T>('GET', path, undefined, options),
  post: <T = object>(path: string, body: unknown = {}, options?: RequestOptions) =>
    request<T>('POST', path, body, options),
  put: <T = object>(path: string, body: unknown = {}, options?: RequestOptions) =>
    request<T>('PUT', path, body, options),
  /** 21.09's deletes are DELETE with a JSON body (`/manage/host/delete {host_list}`). */
  delete: <T = object>(path: string, body: unknown = {}, options?: RequestOptions) =>
    request<T>('DELETE', path, body, options),
}
