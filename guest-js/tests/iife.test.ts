// api-iife.js, the build that `withGlobalTauri` apps get, attaches the package as
// window.__TAURI__.sidecar and talks to the same IPC.
import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, expect, test } from 'vitest'
import { clearMocks, mockIPC } from '@tauri-apps/api/mocks'

afterEach(() => clearMocks())

test('api-iife.js attaches window.__TAURI__.sidecar', async () => {
  const calls: string[] = []
  mockIPC((cmd) => {
    calls.push(cmd)
    return 'http://127.0.0.1:51234'
  })
  const global = window as unknown as { __TAURI__: Record<string, any> }
  global.__TAURI__ = {}
  const script = readFileSync(join(dirname(fileURLToPath(import.meta.url)), '../../api-iife.js'), 'utf8')
  new Function(script)()
  const sidecar = global.__TAURI__.sidecar
  expect(Object.keys(sidecar).sort()).toEqual(
    expect.arrayContaining(['backendFetch', 'getBackend', 'getBackendUrl', 'logs', 'onLog', 'onStatus', 'restart', 'start', 'status', 'stop'])
  )
  await expect(sidecar.getBackendUrl()).resolves.toBe('http://127.0.0.1:51234')
  expect(calls).toEqual(['plugin:sidecar|get_backend_url'])
})
