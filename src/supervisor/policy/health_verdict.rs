//! Whether one health answer means "ready": a 2xx status and, when the body is a JSON object with a
//! `status` field, that field equal to the expected value.

/// The verdict on one health answer; the reason is written for an error message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Ready / healthy.
    Healthy,
    /// Not (yet) healthy, and why.
    Unhealthy(String),
}

/// Judges an HTTP answer of the health endpoint.
pub fn judge(status: u16, body: &[u8], expect: &str) -> Verdict {
    if !(200..300).contains(&status) {
        return Verdict::Unhealthy(format!("health endpoint answered HTTP {status}"));
    }
    let Ok(serde_json::Value::Object(fields)) = serde_json::from_slice::<serde_json::Value>(body)
    else {
        return Verdict::Healthy;
    };
    match fields.get("status") {
        None => Verdict::Healthy,
        Some(serde_json::Value::String(s)) if s == expect => Verdict::Healthy,
        Some(other) => Verdict::Unhealthy(format!(
            "health endpoint answered status {} (expected {:?})",
            truncate(&other.to_string(), 80),
            expect
        )),
    }
}

fn truncate(s: &str, max_chars: usize) -> String {
    match s.char_indices().nth(max_chars) {
        Some((cut, _)) => format!("{}…", &s[..cut]),
        None => s.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verdict_table() {
        let healthy = Verdict::Healthy;
        let cases: &[(u16, &str, bool)] = &[
            (200, r#"{"status":"ok"}"#, true),
            (204, "", true),
            (200, "plain text ok", true),
            (200, r#"{"other":1}"#, true),
            (200, r#"["status","ok"]"#, true),
            (200, r#"{"status":"starting"}"#, false),
            (200, r#"{"status":1}"#, false),
            (200, r#"{"status":"OK"}"#, false),
            (500, r#"{"status":"ok"}"#, false),
            (301, "", false),
        ];
        for (code, body, ok) in cases {
            let v = judge(*code, body.as_bytes(), "ok");
            assert_eq!(v == healthy, *ok, "{code} {body}: {v:?}");
        }
    }

    #[test]
    fn reasons_say_what_was_answered() {
        assert_eq!(
            judge(200, br#"{"status":"starting"}"#, "ok"),
            Verdict::Unhealthy(
                r#"health endpoint answered status "starting" (expected "ok")"#.into()
            )
        );
        assert_eq!(
            judge(503, b"", "ok"),
            Verdict::Unhealthy("health endpoint answered HTTP 503".into())
        );
    }

    #[test]
    fn a_huge_status_value_is_cut_in_the_reason() {
        let body = format!(r#"{{"status":"{}"}}"#, "é".repeat(10_000));
        let Verdict::Unhealthy(reason) = judge(200, body.as_bytes(), "ok") else {
            panic!()
        };
        assert!(reason.len() < 300, "{}", reason.len());
    }

    proptest::proptest! {
        /// Any status and body: a verdict, never a panic; non-2xx is never healthy; reasons stay short.
        #[test]
        fn any_answer_gets_a_verdict(
            status in 0u16..1000,
            body in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..512),
        ) {
            match judge(status, &body, "ok") {
                Verdict::Healthy => proptest::prop_assert!((200..300).contains(&status)),
                Verdict::Unhealthy(reason) => proptest::prop_assert!(reason.len() < 200, "{}", reason),
            }
        }
    }
}
