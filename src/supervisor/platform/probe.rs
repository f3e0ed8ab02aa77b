//! One HTTP health probe with hyper on a direct TCP connection to 127.0.0.1 (so no proxy and no
//! `localhost` -> `::1` surprise), with a capped body read.

use std::net::{Ipv4Addr, SocketAddrV4};

use bytes::Bytes;
use http_body_util::{BodyExt, Empty, Limited};
use hyper::header::{AUTHORIZATION, HOST};
use hyper::Request;
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

/// Largest health body read; a longer one fails the probe.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// What one probe got back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HealthAnswer {
    /// HTTP status code.
    pub status: u16,
    /// The body (at most [`MAX_BODY_BYTES`]).
    pub body: Bytes,
}

/// Connects to `127.0.0.1:port`; a refused connection means "not listening yet".
pub async fn connect(port: u16) -> std::io::Result<TcpStream> {
    let stream = TcpStream::connect(SocketAddrV4::new(Ipv4Addr::LOCALHOST, port)).await?;
    stream.set_nodelay(true)?;
    Ok(stream)
}

/// Sends `GET <path>` on `stream` and reads the answer. The caller bounds it with a timeout.
/// Errors are short descriptions for status messages; they never contain the token.
pub async fn get(
    stream: TcpStream,
    port: u16,
    path: &str,
    token: Option<&str>,
) -> Result<HealthAnswer, String> {
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|e| format!("HTTP handshake failed: {e}"))?;
    let driver = tokio::spawn(connection);
    let mut request = Request::get(path).header(HOST, format!("127.0.0.1:{port}"));
    if let Some(token) = token {
        request = request.header(AUTHORIZATION, format!("Bearer {token}"));
    }
    let request = request
        .body(Empty::<Bytes>::new())
        .map_err(|e| format!("invalid health request: {e}"))?;
    let result = async {
        let response = sender
            .send_request(request)
            .await
            .map_err(|e| format!("health request failed: {e}"))?;
        let status = response.status().as_u16();
        let body = Limited::new(response.into_body(), MAX_BODY_BYTES)
            .collect()
            .await
            .map_err(|e| format!("reading the health body failed: {e}"))?
            .to_bytes();
        Ok(HealthAnswer { status, body })
    }
    .await;
    driver.abort();
    result
}
