import { backendFetch } from 'tauri-plugin-sidecar-api'

// Asks the backend and shows its answer, or why there is none.
async function hello() {
  const shown = document.querySelector('#greet-msg')!
  try {
    const answer = await backendFetch('/api/hello').then((response) => response.json())
    shown.textContent = answer.message
  } catch (error) {
    shown.textContent = `No answer from the backend: ${error}`
  }
}

window.addEventListener('DOMContentLoaded', () => {
  hello()
  // The template's Greet button asks again.
  document.querySelector('#greet-form')!.addEventListener('submit', (event) => {
    event.preventDefault()
    hello()
  })
})
