// The benchmark's baseline page: the original design's `get_backend_url` command, then the
// first backend call. The example's page marks the same moment (`first-backend-call`).
const url = await window.__TAURI__.core.invoke('get_backend_url')
const health = await fetch(`${url}/api/health`).then((r) => r.json())
performance.mark('first-backend-call')
document.getElementById('health').textContent = health.status
