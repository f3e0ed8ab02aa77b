//! Per-start bearer tokens: 256 random bits from the OS-seeded CSPRNG, hex-encoded (URL-safe),
//! and their removal from a sidecar's output, which goes to logs and events.

use rand::RngCore;

/// A fresh token of 64 lowercase hex characters.
pub fn fresh_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// What replaces the token in output lines.
pub const REDACTED: &str = "[token]";

/// `line` with every occurrence of `token` replaced by [`REDACTED`]: a server that logs its own
/// environment or request headers must not spread its token to logs and webviews.
pub fn redact(line: String, token: Option<&str>) -> String {
    match token {
        Some(token) if !token.is_empty() && line.contains(token) => line.replace(token, REDACTED),
        _ => line,
    }
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
        let line = "Authorization: Bearer abc, again abc".to_owned();
        assert_eq!(
            super::redact(line.clone(), Some("abc")),
            "Authorization: Bearer [token], again [token]"
        );
        assert_eq!(super::redact(line.clone(), None), line);
    }
}
