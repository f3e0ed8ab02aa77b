//! A sidecar for the tests that every OS runs (`tests/every_os`), with nothing but the standard
//! library, so that it is a native program wherever the tests run: on Windows (under Wine here),
//! where no Python can be had, as on Linux.
//!
//! `test-server [options]` serves `127.0.0.1:$PORT`: `GET /api/health` answers
//! `{"status":"ok"}`, `GET /pid` its process id, `GET /version` the text of `version.txt` in its
//! working directory when it started (if there is one), `GET /crash` exits with status 3. It prints
//! "lifeline closed" and exits 0 when its standard input ends, unless told otherwise:
//! - `--ignore-lifeline`: standard input is not read, and (Unix) SIGTERM is ignored too, so
//!   only a kill ends it;
//! - `--lifeline-only`: (Unix) SIGTERM is ignored, so the lifeline alone ends it;
//! - `--grandchild`: first starts a copy of itself as `test-server --sleep`, which sleeps with
//!   its standard I/O closed and is never waited for, and prints "grandchild pid N".

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Command, Stdio};
use std::time::Duration;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let has = |flag: &str| args.iter().any(|a| a == flag);
    if has("--sleep") {
        loop {
            std::thread::sleep(Duration::from_secs(3600));
        }
    }
    if has("--ignore-lifeline") || has("--lifeline-only") {
        ignore_sigterm();
    }
    if has("--grandchild") {
        // Never waited for: it is to outlive this process, as a server's stray child does.
        #[allow(clippy::zombie_processes)]
        let grandchild = Command::new(std::env::current_exe().expect("own path"))
            .arg("--sleep")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("the grandchild starts");
        println!("grandchild pid {}", grandchild.id());
    }
    if !has("--ignore-lifeline") {
        std::thread::spawn(|| {
            let _ = std::io::stdin().read_to_end(&mut Vec::new());
            println!("lifeline closed");
            std::process::exit(0);
        });
    }
    let port: u16 = std::env::var("PORT")
        .ok()
        .and_then(|p| p.parse().ok())
        .expect("PORT names the port to serve on");
    let version = std::fs::read_to_string("version.txt").unwrap_or_default();
    let version: &'static str = version.trim().to_owned().leak();
    let listener = TcpListener::bind(("127.0.0.1", port)).expect("the port is free");
    println!("serving on 127.0.0.1:{port}");
    for stream in listener.incoming().flatten() {
        std::thread::spawn(move || answer(stream, version));
    }
}

/// Answers one request and closes the connection.
fn answer(mut stream: TcpStream, version: &str) {
    let mut request_line = String::new();
    let mut reader = BufReader::new(stream.try_clone().expect("a socket clone"));
    if reader.read_line(&mut request_line).is_err() {
        return;
    }
    // The headers, up to the empty line.
    let mut header = String::new();
    while reader.read_line(&mut header).is_ok_and(|n| n > 2) {
        header.clear();
    }
    let path = request_line.split(' ').nth(1).unwrap_or("/");
    let (status, body) = match path {
        "/api/health" => ("200 OK", r#"{"status":"ok"}"#.to_owned()),
        "/pid" => ("200 OK", format!(r#"{{"pid":{}}}"#, std::process::id())),
        "/version" => ("200 OK", format!(r#"{{"version":"{version}"}}"#)),
        "/crash" => {
            println!("crashing");
            std::process::exit(3);
        }
        _ => ("404 Not Found", r#"{"error":"not found"}"#.to_owned()),
    };
    let _ = write!(
        stream,
        "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\
         Connection: close\r\n\r\n{body}",
        body.len()
    );
}

#[cfg(unix)]
fn ignore_sigterm() {
    // SAFETY: setting a signal's disposition to "ignore" before any thread is started.
    unsafe { libc::signal(libc::SIGTERM, libc::SIG_IGN) };
}

#[cfg(not(unix))]
fn ignore_sigterm() {}
