const COMMANDS: &[&str] = &[
    "get_backend_url",
    "get_backend",
    "status",
    "start",
    "stop",
    "restart",
    "logs",
];

fn main() {
    tauri_plugin::Builder::new(COMMANDS).build();
}
