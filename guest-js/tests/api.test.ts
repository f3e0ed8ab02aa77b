// Every function of the package against a mocked IPC (`@tauri-apps/api/mocks`), answering with
// the samples the Rust models produce (models.generated.ts).
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest'
import { clearMocks, mockIPC } from '@tauri-apps/api/mocks'
import { Channel } from '@tauri-apps/api/core'

import {
  backendFetch,
  backendWebSocket,
  getBackend,
  getBackendUrl,
  logs,
  onLog,
  onStatus,
  restart,
  SidecarError,
  start,
  status,
  stop,
  type LogEvent,
  type SidecarStatus
} from '../index'
import {
  backend,
  backendWithoutToken,
  errors,
  logEntry,
  logEvent,
  readyStatus,
  stoppedStatus
} from './models.generated'

type Call = { cmd: string; args: unknown }
let calls: Call[] = []

/** Mocks the IPC: `answers` maps a plugin command to its result (a function may throw). */
function answer(answers: Record<string, (args: any) => unknown>): void {
  mockIPC(
    (cmd, args) => {
      calls.push({ cmd, args })
      const command = cmd.replace('plugin:sidecar|', '')
      const handler = answers[command]
      if (handler === undefined) throw new Error(`unexpected command ${cmd}`)
      return handler(args)
    },
    { shouldMockEvents: true }
  )
}

beforeEach(() => {
  calls = []
})

afterEach(() => {
  clearMocks()
  vi.unstubAllGlobals()
})

describe('commands', () => {
  test('getBackendUrl waits through get_backend_url, passing name and timeoutMs', async () => {
    answer({ get_backend_url: () => readyStatus.url })
    await expect(getBackendUrl()).resolves.toBe('http://127.0.0.1:51234')
    await expect(getBackendUrl('api', { timeoutMs: 5000 })).resolves.toBe(readyStatus.url)
    expect(calls).toEqual([
      { cmd: 'plugin:sidecar|get_backend_url', args: { name: undefined, timeoutMs: undefined } },
      { cmd: 'plugin:sidecar|get_backend_url', args: { name: 'api', timeoutMs: 5000 } }
    ])
  })

  test('getBackend answers the backend with its token', async () => {
    answer({ get_backend: () => backend })
    await expect(getBackend('api')).resolves.toEqual(backend)
    expect(calls[0]).toEqual({ cmd: 'plugin:sidecar|get_backend', args: { name: 'api' } })
  })

  test('status answers one status per sidecar', async () => {
    answer({ status: () => [readyStatus, stoppedStatus] })
    const all = await status()
    expect(all.map((s) => [s.name, s.state])).toEqual([
      ['api', 'ready'],
      ['worker', 'stopped']
    ])
    expect(calls[0].args).toEqual({ name: undefined })
  })

  test.each(['start', 'stop', 'restart'] as const)('%s sends the name and resolves empty', async (command) => {
    answer({ [command]: () => null })
    const fn = { start, stop, restart }[command]
    await expect(fn('api')).resolves.toBeUndefined()
    expect(calls).toEqual([{ cmd: `plugin:sidecar|${command}`, args: { name: 'api' } }])
  })

  test('logs sends name and line count and answers the lines', async () => {
    answer({ logs: () => [logEntry] })
    await expect(logs('api', 20)).resolves.toEqual([logEntry])
    expect(calls[0].args).toEqual({ name: 'api', lines: 20 })
  })
})

describe('errors', () => {
  test.each(errors.map((e) => [e.kind, e] as const))(
    'a %s error rejects with a SidecarError carrying kind and message',
    async (_kind, serialized) => {
      answer({
        get_backend_url: () => {
          throw serialized
        }
      })
      const rejection = await getBackendUrl('api').catch((e: unknown) => e)
      expect(rejection).toBeInstanceOf(SidecarError)
      expect(rejection).toBeInstanceOf(Error)
      expect(rejection).toMatchObject({ kind: serialized.kind, message: serialized.message })
    }
  )

  test('a refusal by the IPC layer (a plain string) rejects with kind ipc', async () => {
    const refusal = 'sidecar.restart not allowed. Permissions associated with this command: sidecar:allow-restart'
    answer({
      restart: () => {
        throw refusal
      }
    })
    await expect(restart('api')).rejects.toMatchObject({ kind: 'ipc', message: refusal })
  })
})

