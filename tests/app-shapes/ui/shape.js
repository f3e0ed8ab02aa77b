// Plays the part the test asks for (`SHAPE_ACTION`, read through the `shape_action` command)
// once the backend is ready. The page always streams the sidecar's status, as apps do.
const { invoke } = window.__TAURI__.core
const sidecar = window.__TAURI__.sidecar
const note = (line) => invoke('note', { line: `page: ${line}` })

async function play() {
  await note('loaded')
  await sidecar.onStatus((status) => {
    document.getElementById('state').textContent = `${status.name}: ${status.state}`
  })
  const action = await invoke('shape_action')
  const url = await sidecar.getBackendUrl('main')
  await note(`backend ready at ${url}`)

  if (action === 'close-window') {
    await window.__TAURI__.window.getCurrentWindow().close()
  } else if (action === 'exit-command') {
    await invoke('exit_app', { code: 0 })
  } else if (action === 'restart') {
    await invoke('restart_app')
  } else if (action === 'start-stubborn') {
    await sidecar.start('stubborn')
    await sidecar.getBackendUrl('stubborn')
    await note('stubborn ready')
  }
}

play().catch((error) => note(`failed: ${error?.kind ?? ''} ${error?.message ?? error}`))
