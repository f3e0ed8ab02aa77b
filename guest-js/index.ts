/**
 * Frontend API of `tauri-plugin-sidecar`: wait for the supervised backend, call it, and follow
 * its status and output.
 *
 * ```ts
 * import { getBackendUrl } from 'tauri-plugin-sidecar-api'
 *
 * const url = await getBackendUrl() // resolves once GET /api/health answers {"status":"ok"}
 * const health = await fetch(`${url}/api/health`).then((r) => r.json())
 * ```
 *
 * Every function rejects with a {@link SidecarError}, whose `kind` can be branched on.
 *
 * @module
 */

import { Channel, invoke } from '@tauri-apps/api/core'
import type { UnlistenFn } from '@tauri-apps/api/event'

export type { UnlistenFn }

/** Where a sidecar is in its lifecycle. */
export type SidecarState =
  | 'starting'
  | 'ready'
  | 'restarting'
  | 'stopping'
  | 'stopped'
  | 'failed'

/** Which output pipe a line came from. */
export type OutputStream = 'stdout' | 'stderr'

/** A snapshot of one sidecar: what `status` returns and `onStatus` receives. */
export interface SidecarStatus {
  /** The sidecar's name (its key under `plugins.sidecar.sidecars`). */
  name: string
  /** Lifecycle state. */
  state: SidecarState
  /** Process id of the running process, if any. */
  pid: number | null
  /** Port of the current (or last) start. */
  port: number | null
  /** `http://127.0.0.1:<port>` of the current (or last) start. */
  url: string | null
  /** How many times the supervisor has restarted it. */
  restarts: number
  /** Why it last failed or restarted, if it did. */
  error: string | null
}

/** Where a ready backend is and how to authenticate to it: what `getBackend` returns. */
export interface BackendInfo {
  /** The sidecar's name. */
  name: string
  /** `http://127.0.0.1:<port>`. */
  url: string
  /** The port. */
  port: number
  /** The bearer token of this start, or `null` when the sidecar has no `tokenEnv`. */
  token: string | null
}

/** One output line, as `logs` returns it. */
export interface LogEntry {
  /** `stdout` or `stderr`. */
  stream: OutputStream
  /** The line, without its line ending (over-long lines are cut and marked). */
  line: string
}

/** One output line of a sidecar, as `onLog` receives it. */
export interface LogEvent extends LogEntry {
  /** The sidecar's name. */
  name: string
}

/** The error kinds of the plugin's commands. */
export type PluginErrorKind =
  | 'unknownSidecar'
  | 'nameRequired'
  | 'notReady'
  | 'notExposed'
  | 'outOfScope'
  | 'failed'
  | 'stopped'
  | 'timeout'
  | 'config'
  | 'gone'
  | 'io'

/**
 * A {@link PluginErrorKind}; `ipc` when the call did not reach the plugin (for example, a
 * command the app's capabilities do not allow); `foreignUrl` when {@link backendFetch} was given
 * a path that leads away from the backend.
 */
export type SidecarErrorKind = PluginErrorKind | 'ipc' | 'foreignUrl'

/**
 * How every function of this package rejects.
 *
 * @example
 * ```ts
 * try {
 *   await getBackendUrl('api', { timeoutMs: 5000 })
 * } catch (e) {
 *   if (e instanceof SidecarError && e.kind === 'failed') showBackendFailure(e.message)
 * }
 * ```
 */
export class SidecarError extends Error {
  /** Stable kind to branch on. */
  readonly kind: SidecarErrorKind

  constructor(kind: SidecarErrorKind, message: string) {
    super(message)
    this.name = 'SidecarError'
    this.kind = kind
  }
}

function toSidecarError(raw: unknown): SidecarError {
  if (raw instanceof SidecarError) return raw
  if (typeof raw === 'object' && raw !== null && 'kind' in raw && 'message' in raw) {
    const { kind, message } = raw as { kind: unknown; message: unknown }
    if (typeof kind === 'string' && typeof message === 'string') {
      return new SidecarError(kind as SidecarErrorKind, message)
    }
  }
  const message = raw instanceof Error ? raw.message : String(raw)
  return new SidecarError('ipc', message)
}

