//! The last N output lines of a sidecar, for `logs` and for error messages.

use std::collections::VecDeque;

use crate::supervisor::status::{LogLine, Stream};

/// A bounded buffer of the most recent lines (stdout and stderr interleaved as they arrived).
#[derive(Debug)]
pub struct LogRing {
    lines: VecDeque<LogLine>,
    capacity: usize,
}

impl LogRing {
    /// An empty ring keeping at most `capacity` lines.
    pub fn new(capacity: usize) -> Self {
        Self {
            lines: VecDeque::with_capacity(capacity.min(1024)),
            capacity: capacity.max(1),
        }
    }

    /// Adds a line, dropping the oldest when full.
    pub fn push(&mut self, line: LogLine) {
        if self.lines.len() == self.capacity {
            self.lines.pop_front();
        }
        self.lines.push_back(line);
    }

    /// The last `n` lines, oldest first.
    pub fn last(&self, n: usize) -> Vec<LogLine> {
        self.lines
            .iter()
            .skip(self.lines.len().saturating_sub(n))
            .cloned()
            .collect()
    }

    /// The last `n` stderr lines, oldest first.
    pub fn last_stderr(&self, n: usize) -> Vec<String> {
        let mut tail: Vec<String> = self
            .lines
            .iter()
            .rev()
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
}
