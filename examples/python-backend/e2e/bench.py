"""App start to the first successful backend call from the page's JavaScript: the example app
(the plugin, binary `python-backend-plugin`) against the same app with the original design's
100 ms poll loop (`--features baseline-poll`, binary `python-backend-baseline`), each showing a
minimal page that takes the same steps (`bench/`). Measured, not asserted.

Both apps are launched the same way (a WebDriver session through tauri-driver); the time runs from
the session request to the page's `first-backend-call` performance mark. Runs alternate between
the two apps; the first run of each is a warm-up (a PEX unpacks itself once).
`scripts/bench-example` builds both and runs this.

Then the app whose sidecar prints nothing and listens 1.5 s after its start (`bench/listens_late.py`,
no `passSocket`, binary `python-backend-late`): the time from its listen to the page's marks and to
the page's first request (stamped by the server), all on the wall clock.
"""
import contextlib
import os
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import APP, ARTIFACTS, Driver, WebDriverError, app_pids, log, open_app, wait_exit  # noqa: E402

VARIANTS = {
    "plugin": APP.with_name("python-backend-plugin"),
    "baseline (100 ms poll)": APP.with_name("python-backend-baseline"),
}
LATE_APP = APP.with_name("python-backend-late")
RUNS = int(os.environ.get("RUNS", "15"))
LATE_STAMP_FILE = ARTIFACTS / "late-stamps.txt"

# Resolves with the epoch time (ms) of the page's first-backend-call mark, the moment it exists.
AWAIT_MARK = """
const done = arguments[0]
const epoch = (mark) => performance.timeOrigin + mark.startTime
const [seen] = performance.getEntriesByName('first-backend-call')
if (seen) return done(epoch(seen))
new PerformanceObserver((list, observer) => {
  const [mark] = list.getEntriesByName('first-backend-call')
  if (mark) { observer.disconnect(); done(epoch(mark)) }
}).observe({ type: 'mark' })
"""


MARKS = """
return Object.fromEntries(performance.getEntriesByType('mark').map((m) => [m.name, performance.timeOrigin + m.startTime]))
"""


def one_run(drivers, application, marks=None):
    """One launch of `application`; returns ms from the session request to the first backend
    call. `drivers` holds the current tauri-driver, replaced when a session start hangs. With
    `marks` (a dict), the page's performance marks are put in it (epoch ms)."""
    drivers[0], session = open_app("bench", application, drivers[0])
    try:
        first_call = session.run_async(AWAIT_MARK)
        if marks is not None:
            marks.update(session.run(MARKS))
        [app] = app_pids(application)
        # The window may be gone before WebDriver answers; the app's exit is what counts.
        with contextlib.suppress(WebDriverError):
            session.run("window.__TAURI__.window.getCurrentWindow().close()")
        if not wait_exit(app):
            raise RuntimeError("the app did not exit")
        return first_call - session.requested_at * 1000
    finally:
        session.end()


LATE_STAGES = {
    "backend-url": "`getBackendUrl()` resolved in the page",
    "backend-info": "`getBackend()` resolved (the token)",
    "first-request": "the page's first request reached the server",
}


def late_run(drivers):
    """One launch of the late app; returns ms from the server's listen to each of LATE_STAGES."""
    LATE_STAMP_FILE.unlink(missing_ok=True)
    marks = {}
    one_run(drivers, LATE_APP, marks)
    listen, first_request = (float(line) for line in LATE_STAMP_FILE.read_text().split())
    marks["first-request"] = first_request
    return {stage: marks[stage] - listen for stage in LATE_STAGES}


def print_late(runs):
    print()
    print(f"A sidecar that prints nothing and listens 1.5 s after its start (no passSocket): ms from its listen ({len(runs)} runs)")
    print()
    print("| stage | median | p90 | max |")
    print("|---|---:|---:|---:|")
    for stage, what in LATE_STAGES.items():
        timings = sorted(run[stage] for run in runs)
        p90 = timings[max(0, round(len(timings) * 0.9) - 1)]
        print(f"| {what} | {statistics.median(timings):.1f} | {p90:.1f} | {timings[-1]:.1f} |")


def main():
    os.environ["LATE_STAMP_FILE"] = str(LATE_STAMP_FILE)
    for path in [*VARIANTS.values(), LATE_APP]:
        if not path.exists():
            sys.exit(f"{path} is missing: run scripts/bench-example")
    timings = {name: [] for name in VARIANTS}
    drivers = [Driver(ARTIFACTS / "bench.log")]
    try:
        for run in range(RUNS + 1):
            for name, path in VARIANTS.items():
                ms = one_run(drivers, path)
                if run > 0:
                    timings[name].append(ms)
                log(f"{'warm-up' if run == 0 else f'run {run}'}: {name}: {ms:.0f} ms")
        late = []
        for run in range(RUNS):
            late.append(late_run(drivers))
            log(f"run {run + 1}: late server: " + ", ".join(f"{k} {v:.1f} ms" for k, v in late[-1].items()))
    finally:
        drivers[0].stop()

    plugin = statistics.median(timings["plugin"])
    print()
    print(f"App start to first backend call from JavaScript ({RUNS} runs each, after one warm-up)")
    print()
    print("| app | median | min | max | vs plugin |")
    print("|---|---:|---:|---:|---:|")
    for name, values in timings.items():
        median = statistics.median(values)
        print(f"| {name} | {median:.0f} ms | {min(values):.0f} ms | {max(values):.0f} ms | {median / plugin:.2f}x |")
    print_late(late)


if __name__ == "__main__":
    main()
