//! The two probe loops: readiness while starting (frequent, cheap, woken early by output) and
//! liveness once ready (every `interval`, `failure_threshold` misses in a row mean unhealthy).

use std::time::Duration;

use tokio::sync::Notify;
use tokio::time::{sleep, timeout, Instant};

use crate::supervisor::platform::port_watch::PortWatch;
use crate::supervisor::platform::process::{ListenerCheck, ListenerHolder};
use crate::supervisor::platform::{probe, token};
use crate::supervisor::policy::health_verdict::{judge, Verdict};
use crate::supervisor::policy::ready_schedule::{connect_retry_delay, not_ready_retry_delay};
use crate::supervisor::policy::run_end::Stranger;
use crate::supervisor::spec::HealthSpec;

/// Where and how to probe one start of a sidecar. `Debug` shows `[token]` for the token.
#[derive(Clone)]
pub struct ProbeTarget {
    /// The port of this start.
    pub port: u16,
    /// The token of this start.
    pub token: Option<String>,
    /// The probe settings.
    pub health: HealthSpec,
    /// Whether the supervisor holds the listening socket: connecting then always succeeds, and
    /// the first request is answered when the server starts serving.
    pub socket_passed: bool,
}

impl std::fmt::Debug for ProbeTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProbeTarget")
            .field("port", &self.port)
            .field("token", &token::hidden(&self.token))
            .field("health", &self.health)
            .field("socket_passed", &self.socket_passed)
            .finish()
    }
}

impl ProbeTarget {
    /// `http://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        super::transitions::url(self.port)
    }

    /// One probe: connect, GET, judge. `Err` is a reason for status messages.
    pub async fn probe_once(&self) -> Result<(), String> {
        let attempt = async { self.ask(self.connect().await?).await };
        timeout(self.health.timeout, attempt)
            .await
            .unwrap_or_else(|_| Err(self.no_answer()))
    }

    async fn connect(&self) -> Result<tokio::net::TcpStream, String> {
        probe::connect(self.port)
            .await
            .map_err(|e| format!("cannot connect: {e}"))
    }

    fn no_answer(&self) -> String {
        format!(
            "health endpoint did not answer within {} ms",
            self.health.timeout.as_millis()
        )
    }

    async fn ask(&self, stream: tokio::net::TcpStream) -> Result<(), String> {
        let answer =
            probe::get(stream, self.port, &self.health.path, self.token.as_deref()).await?;
        // A verdict may quote the body, and the reason ends up in `status.error`.
        let body = match &self.token {
            Some(token) => token::redact(&answer.body, token.as_bytes()).into(),
            None => answer.body,
        };
        match judge(answer.status, &body, &self.health.expect) {
            Verdict::Healthy => Ok(()),
            Verdict::Unhealthy(reason) => Err(reason),
        }
    }

    /// Returns once the sidecar answers healthy. `last_failure` holds the latest reason it did not.
    /// While the port does not accept connections, a thread makes the connect attempts
    /// ([`PortWatch`]), and output from the child (`output_seen`) brings the next one forward to
    /// 1 ms from then; once it answers "not ready", output no longer does (a server that logs every
    /// request would otherwise be probed in a storm).
    /// On a held socket the request simply waits in the backlog until the server serves: no
    /// connect attempts, and no timeout but the caller's startup timeout. Otherwise, before the
    /// first request, which carries the token, `listener` must not find the port held by another
    /// process than the sidecar's: then `Err` says so, and nothing was sent.
    pub async fn until_ready(
        &self,
        output_seen: &Notify,
        last_failure: &mut String,
        listener: &ListenerCheck,
    ) -> Result<(), Stranger> {
        let answer_within = if self.socket_passed {
            Duration::from_secs(24 * 3600)
        } else {
            self.health.timeout
        };
        let started = Instant::now();
        let mut not_ready_answers = 0;
        let mut holder_checked = self.socket_passed;
        loop {
            let stream = match self.connect().await {
                Ok(stream) => stream,
                Err(reason) => {
                    *last_failure = reason;
                    match self.until_listening(started, output_seen).await {
                        Ok(stream) => stream,
                        Err(reason) => {
                            *last_failure = reason;
                            sleep(connect_retry_delay(started.elapsed())).await;
                            continue;
                        }
                    }
                }
            };
            if !holder_checked {
                if let ListenerHolder::Stranger { uid } = listener.holder(self.port) {
                    return Err(Stranger {
                        port: self.port,
                        uid,
                    });
                }
                holder_checked = true;
            }
            let delay = match timeout(answer_within, self.ask(stream)).await {
                Ok(Ok(())) => return Ok(()),
                Ok(Err(reason)) => {
                    *last_failure = reason;
                    not_ready_answers += 1;
                    not_ready_retry_delay(not_ready_answers - 1)
                }
                Err(_) => {
                    *last_failure = self.no_answer();
                    connect_retry_delay(started.elapsed())
                }
            };
            sleep(delay).await;
        }
    }

    /// Connect attempts on the schedule, on a thread, until the port accepts one.
    async fn until_listening(
        &self,
        started: Instant,
        output_seen: &Notify,
    ) -> Result<tokio::net::TcpStream, String> {
        let cannot = |e: std::io::Error| format!("cannot connect: {e}");
        let mut watch =
            PortWatch::start(self.port, started.into_std(), connect_retry_delay).map_err(cannot)?;
        loop {
            tokio::select! {
                connected = watch.connected() => return connected.map_err(cannot),
                _ = output_seen.notified() => watch.nudge(),
            }
        }
    }
}
