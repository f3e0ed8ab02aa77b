const COMMANDS: &[&str] = &[
    "get_backend_url",
    "get_backend",
    "status",
    "start",
    "stop",
    "restart",
    "logs",
    "watch_status",
    "watch_logs",
    "unwatch",
];

fn main() {
    tauri_plugin::Builder::new(COMMANDS)
        // Built from guest-js/ by `npm run build`; gives `withGlobalTauri` apps `window.__TAURI__.sidecar`.
        .global_api_script_path("./api-iife.js")
        .build();
}
