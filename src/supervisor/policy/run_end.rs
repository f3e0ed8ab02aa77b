//! Why a run that nobody asked to end has ended, in words a user can act on, and whether the
//! restart policy sees it as a clean exit or a failure.

use std::io;
use std::time::Duration;

use super::restart::Ending;

/// How the sidecar's main process ended, as the OS reported it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Exit {
    /// It exited with this status code.
    Code(i32),
    /// A signal killed it.
    Signal(i32),
    /// The OS reported something else (shown as given).
    Other(String),
    /// Waiting for it failed.
    Unknown(String),
}

/// A run that ended without being asked to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UnrequestedEnd {
    /// The main process exited on its own.
    Exited {
        /// How.
        exit: Exit,
        /// Whether the sidecar had become ready.
        was_ready: bool,
    },
    /// It was not ready within the startup timeout.
    StartTimeout {
        /// The startup timeout.
        limit: Duration,
        /// What the last readiness probe found.
        last_probe: String,
    },
    /// A ready sidecar failed too many health checks in a row.
    Unhealthy {
        /// The count and the last probe's result.
        reason: String,
    },
    /// Another process listened on the port before the sidecar did: nothing was sent to it.
    PortTaken(Stranger),
}

/// A process that is not the sidecar's listens on its port.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stranger {
    /// The port.
    pub port: u16,
    /// The uid of the process that listens.
    pub uid: u32,
}

/// The restart policy's view of `end`, and the reason a user reads in `status.error`. The reason
/// quotes `stderr_tail` (the run's last stderr lines) where there is one. With `socket_passed`
/// (the supervisor holds the port), a server that dies because the address is in use is told
/// to serve the socket it was given.
pub fn explain(
    end: &UnrequestedEnd,
    stderr_tail: &[String],
    socket_passed: bool,
) -> (Ending, String) {
    let (ending, what) = match end {
        UnrequestedEnd::Exited {
            exit,
            was_ready: true,
        } => {
            let ending = if *exit == Exit::Code(0) {
                Ending::CleanExit
            } else {
                Ending::Failure
            };
            (ending, format!("{} while ready", describe(exit)))
        }
        UnrequestedEnd::Exited {
            exit,
            was_ready: false,
        } => {
            let bound_itself = socket_passed
                && stderr_tail
                    .iter()
                    .any(|l| l.to_ascii_lowercase().contains("in use"));
            let (ending, hint) = match exit {
                Exit::Code(0) => (
                    Ending::Failure,
                    " (a sidecar must keep running in the foreground: one that daemonises leaves \
                     the supervisor's reach)",
                ),
                Exit::Code(NOT_FOUND) => (
                    Ending::Unfixable,
                    " (command not found: the program, or the interpreter its first line names, \
                     such as the `python3` of a PEX, is not installed)",
                ),
                Exit::Code(NOT_EXECUTABLE) => (
                    Ending::Unfixable,
                    " (a command it runs cannot be executed: check its permissions and format)",
                ),
                _ if bound_itself => (
                    Ending::Failure,
                    " (with passSocket the plugin holds the port: the server must serve the \
                     socket it gets as file descriptor 3, e.g. `uvicorn --fd 3`, not bind the \
                     port itself)",
                ),
                _ => (Ending::Failure, ""),
            };
            (
                ending,
                format!("{} before it became ready{hint}", describe(exit)),
            )
        }
        UnrequestedEnd::StartTimeout { limit, last_probe } => (
            Ending::Failure,
            format!(
                "was not ready within {} ms (last probe: {last_probe})",
                limit.as_millis()
            ),
        ),
        UnrequestedEnd::Unhealthy { reason } => (Ending::Failure, reason.clone()),
        UnrequestedEnd::PortTaken(Stranger { port, uid }) => (
            Ending::Failure,
            format!(
                "another process (uid {uid}) listens on port {port}, not the sidecar: no probe, \
                 and so no token, was sent to it"
            ),
        ),
    };
    (ending, format!("{what}{}", stderr_quote(stderr_tail)))
}

/// The exit status of a shell (and of `env`) whose command was found but cannot be executed.
const NOT_EXECUTABLE: i32 = 126;
/// The exit status of a shell (and of `env`) whose command was not found.
const NOT_FOUND: i32 = 127;

/// The restart policy's view of a sidecar that could not be spawned: a missing program or one
/// that cannot be executed stays so; anything else (no free descriptor, say) may pass.
pub fn spawn_failure(error: &io::Error) -> Ending {
    match error.kind() {
        io::ErrorKind::NotFound | io::ErrorKind::PermissionDenied => Ending::Unfixable,
        _ => Ending::Failure,
    }
}

fn describe(exit: &Exit) -> String {
    match exit {
        Exit::Code(code) => format!("exited with status {code}"),
        Exit::Signal(signal) => format!("was killed by signal {signal}"),
        Exit::Other(status) => format!("ended ({status})"),
        Exit::Unknown(error) => format!("could not be waited for ({error})"),
    }
}

