// The page uses the plugin's global API (`app.withGlobalTauri`): window.__TAURI__.sidecar.
// A bundled frontend would `import { getBackendUrl, ... } from 'tauri-plugin-sidecar-api'` instead.
const sidecar = window.__TAURI__.sidecar
const NAME = 'main'
const LOG_LINES = 20
const $ = (id) => document.getElementById(id)

function problem(what, error) {
  $('problem').textContent = `${what}: ${error.kind ?? 'error'}: ${error.message ?? error}`
}

function showStatus(status) {
  $('state').textContent = status.state
  $('state').className = `state ${status.state}`
  $('pid').textContent = status.pid ?? '–'
  $('url').textContent = status.url ?? '–'
  $('restarts').textContent = status.restarts
  $('error').textContent = status.error ?? '–'
}

const seen = []
function noteTransition(state) {
  if (seen[seen.length - 1] !== state) seen.push(state)
  $('transitions').textContent = seen.join(' → ')
}

// Health with the URL from getBackendUrl() and the token from getBackend(); the rest with
// backendFetch(), which does both.
async function loadBackend() {
  try {
    const url = await sidecar.getBackendUrl(NAME)
    const { token } = await sidecar.getBackend(NAME)
    const headers = token ? { Authorization: `Bearer ${token}` } : {}
    const health = await fetch(`${url}/api/health`, { headers }).then((r) => r.json())
    $('health').textContent = health.status
    const info = await sidecar.backendFetch('/api/info').then((r) => r.json())
    $('python').textContent = info.python
    $('server-pid').textContent = info.pid
    $('problem').textContent = ''
  } catch (error) {
    problem('backend', error)
  }
}

// One load at a time: the first status event and the initial load may both ask.
let loading = null
function refresh() {
  loading ??= loadBackend().finally(() => {
    loading = null
  })
  return loading
}

function addLogLine(entry) {
  const logs = $('logs')
  const lines = logs.textContent ? logs.textContent.split('\n') : []
  lines.push(`${entry.stream === 'stderr' ? '!' : ' '} ${entry.line}`)
  logs.textContent = lines.slice(-LOG_LINES).join('\n')
  logs.scrollTop = logs.scrollHeight
}

$('echo-form').addEventListener('submit', async (event) => {
  event.preventDefault()
  try {
    const response = await sidecar.backendFetch('/api/echo', { method: 'POST', body: $('echo-input').value })
    const { echo, length } = await response.json()
    $('echo-result').textContent = `${echo} (${length} characters)`
  } catch (error) {
    problem('echo', error)
  }
})

// A streamed answer, shown as it arrives: `backendFetch` returns the Response as `fetch` does.
$('stream-button').addEventListener('click', async () => {
  $('stream-result').textContent = ''
  try {
    const response = await sidecar.backendFetch('/api/stream')
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader()
    for (let part = await reader.read(); !part.done; part = await reader.read()) {
      $('stream-result').textContent += part.value
    }
  } catch (error) {
    problem('stream', error)
  }
})

// One WebSocket, opened on the first message and kept open: the token travels in its
// subprotocol, never in the URL.
let socket = null
$('ws-form').addEventListener('submit', async (event) => {
  event.preventDefault()
  try {
    if (socket === null || socket.readyState > WebSocket.OPEN) {
      socket = await sidecar.backendWebSocket('/ws/echo')
      socket.onmessage = (message) => {
        $('ws-result').textContent = message.data
      }
      socket.onclose = (closed) => {
        $('ws-result').textContent += ` (closed: ${closed.code})`
      }
      await new Promise((opened, failed) => {
        socket.onopen = opened
        socket.onerror = () => failed(new Error('the WebSocket did not open'))
      })
    }
    socket.send($('ws-input').value)
  } catch (error) {
    problem('websocket', error)
  }
})

$('crash-button').addEventListener('click', async () => {
  $('health').textContent = '…'
  // The backend exits while answering; the failed request is expected.
  await sidecar.backendFetch('/api/crash', { method: 'POST' }).catch(() => {})
})

$('quit-button').addEventListener('click', () => window.__TAURI__.window.getCurrentWindow().close())

await sidecar.onStatus(
  (status) => {
    showStatus(status)
    noteTransition(status.state)
    if (status.state === 'ready') refresh()
  },
  { name: NAME }
)
await sidecar.onLog(addLogLine, { name: NAME })

const [initial] = await sidecar.status(NAME)
showStatus(initial)
noteTransition(initial.state)
for (const entry of await sidecar.logs(NAME, LOG_LINES)) addLogLine(entry)
refresh()