async function call<T>(command: string, args: Record<string, unknown> = {}): Promise<T> {
  try {
    return await invoke<T>(`plugin:sidecar|${command}`, args)
  } catch (raw) {
    throw toSidecarError(raw)
  }
}

/**
 * The backend's URL (`http://127.0.0.1:<port>`), once the sidecar is ready; at once if it is.
 * Rejects at once with kind `failed` or `stopped` when the sidecar gave up or is stopped, and with
 * `timeout` after `timeoutMs` (default: wait as long as it is starting).
 *
 * @param name The sidecar; may be omitted when exactly one is configured.
 *
 * @example
 * ```ts
 * const url = await getBackendUrl()
 * const items = await fetch(`${url}/api/items`).then((r) => r.json())
 * ```
 */
export async function getBackendUrl(
  name?: string,
  options: { timeoutMs?: number } = {}
): Promise<string> {
  return await call<string>('get_backend_url', { name, timeoutMs: options.timeoutMs })
}

/**
 * URL, port and token of a ready sidecar; rejects with kind `notReady` when it is not ready now.
 *
 * @example
 * ```ts
 * const { url, token } = await getBackend('api')
 * ```
 */
export async function getBackend(name?: string): Promise<BackendInfo> {
  return await call<BackendInfo>('get_backend', { name })
}

/**
 * Status of one sidecar, or of all of them (dependencies first) when `name` is omitted.
 *
 * @example
 * ```ts
 * for (const s of await status()) console.log(s.name, s.state)
 * ```
 */
export async function status(name?: string): Promise<SidecarStatus[]> {
  return await call<SidecarStatus[]>('status', { name })
}

/**
 * Starts a sidecar (also one in `failed`); resolves once the start is under way. Needs the
 * `sidecar:allow-start` permission.
 *
 * @example
 * ```ts
 * await start('api')
 * const url = await getBackendUrl('api')
 * ```
 */
export async function start(name: string): Promise<void> {
  await call<null>('start', { name })
}

/**
 * Stops a sidecar gracefully (SIGTERM, then SIGKILL after its `shutdownTimeoutMs`); resolves when
 * its processes are gone. Needs the `sidecar:allow-stop` permission.
 *
 * @example
 * ```ts
 * await stop('api')
 * ```
 */
export async function stop(name: string): Promise<void> {
  await call<null>('stop', { name })
}

/**
 * Stops and starts a sidecar; resolves once the new start is under way. Needs the
 * `sidecar:allow-restart` permission.
 *
 * @example
 * ```ts
 * await restart('api')
 * const url = await getBackendUrl('api') // the new start's URL
 * ```
 */
export async function restart(name: string): Promise<void> {
  await call<null>('restart', { name })
}

/**
 * The last `lines` output lines of a sidecar (all that are kept when omitted), oldest first.
 * Needs the `sidecar:allow-logs` permission.
 *
 * @example
 * ```ts
 * const tail = await logs('api', 20)
 * console.log(tail.map((l) => l.line).join('\n'))
 * ```
 */
export async function logs(name: string, lines?: number): Promise<LogEntry[]> {
  return await call<LogEntry[]>('logs', { name, lines })
}

/**
 * Calls `handler` on every state change of every sidecar, or of `options.name` only. The changes
 * come over an IPC channel to this page alone (`watch_status`, in `sidecar:default`). Resolves
 * to a function that stops them.
 *
 * @example
 * ```ts
 * const unlisten = await onStatus((s) => console.log(`${s.name}: ${s.state}`))
 * // later
 * unlisten()
 * ```
 */
export async function onStatus(
  handler: (status: SidecarStatus) => void,
  options: { name?: string } = {}
): Promise<UnlistenFn> {
  return await watch('watch_status', 'onStatus', handler, options.name)
}

/**
 * Calls `handler` with every output line of every sidecar, or of `options.name` only, from now
 * on. The lines come over an IPC channel to this page alone; it needs the
 * `sidecar:allow-watch-logs` permission. Resolves to a function that stops them.
 *
 * @example
 * ```ts
 * const unlisten = await onLog((l) => console.log(`[${l.name}] ${l.line}`))
 * ```
 */
export async function onLog(
  handler: (line: LogEvent) => void,
  options: { name?: string } = {}
): Promise<UnlistenFn> {
  return await watch('watch_logs', 'onLine', handler, options.name)
}