describe('streams', () => {
  /** Delivers `messages` to the channel passed as `argument` of the last call, as the plugin does. */
  function deliver(argument: string, ...messages: unknown[]) {
    const channel = (calls[calls.length - 1].args as Record<string, Channel<unknown>>)[argument]
    messages.forEach((message, index) =>
      (window as any).__TAURI_INTERNALS__.runCallback(channel.id, { message, index })
    )
    return channel
  }

  test('onStatus opens a status stream for this page and ends it when unlistened', async () => {
    answer({ watch_status: () => null, unwatch: () => null })
    const seen: SidecarStatus[] = []
    const unlisten = await onStatus((s) => seen.push(s), { name: 'api' })
    expect(calls[0].cmd).toBe('plugin:sidecar|watch_status')
    expect((calls[0].args as any).name).toBe('api')
    const channel = deliver('onStatus', readyStatus, stoppedStatus)
    expect(seen).toEqual([readyStatus, stoppedStatus])
    unlisten()
    await vi.waitFor(() => expect(calls.map((c) => c.cmd)).toContain('plugin:sidecar|unwatch'))
    expect(calls[calls.length - 1].args).toEqual({ channel: channel.id })
  })

  test('onLog opens an output stream and stops calling the handler when unlistened', async () => {
    answer({ watch_logs: () => null, unwatch: () => null })
    const seen: LogEvent[] = []
    const unlisten = await onLog((l) => seen.push(l))
    expect(calls[0].cmd).toBe('plugin:sidecar|watch_logs')
    const channel = deliver('onLine', logEvent)
    unlisten()
    ;(window as any).__TAURI_INTERNALS__.runCallback(channel.id, { message: logEvent, index: 1 })
    expect(seen).toEqual([logEvent])
  })

  test('a page without the permission gets the refusal as a SidecarError', async () => {
    const refusal = 'sidecar.watch_logs not allowed. Permissions associated with this command: sidecar:allow-watch-logs'
    answer({
      watch_logs: () => {
        throw refusal
      }
    })
    await expect(onLog(() => {})).rejects.toMatchObject({ kind: 'ipc', message: refusal })
  })
})

