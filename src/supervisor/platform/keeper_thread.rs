//! One long-lived thread that performs every spawn.
//! Linux delivers `PR_SET_PDEATHSIG` when the *thread* that forked the child exits, so spawning from
//! a runtime worker or blocking-pool thread that may retire would kill a healthy sidecar. For the
//! same reason a panicking job must not end this thread: it is caught and returned as an error.

use std::io;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::mpsc;
use std::sync::OnceLock;

type Job = Box<dyn FnOnce() + Send>;

static KEEPER: OnceLock<mpsc::Sender<Job>> = OnceLock::new();

fn keeper() -> &'static mpsc::Sender<Job> {
    KEEPER.get_or_init(|| {
        let (tx, rx) = mpsc::channel::<Job>();
        std::thread::Builder::new()
            .name("sidecar-spawner".into())
            .spawn(move || {
                for job in rx {
                    job();
                }
            })
            .expect("cannot start the sidecar spawner thread");
        tx
    })
}

/// Runs `job` on the spawner thread, inside the caller's Tokio runtime, and returns its result,
/// or an error if it panicked.
pub async fn run_on_keeper<T: Send + 'static>(
    job: impl FnOnce() -> T + Send + 'static,
) -> io::Result<T> {
    let runtime = tokio::runtime::Handle::current();
    let (tx, rx) = tokio::sync::oneshot::channel();
    let job: Job = Box::new(move || {
        let _entered = runtime.enter();
        let _ = tx.send(catch_unwind(AssertUnwindSafe(job)).map_err(|panic| {
            let what = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "no message".into());
            io::Error::other(format!("spawning panicked: {what}"))
        }));
    });
    keeper()
        .send(job)
        .map_err(|_| io::Error::other("the sidecar spawner thread has ended"))?;
    rx.await
        .map_err(|_| io::Error::other("the sidecar spawner thread dropped the spawn"))?
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_panicking_job_is_an_error_and_the_thread_lives_on() {
        let thread = run_on_keeper(|| std::thread::current().id()).await.unwrap();
        let err = run_on_keeper(|| -> () { panic!("boom") })
            .await
            .unwrap_err();
        assert_eq!(err.to_string(), "spawning panicked: boom");
        let after = run_on_keeper(|| std::thread::current().id()).await.unwrap();
        assert_eq!(after, thread, "the same spawner thread runs the next job");
    }
}
