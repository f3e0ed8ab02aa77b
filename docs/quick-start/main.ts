import { backendFetch } from 'tauri-plugin-sidecar-api'

window.addEventListener('DOMContentLoaded', async () => {
  const answer = await backendFetch('/api/hello').then((response) => response.json())
  const shown = document.createElement('p')
  shown.id = 'backend'
  shown.textContent = answer.message
  document.querySelector('main')?.append(shown)
})
