//! Per-start bearer tokens: 256 random bits from the OS-seeded CSPRNG, hex-encoded (URL-safe).

use rand::RngCore;

/// A fresh token of 64 lowercase hex characters.
pub fn fresh_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
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
}
