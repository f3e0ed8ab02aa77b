//! Reads a child's output pipe to the end, always, splitting it into lines of bounded length with
//! the secrets of its environment (its token, its dependencies') removed. A child whose pipe is not drained blocks once the pipe is full; one
//! endless line must not grow memory without bound; the token is removed before a line is cut, so
//! that no part of one that straddles the cut survives.

use tokio::io::{AsyncRead, AsyncReadExt};

use super::token::redact;

/// Longest line kept; the rest of a longer line is dropped and the line is marked as cut.
pub const MAX_LINE_BYTES: usize = 16 * 1024;

/// Suffix of a line that was cut at [`MAX_LINE_BYTES`].
pub const CUT_MARK: &str = " …[line cut]";

/// Reads `pipe` until EOF (or a read error) and calls `on_line` for every line, without its
/// line ending and with every occurrence of each of `secrets` replaced by `[token]`; invalid
/// UTF-8 is replaced.
pub async fn drain_lines(
    mut pipe: impl AsyncRead + Unpin,
    secrets: Vec<String>,
    mut on_line: impl FnMut(String),
) {
    let mut splitter = LineSplitter::redacting(secrets);
    let mut chunk = vec![0u8; 8 * 1024];
    loop {
        match pipe.read(&mut chunk).await {
            Ok(0) | Err(_) => break,
            Ok(n) => splitter.push(&chunk[..n], &mut on_line),
        }
    }
    splitter.finish(&mut on_line);
}

/// Splits a byte stream into bounded lines. `Debug` shows how many secrets, not them.
#[derive(Default)]
pub struct LineSplitter {
    line: Vec<u8>,
    cut: bool,
    /// Removed from every line; lines are kept as much longer as the longest until they are.
    secrets: Vec<Vec<u8>>,
}

impl std::fmt::Debug for LineSplitter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LineSplitter")
            .field("line_bytes", &self.line.len())
            .field("cut", &self.cut)
            .field("secrets", &self.secrets.len())
            .finish()
    }
}

impl LineSplitter {
    /// A splitter that replaces each of `secrets` in every line by `[token]`.
    pub fn redacting(secrets: Vec<String>) -> Self {
        Self {
            secrets: secrets
                .into_iter()
                .filter(|s| !s.is_empty())
                .map(String::into_bytes)
                .collect(),
            ..Self::default()
        }
    }

    /// How many bytes of a line are kept before redaction: a secret that begins before the cut
    /// must be whole to be found.
    fn keep(&self) -> usize {
        MAX_LINE_BYTES + self.secrets.iter().map(Vec::len).max().unwrap_or(0)
    }

    /// Feeds bytes; calls `on_line` for each completed line.
    pub fn push(&mut self, mut bytes: &[u8], on_line: &mut impl FnMut(String)) {
        while !bytes.is_empty() {
            let (part, rest, ended) = match bytes.iter().position(|b| *b == b'\n') {
                Some(i) => (&bytes[..i], &bytes[i + 1..], true),
                None => (bytes, &[][..], false),
            };
            let room = self.keep() - self.line.len();
            if part.len() > room {
                self.cut = true;
            }
            self.line.extend_from_slice(&part[..part.len().min(room)]);
            if ended {
                self.emit(on_line);
            }
            bytes = rest;
        }
    }

    /// Emits what is left after EOF as a last line.
    pub fn finish(&mut self, on_line: &mut impl FnMut(String)) {
        if !self.line.is_empty() || self.cut {
            self.emit(on_line);
        }
    }

    fn emit(&mut self, on_line: &mut impl FnMut(String)) {
        if self.line.last() == Some(&b'\r') {
            self.line.pop();
        }
        let mut line = std::mem::take(&mut self.line);
        for secret in &self.secrets {
            line = redact(&line, secret);
        }
        let cut = self.cut || line.len() > MAX_LINE_BYTES;
        line.truncate(MAX_LINE_BYTES);
        let mut text = String::from_utf8_lossy(&line).into_owned();
        if cut {
            text.push_str(CUT_MARK);
        }
        self.line.clear();
        self.cut = false;
        on_line(text);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(chunks: &[&[u8]]) -> Vec<String> {
        let mut out = Vec::new();
        let mut s = LineSplitter::default();
        for c in chunks {
            s.push(c, &mut |l| out.push(l));
        }
        s.finish(&mut |l| out.push(l));
        out
    }

    #[test]
    fn lines_across_chunks_crlf_and_a_last_line_without_newline() {
        assert_eq!(split(&[b"a\r\nb", b"c\n\nd"]), ["a", "bc", "", "d"]);
    }

    #[test]
    fn invalid_utf8_is_replaced() {
        assert_eq!(split(&[b"ok \xff\xfe end\n"]), ["ok \u{fffd}\u{fffd} end"]);
    }

    #[test]
    fn a_token_that_straddles_the_cut_leaves_no_part_behind() {
        let token = "0123456789abcdef".repeat(4);
        let mut line = "x".repeat(MAX_LINE_BYTES - 10).into_bytes();
        line.extend_from_slice(token.as_bytes());
        line.extend_from_slice(b" and again ");
        line.extend_from_slice(token.as_bytes());
        line.push(b'\n');
        let mut s = LineSplitter::redacting(vec![token.clone()]);
        let mut out = Vec::new();
        s.push(&line, &mut |l| out.push(l));
        assert_eq!(out.len(), 1);
        assert!(
            !out[0].contains(&token[..10]),
            "a part of the token survived the cut"
        );
        assert!(
            out[0].ends_with(&format!("[token] an{CUT_MARK}")),
            "{out:?}"
        );
        let short = format!("Bearer {token}\n");
        s.push(short.as_bytes(), &mut |l| out.push(l));
        assert_eq!(out[1], "Bearer [token]");
    }

    #[test]
    fn an_endless_line_is_cut_and_memory_stays_bounded() {
        let mut s = LineSplitter::default();
        let mut out = Vec::new();
        let block = vec![b'x'; 1024 * 1024];
        for _ in 0..20 {
            s.push(&block, &mut |l| out.push(l));
            assert!(s.line.capacity() <= 2 * MAX_LINE_BYTES);
        }
        s.push(b"\nnext\n", &mut |l| out.push(l));
        assert_eq!(out.len(), 2);
        assert_eq!(out[0].len(), MAX_LINE_BYTES + CUT_MARK.len());
        assert!(out[0].ends_with(CUT_MARK));
        assert_eq!(out[1], "next");
    }

    proptest::proptest! {
        /// Whatever the bytes and however they are chunked: no panic, every line bounded, and
        /// (for lines short enough to keep) the same lines as splitting the whole at once.
        #[test]
        fn any_chunking_of_any_bytes_gives_bounded_lines(
            bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..4096),
            cuts in proptest::collection::vec(0usize..4096, 0..16),
        ) {
            let mut cuts: Vec<usize> = cuts.into_iter().filter(|c| *c <= bytes.len()).collect();
            cuts.sort_unstable();
            let mut chunks = Vec::new();
            let mut from = 0;
            for cut in cuts.into_iter().chain([bytes.len()]) {
                chunks.push(&bytes[from..cut]);
                from = cut;
            }
            let lines = split(&chunks);
            proptest::prop_assert_eq!(&lines, &split(&[&bytes]));
            for line in &lines {
                // Lossy UTF-8 may grow a byte to the 3-byte replacement character.
                proptest::prop_assert!(line.len() <= 3 * MAX_LINE_BYTES + CUT_MARK.len());
            }
        }
    }
}