/** Starts the stream of `command` on a new channel (argument `argument`) for `handler`. */
async function watch<T>(
  command: string,
  argument: string,
  handler: (payload: T) => void,
  name: string | undefined
): Promise<UnlistenFn> {
  const channel = new Channel<T>(handler)
  await call<null>(command, { name, [argument]: channel })
  return () => {
    channel.onmessage = () => {}
    call<null>('unwatch', { channel: channel.id }).catch(() => {})
  }
}

/**
 * `fetch` against the backend: waits until the sidecar is ready, resolves `path` against its URL
 * and adds `Authorization: Bearer <token>` when the sidecar has a token (unless `init` sets its own
 * `Authorization` header). A `path` that resolves to another origin (`https://elsewhere/x`,
 * `//elsewhere/x`) is refused with kind `foreignUrl` before anything is sent: the token goes to
 * the backend only.
 *
 * @param path Path (and query) on the backend, e.g. `/api/items?page=2`.
 * @param init Passed on to `fetch`.
 * @param options `name`: the sidecar (may be omitted when exactly one is configured);
 *   `timeoutMs`: how long to wait for readiness.
 *
 * @example
 * ```ts
 * const response = await backendFetch('/api/echo', { method: 'POST', body: 'hi' })
 * console.log(await response.text())
 * ```
 */
export async function backendFetch(
  path: string,
  init: RequestInit = {},
  options: { name?: string; timeoutMs?: number } = {}
): Promise<Response> {
  const { url, backend } = await backendUrlOf('backendFetch', path, options)
  const headers = new Headers(init.headers)
  if (backend.token !== null && !headers.has('Authorization')) {
    headers.set('Authorization', `Bearer ${backend.token}`)
  }
  return await fetch(url, { ...init, headers })
}

/** The WebSocket subprotocol `tauri_sidecar.guard` selects. */
export const SUBPROTOCOL = 'tauri-sidecar'

/**
 * A WebSocket to the backend: waits until the sidecar is ready, resolves `path` against its URL
 * (`ws:`), and offers the subprotocols `tauri-sidecar` and, when the sidecar has a token,
 * `tauri-sidecar.bearer.<token>`: a browser cannot set the `Authorization` header of a
 * WebSocket, and a token in the URL would end up in logs. `tauri_sidecar.guard` takes the token
 * from there, hides it from the app, and selects `tauri-sidecar` (a server of your own must
 * check it and select it). A `path` that resolves to another origin is refused with kind
 * `foreignUrl`, as by {@link backendFetch}.
 *
 * @param path Path (and query) on the backend, e.g. `/ws/chat`.
 * @param options `name`: the sidecar (may be omitted when exactly one is configured);
 *   `protocols`: more subprotocols to offer; `timeoutMs`: how long to wait for readiness.
 *
 * @example
 * ```ts
 * const socket = await backendWebSocket('/ws/chat')
 * socket.onmessage = (event) => console.log(event.data)
 * socket.onopen = () => socket.send('hello')
 * ```
 */
export async function backendWebSocket(
  path: string,
  options: { name?: string; protocols?: string[]; timeoutMs?: number } = {}
): Promise<WebSocket> {
  const { url, backend } = await backendUrlOf('backendWebSocket', path, options)
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:'
  const protocols = [SUBPROTOCOL]
  if (backend.token !== null) {
    protocols.push(`${SUBPROTOCOL}.bearer.${backend.token}`)
  }
  return new WebSocket(url, [...protocols, ...(options.protocols ?? [])])
}

/** `path` on the ready backend of sidecar `options.name`, refused when it leads elsewhere. */
async function backendUrlOf(
  caller: string,
  path: string,
  options: { name?: string; timeoutMs?: number }
): Promise<{ url: URL; backend: BackendInfo }> {
  await getBackendUrl(options.name, { timeoutMs: options.timeoutMs })
  const backend = await getBackend(options.name)
  const url = new URL(path, backend.url)
  if (url.origin !== new URL(backend.url).origin) {
    throw new SidecarError(
      'foreignUrl',
      `${caller}: ${JSON.stringify(path)} leads to ${url.origin}, not to sidecar \`${backend.name}\` at ${backend.url}`
    )
  }
  return { url, backend }
}
