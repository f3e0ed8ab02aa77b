// The benchmark's page for the baseline: the original design's `get_backend_url` command, then the
// first backend call (the original design has no token).
const url = await window.__TAURI__.core.invoke('get_backend_url')
const health = await fetch(`${url}/api/health`).then((r) => r.json())
performance.mark('first-backend-call')
document.getElementById('health').textContent = health.status