describe('backendFetch', () => {
  function stubFetch() {
    const fetch = vi.fn(async (_url: URL | RequestInfo, _init?: RequestInit) => new Response('{"status":"ok"}'))
    vi.stubGlobal('fetch', fetch)
    return fetch
  }

  test('waits for readiness, then fetches the path on the backend with its bearer token', async () => {
    answer({ get_backend_url: () => backend.url, get_backend: () => backend })
    const fetch = stubFetch()
    const response = await backendFetch('/api/echo?x=1', { method: 'POST', body: 'hi' }, { name: 'api', timeoutMs: 100 })
    await expect(response.json()).resolves.toEqual({ status: 'ok' })
    expect(calls.map((c) => c.cmd)).toEqual(['plugin:sidecar|get_backend_url', 'plugin:sidecar|get_backend'])
    expect(calls[0].args).toEqual({ name: 'api', timeoutMs: 100 })
    const [url, init] = fetch.mock.calls[0]
    expect(String(url)).toBe('http://127.0.0.1:51234/api/echo?x=1')
    expect(init?.method).toBe('POST')
    expect(new Headers(init?.headers).get('Authorization')).toBe(`Bearer ${backend.token}`)
  })

  test.each([
    'https://elsewhere.example/x',
    '//elsewhere.example/x',
    'http://127.0.0.1:1/x',
    'http://localhost:51234/x',
    'file:///etc/passwd'
  ])('refuses %s, which leads away from the backend, and sends nothing', async (path) => {
    answer({ get_backend_url: () => backend.url, get_backend: () => backend })
    const fetch = stubFetch()
    await expect(backendFetch(path)).rejects.toMatchObject({ name: 'SidecarError', kind: 'foreignUrl' })
    expect(fetch).not.toHaveBeenCalled()
  })

  test('relative paths stay on the backend', async () => {
    answer({ get_backend_url: () => backend.url, get_backend: () => backend })
    const fetch = stubFetch()
    await backendFetch('api/items?page=2')
    await backendFetch('/../api/x')
    expect(fetch.mock.calls.map(([url]) => String(url))).toEqual([
      'http://127.0.0.1:51234/api/items?page=2',
      'http://127.0.0.1:51234/api/x'
    ])
  })

  test('sends no Authorization header when the sidecar has no token', async () => {
    answer({ get_backend_url: () => backend.url, get_backend: () => backendWithoutToken })
    const fetch = stubFetch()
    await backendFetch('/api/health', { headers: { Accept: 'application/json' } })
    const headers = new Headers(fetch.mock.calls[0][1]?.headers)
    expect(headers.has('Authorization')).toBe(false)
    expect(headers.get('Accept')).toBe('application/json')
  })

  test("keeps the caller's own Authorization header", async () => {
    answer({ get_backend_url: () => backend.url, get_backend: () => backend })
    const fetch = stubFetch()
    await backendFetch('/api/me', { headers: { Authorization: 'Basic abc' } })
    expect(new Headers(fetch.mock.calls[0][1]?.headers).get('Authorization')).toBe('Basic abc')
  })

  test('rejects with the sidecar error and fetches nothing when the sidecar failed', async () => {
    const failed = errors.find((e) => e.kind === 'failed')!
    answer({
      get_backend_url: () => {
        throw failed
      }
    })
    const fetch = stubFetch()
    await expect(backendFetch('/api/health')).rejects.toMatchObject({ kind: 'failed' })
    expect(fetch).not.toHaveBeenCalled()
  })
})

describe('backendWebSocket', () => {
  function stubWebSocket() {
    const opened: Array<{ url: string; protocols: string[] }> = []
    class FakeWebSocket {
      constructor(url: URL | string, protocols: string[]) {
        opened.push({ url: String(url), protocols })
      }
    }
    vi.stubGlobal('WebSocket', FakeWebSocket)
    return opened
  }

  test('waits for readiness, then offers the token in a subprotocol, never in the URL', async () => {
    answer({ get_backend_url: () => backend.url, get_backend: () => backend })
    const opened = stubWebSocket()
    await backendWebSocket('/ws/chat?room=1', { name: 'api', protocols: ['chat.v2'] })
    expect(calls.map((c) => c.cmd)).toEqual(['plugin:sidecar|get_backend_url', 'plugin:sidecar|get_backend'])
    expect(opened).toEqual([
      {
        url: 'ws://127.0.0.1:51234/ws/chat?room=1',
        protocols: ['tauri-sidecar', `tauri-sidecar.bearer.${backend.token}`, 'chat.v2']
      }
    ])
    expect(opened[0].url).not.toContain(backend.token!)
  })

  test('offers only tauri-sidecar when the sidecar has no token', async () => {
    answer({ get_backend_url: () => backendWithoutToken.url, get_backend: () => backendWithoutToken })
    const opened = stubWebSocket()
    await backendWebSocket('/ws')
    expect(opened[0].protocols).toEqual(['tauri-sidecar'])
  })

  test('refuses a path that leads to another origin before opening anything', async () => {
    answer({ get_backend_url: () => backend.url, get_backend: () => backend })
    const opened = stubWebSocket()
    await expect(backendWebSocket('//elsewhere.example/ws')).rejects.toMatchObject({ kind: 'foreignUrl' })
    expect(opened).toEqual([])
  })
})
