//! The last N output lines of a sidecar, for `logs` and for error messages.

use std::collections::VecDeque;

use crate::supervisor::status::{LogLine, Stream};

/// A bounded buffer of the most recent lines (stdout and stderr interleaved as they arrived).
#[derive(Debug)]
pub struct LogRing {
    lines: VecDeque<LogLine>,
    capacity: usize,
    /// Lines pushed so far, dropped ones included.
    pushed: u64,
    /// `pushed` when the current run began: older lines are another run's.
    run_began_at: u64,
}

impl LogRing {
    /// An empty ring keeping at most `capacity` lines.
    pub fn new(capacity: usize) -> Self {
        Self {
            lines: VecDeque::with_capacity(capacity.min(1024)),
            capacity: capacity.max(1),
            pushed: 0,
            run_began_at: 0,
        }
    }

    /// Marks the start of a new run: [`last_stderr`](Self::last_stderr) no longer quotes the
    /// lines before it.
    pub fn begin_run(&mut self) {
        self.run_began_at = self.pushed;
    }

    /// Adds a line, dropping the oldest when full.
    pub fn push(&mut self, line: LogLine) {
        if self.lines.len() == self.capacity {
            self.lines.pop_front();
        }
        self.lines.push_back(line);
        self.pushed += 1;
    }

    /// The last `n` lines, oldest first.
    pub fn last(&self, n: usize) -> Vec<LogLine> {
        self.lines
            .iter()
            .skip(self.lines.len().saturating_sub(n))
            .cloned()
            .collect()
    }

    /// The last `n` stderr lines of the current run, oldest first.
    pub fn last_stderr(&self, n: usize) -> Vec<String> {
        let this_run = (self.pushed - self.run_began_at).min(self.lines.len() as u64) as usize;
        let mut tail: Vec<String> = self
            .lines
            .iter()
            .rev()
            .take(this_run)
            .filter(|l| l.stream == Stream::Stderr)
            .take(n)
            .map(|l| l.line.clone())
            .collect();
        tail.reverse();
        tail
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(stream: Stream, text: &str) -> LogLine {
        LogLine {
            name: "t".into(),
            stream,
            line: text.into(),
        }
    }

    #[test]
    fn keeps_the_last_lines_and_filters_stderr() {
        let mut ring = LogRing::new(3);
        for (i, s) in [
            Stream::Stdout,
            Stream::Stderr,
            Stream::Stdout,
            Stream::Stderr,
        ]
        .into_iter()
        .enumerate()
        {
            ring.push(line(s, &i.to_string()));
        }
        let texts: Vec<String> = ring.last(10).into_iter().map(|l| l.line).collect();
        assert_eq!(texts, ["1", "2", "3"]);
        assert_eq!(ring.last(1)[0].line, "3");
        assert_eq!(ring.last_stderr(5), ["1", "3"]);
        assert_eq!(ring.last_stderr(1), ["3"]);
    }

    #[test]
    fn the_stderr_tail_is_the_current_runs_only() {
        let mut ring = LogRing::new(10);
        ring.push(line(Stream::Stderr, "first run"));
        ring.begin_run();
        assert!(ring.last_stderr(5).is_empty());
        ring.push(line(Stream::Stderr, "second run"));
        assert_eq!(ring.last_stderr(5), ["second run"]);
        assert_eq!(ring.last(5).len(), 2, "logs keep every run's lines");
    }
}
