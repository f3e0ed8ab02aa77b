// Written by `cargo test --test plugin models` from the Rust models (tests/plugin/models.rs).
// Do not edit: `UPDATE_MODEL_SAMPLES=1 cargo test --test plugin models` rewrites it.
import type {
  BackendInfo,
  LogEntry,
  LogEvent,
  OutputStream,
  PluginErrorKind,
  SidecarState,
  SidecarStatus
} from '../index'

/** True when every member of `Union` is among `Produced`. */
type Covers<Union, Produced> = [Exclude<Union, Produced>] extends [never] ? true : false

export const readyStatus = {
  "name": "api",
  "state": "ready",
  "pid": 4242,
  "port": 51234,
  "url": "http://127.0.0.1:51234",
  "restarts": 1,
  "error": "exited with status 1 while ready"
} satisfies SidecarStatus

export const stoppedStatus = {
  "name": "worker",
  "state": "stopped",
  "pid": null,
  "port": null,
  "url": null,
  "restarts": 0,
  "error": null
} satisfies SidecarStatus

export const backend = {
  "name": "api",
  "url": "http://127.0.0.1:51234",
  "port": 51234,
  "token": "3f9a3f9a3f9a3f9a3f9a3f9a3f9a3f9a3f9a3f9a3f9a3f9a3f9a3f9a3f9a3f9a"
} satisfies BackendInfo

export const backendWithoutToken = {
  "name": "api",
  "url": "http://127.0.0.1:51234",
  "port": 51234,
  "token": null
} satisfies BackendInfo

export const logEntry = {
  "stream": "stderr",
  "line": "INFO:     Application startup complete."
} satisfies LogEntry

export const logEvent = {
  "name": "api",
  "stream": "stdout",
  "line": "hello"
} satisfies LogEvent

export const states = [
  "starting",
  "ready",
  "restarting",
  "stopping",
  "stopped",
  "failed"
] as const satisfies readonly SidecarState[]
export const everyStateIsProduced: Covers<SidecarState, (typeof states)[number]> = true

export const streams = [
  "stdout",
  "stderr"
] as const satisfies readonly OutputStream[]
export const everyStreamIsProduced: Covers<OutputStream, (typeof streams)[number]> = true

export const errorKinds = [
  "unknownSidecar",
  "nameRequired",
  "notReady",
  "notExposed",
  "outOfScope",
  "failed",
  "stopped",
  "timeout",
  "config",
  "gone",
  "io"
] as const satisfies readonly PluginErrorKind[]
export const everyErrorKindIsProduced: Covers<PluginErrorKind, (typeof errorKinds)[number]> = true

/** One serialized error of every kind. */
export const errors = [
  {
    "kind": "unknownSidecar",
    "message": "no sidecar named `db`"
  },
  {
    "kind": "nameRequired",
    "message": "a sidecar name is required: 2 sidecars are configured"
  },
  {
    "kind": "notReady",
    "message": "sidecar `api` is not ready"
  },
  {
    "kind": "notExposed",
    "message": "sidecar `db` is internal (\"expose\": false): pages get neither its URL nor its token"
  },
  {
    "kind": "outOfScope",
    "message": "this page may not use sidecar `db` here: the capability's scope for the command leaves it out"
  },
  {
    "kind": "failed",
    "message": "sidecar `api` failed: exited with status 3 before it became ready"
  },
  {
    "kind": "stopped",
    "message": "sidecar `api` is stopped"
  },
  {
    "kind": "timeout",
    "message": "sidecar `api` was not ready within 5000 ms"
  },
  {
    "kind": "config",
    "message": "invalid sidecar configuration: plugins.sidecar.sidecars.api.health.path must start with \"/\""
  },
  {
    "kind": "gone",
    "message": "sidecar `api` is no longer supervised"
  },
  {
    "kind": "io",
    "message": "no such file"
  }
] satisfies ReadonlyArray<{ kind: PluginErrorKind; message: string }>
