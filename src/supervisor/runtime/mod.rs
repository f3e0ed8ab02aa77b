//! The running engine: one task per sidecar that feeds platform events into the policy and
//! carries out its decisions, and handles to ask it things.

mod attempt;
mod group;
mod handle;
mod log_ring;
mod probing;
mod shared;
mod sources;
mod task;
mod transitions;

pub use group::Supervisor;
pub use handle::SidecarHandle;