/// Where a reason's quote of the sidecar's output begins.
const OUTPUT_QUOTE: &str = "; last stderr: ";

fn stderr_quote(tail: &[String]) -> String {
    if tail.is_empty() {
        String::from("; no stderr output")
    } else {
        format!("{OUTPUT_QUOTE}{}", tail.join(" | "))
    }
}

/// `reason` without its quote of the sidecar's output (the last stderr lines), which may say
/// more than whoever reads the reason may see: the output is the logs permission's.
pub fn without_output(reason: &str) -> &str {
    reason.split(OUTPUT_QUOTE).next().unwrap_or(reason)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exited(exit: Exit, was_ready: bool) -> UnrequestedEnd {
        UnrequestedEnd::Exited { exit, was_ready }
    }

    #[test]
    fn endings_and_their_reasons() {
        let tail = vec!["Traceback".to_owned(), "ValueError: boom".to_owned()];
        let cases = [
            (
                exited(Exit::Code(0), true),
                Ending::CleanExit,
                "exited with status 0 while ready; no stderr output",
            ),
            (
                exited(Exit::Code(1), true),
                Ending::Failure,
                "exited with status 1 while ready; no stderr output",
            ),
            (
                exited(Exit::Signal(9), true),
                Ending::Failure,
                "was killed by signal 9 while ready; no stderr output",
            ),
            (
                exited(Exit::Code(3), false),
                Ending::Failure,
                "exited with status 3 before it became ready; no stderr output",
            ),
            (
                UnrequestedEnd::Unhealthy {
                    reason: "failed 3 health checks in a row; last: HTTP 500".into(),
                },
                Ending::Failure,
                "failed 3 health checks in a row; last: HTTP 500; no stderr output",
            ),
            (
                UnrequestedEnd::StartTimeout {
                    limit: Duration::from_millis(1500),
                    last_probe: "cannot connect".into(),
                },
                Ending::Failure,
                "was not ready within 1500 ms (last probe: cannot connect); no stderr output",
            ),
        ];
        for (end, ending, reason) in cases {
            assert_eq!(
                explain(&end, &[], false),
                (ending, reason.to_owned()),
                "{end:?}"
            );
        }
        let (_, quoted) = explain(&exited(Exit::Code(1), false), &tail, false);
        assert!(
            quoted.ends_with("; last stderr: Traceback | ValueError: boom"),
            "{quoted}"
        );
    }

    #[test]
    fn command_not_found_or_not_executable_before_ready_cannot_be_fixed_by_a_restart() {
        let tail = vec!["/usr/bin/env: 'python3': No such file or directory".to_owned()];
        let (ending, reason) = explain(&exited(Exit::Code(127), false), &tail, false);
        assert_eq!(ending, Ending::Unfixable);
        assert!(reason.contains("command not found"), "{reason}");
        assert!(reason.ends_with("last stderr: /usr/bin/env: 'python3': No such file or directory"));
        let (ending, reason) = explain(&exited(Exit::Code(126), false), &[], false);
        assert_eq!(ending, Ending::Unfixable);
        assert!(reason.contains("cannot be executed"), "{reason}");
        // Once it was ready, 127 is the server's own status: restarted as any failure.
        assert_eq!(
            explain(&exited(Exit::Code(127), true), &[], false).0,
            Ending::Failure
        );
    }

    #[test]
    fn a_missing_or_unexecutable_program_cannot_be_fixed_by_a_restart() {
        let kinds = [
            (io::ErrorKind::NotFound, Ending::Unfixable),
            (io::ErrorKind::PermissionDenied, Ending::Unfixable),
            (io::ErrorKind::OutOfMemory, Ending::Failure),
        ];
        for (kind, ending) in kinds {
            assert_eq!(spawn_failure(&io::Error::from(kind)), ending, "{kind:?}");
        }
    }

    #[test]
    fn a_clean_exit_before_ready_is_a_failure_that_explains_daemonising() {
        let (ending, reason) = explain(&exited(Exit::Code(0), false), &[], false);
        assert_eq!(ending, Ending::Failure);
        assert!(reason.contains("one that daemonises"), "{reason}");
    }

    #[test]
    fn a_server_that_binds_the_held_port_itself_is_told_to_serve_fd_3() {
        let tail = vec!["OSError: [Errno 98] Address already in use".to_owned()];
        let (_, reason) = explain(&exited(Exit::Code(1), false), &tail, true);
        assert!(
            reason.contains("with passSocket the plugin holds the port"),
            "{reason}"
        );
        let (_, without) = explain(&exited(Exit::Code(1), false), &tail, false);
        assert!(!without.contains("passSocket"), "{without}");
    }
}
