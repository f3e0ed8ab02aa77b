//! One long-lived thread that performs every spawn.
//! Linux delivers `PR_SET_PDEATHSIG` when the *thread* that forked the child exits, so spawning from
//! a runtime worker or blocking-pool thread that may retire would kill a healthy sidecar.

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

/// Runs `job` on the spawner thread, inside the caller's Tokio runtime, and returns its result.
pub async fn run_on_keeper<T: Send + 'static>(job: impl FnOnce() -> T + Send + 'static) -> T {
    let runtime = tokio::runtime::Handle::current();
    let (tx, rx) = tokio::sync::oneshot::channel();
    let job: Job = Box::new(move || {
        let _entered = runtime.enter();
        let _ = tx.send(job());
    });
    keeper()
        .send(job)
        .expect("the sidecar spawner thread never exits");
    rx.await
        .expect("the sidecar spawner thread never drops a job")
}
