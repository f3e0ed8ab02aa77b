// The benchmark's page for the plugin: the same steps as the baseline's page (the URL, then the
// first backend call), through the plugin's API.
const { getBackendUrl, getBackend } = window.__TAURI__.sidecar
const url = await getBackendUrl()
performance.mark('backend-url')
const { token } = await getBackend()
performance.mark('backend-info')
const health = await fetch(`${url}/api/health`, { headers: { Authorization: `Bearer ${token}` } }).then((r) => r.json())
performance.mark('first-backend-call')
document.getElementById('health').textContent = health.status
