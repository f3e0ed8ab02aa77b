//! Per-start bearer tokens: 256 random bits from the OS-seeded CSPRNG, hex-encoded (URL-safe),
//! and their removal from a sidecar's output, which goes to logs and events. Also per-start run
//! tags, drawn the same way.

use rand::RngCore;

/// A fresh token of 64 lowercase hex characters.
pub fn fresh_token() -> String {
    random_hex::<32>()
}

/// A fresh run tag of 32 lowercase hex characters: unique, not secret.
#[cfg(unix)]
pub fn fresh_tag() -> String {
    random_hex::<16>()
}

fn random_hex<const BYTES: usize>() -> String {
    let mut bytes = [0u8; BYTES];
    rand::rng().fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// What replaces the token in output lines, and in `Debug` output.
pub const REDACTED: &str = "[token]";

/// Shown by `Debug` in place of a token.
pub struct Hidden;

impl std::fmt::Debug for Hidden {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(REDACTED)
    }
}

/// `token` for a `Debug` impl: `Some([token])` or `None`.
pub fn hidden<T>(token: &Option<T>) -> Option<Hidden> {
    token.as_ref().map(|_| Hidden)
}

/// `bytes` with every occurrence of `token` replaced by [`REDACTED`]: a server that logs its own
/// environment or request headers, or echoes them in its health answer, must not spread its
/// token to logs, errors and webviews.
pub fn redact(bytes: &[u8], token: &[u8]) -> Vec<u8> {
    if token.is_empty() {
        return bytes.to_vec();
    }
    let mut out = Vec::with_capacity(bytes.len());
    let mut rest = bytes;
    while let Some(at) = rest.windows(token.len()).position(|w| w == token) {
        out.extend_from_slice(&rest[..at]);
        out.extend_from_slice(REDACTED.as_bytes());
        rest = &rest[at + token.len()..];
    }
    out.extend_from_slice(rest);
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn tokens_are_long_url_safe_and_fresh() {
        let (a, b) = (super::fresh_token(), super::fresh_token());
        assert_eq!(a.len(), 64);
        assert!(a.bytes().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(a, b);
    }

    #[test]
    fn the_token_is_replaced_wherever_it_appears() {
        let line = b"Authorization: Bearer abc, again abc";
        assert_eq!(
            super::redact(line, b"abc"),
            b"Authorization: Bearer [token], again [token]"
        );
        assert_eq!(super::redact(line, b""), line);
    }
}
