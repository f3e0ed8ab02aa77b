import { backendFetch } from 'tauri-plugin-sidecar-api'

window.addEventListener('DOMContentLoaded', async () => {
  const answer = await backendFetch('/api/hello').then((response) => response.json())
  document.querySelector('#greet-msg')!.textContent = answer.message
})
