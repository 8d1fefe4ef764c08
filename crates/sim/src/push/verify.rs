//! The GET URL check the platforms run when a callback URL is saved (NOTES.md §1.5): WeCom sends
//! an encrypted `echostr` and expects its plaintext back within one second, exactly (no quotes,
//! BOM or newline); Official Accounts and Mini Programs send a plain `signature` and a random
//! `echostr` to be echoed.

use std::time::{Duration, Instant};

use serde::Serialize;
use wxgate_protocol::crypto::{encrypt, random_prefix};
use wxgate_protocol::signature::{msg_signature, plain_signature};

use crate::push::envelope::{fresh_nonce, with_query};
use crate::push::target::{ResolvedTarget, Wire};

/// The result of one URL check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Verification {
    /// Whether the gateway answered correctly.
    pub pass: bool,
    /// The URL that was called (query included).
    pub url: String,
    /// HTTP status, when an answer came.
    pub status: Option<u16>,
    /// Time to the answer, in milliseconds.
    pub duration_ms: u64,
    /// What was expected back.
    pub expected: String,
    /// What came back (when something did).
    pub answer: Option<String>,
    /// Why it failed.
    pub reason: Option<String>,
}

/// Runs the URL check against `target` at simulated time `now`; `mp_timeout` bounds the MP
/// check (WeCom's is always one second).
pub async fn verify_url(
    client: &reqwest::Client,
    target: &ResolvedTarget,
    now: i64,
    mp_timeout: Duration,
) -> Verification {
    let timestamp = now.to_string();
    let nonce = fresh_nonce();
    let (url, expected, timeout) = match &target.wire {
        Wire::Wecom { .. } => {
            let echo = rand::random::<u64>().to_string();
            let Some(key) = target.key.as_ref() else {
                return failed(String::new(), echo, "no EncodingAESKey".into());
            };
            let echostr = encrypt(key, &random_prefix(), &echo, &target.verify_receive_id);
            let signature = msg_signature(&target.token, &timestamp, &nonce, &echostr).to_hex();
            let url = with_query(
                &target.url,
                &[
                    ("msg_signature", &signature),
                    ("timestamp", &timestamp),
                    ("nonce", &nonce),
                    ("echostr", &echostr),
                ],
            );
            (url, echo, Duration::from_secs(1))
        }
        Wire::Mp { .. } => {
            let echo = rand::random::<u64>().to_string();
            let signature = plain_signature(&target.token, &timestamp, &nonce).to_hex();
            let url = with_query(
                &target.url,
                &[
                    ("signature", &signature),
                    ("timestamp", &timestamp),
                    ("nonce", &nonce),
                    ("echostr", &echo),
                ],
            );
            (url, echo, mp_timeout)
        }
    };
    let url = match url {
        Ok(url) => url,
        Err(reason) => return failed(target.url.clone(), expected, reason),
    };
    let started = Instant::now();
    let exchange = async {
        let response = client.get(&url).send().await?;
        let status = response.status().as_u16();
        Ok::<_, reqwest::Error>((status, response.text().await?))
    };
    let outcome = tokio::time::timeout(timeout, exchange).await;
    let duration_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    let mut result = Verification {
        pass: false,
        url,
        status: None,
        duration_ms,
        expected: expected.clone(),
        answer: None,
        reason: None,
    };
    match outcome {
        Err(_) => {
            result.reason = Some(format!(
                "no answer within {} ms; answer the URL check at once",
                timeout.as_millis()
            ))
        }
        Ok(Err(e)) => result.reason = Some(format!("the request failed: {e}")),
        Ok(Ok((status, body))) => {
            result.status = Some(status);
            result.reason = if status != 200 {
                Some(format!("the gateway answered HTTP {status}, expected 200"))
            } else if body != expected {
                Some(format!(
                    "the answer must be exactly the {} echostr `{expected}` (no quotes, BOM or newline), got {body:?}",
                    if matches!(target.wire, Wire::Wecom { .. }) {
                        "decrypted"
                    } else {
                        "received"
                    }
                ))
            } else {
                None
            };
            result.pass = result.reason.is_none();
            result.answer = Some(body);
        }
    }
    result
}

fn failed(url: String, expected: String, reason: String) -> Verification {
    Verification {
        pass: false,
        url,
        status: None,
        duration_ms: 0,
        expected,
        answer: None,
        reason: Some(reason),
    }
}
