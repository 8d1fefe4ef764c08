//! The two callback signatures (NOTES.md §1.1):
//!
//! * `msg_signature` = sha1(sort(token, timestamp, nonce, Encrypt)) — every encrypted callback,
//!   every encrypted reply, and the WeCom GET URL check (with the URL-decoded echostr in place
//!   of Encrypt);
//! * `signature` = sha1(sort(token, timestamp, nonce)) — Official Account / Mini Program
//!   plaintext mode and their GET URL check. It does not cover the body, so it must never be
//!   used to accept an encrypted body ("注意：不要使用signature验证！").

use super::{Signature, sha1_sorted};

/// `msg_signature`: SHA-1 of token, timestamp, nonce and `encrypt`, sorted bytewise and joined.
pub fn msg_signature(token: &str, timestamp: &str, nonce: &str, encrypt: &str) -> Signature {
    sha1_sorted(&mut [token, timestamp, nonce, encrypt])
}

/// The plaintext-mode `signature`: SHA-1 of token, timestamp and nonce, sorted and joined.
pub fn plain_signature(token: &str, timestamp: &str, nonce: &str) -> Signature {
    sha1_sorted(&mut [token, timestamp, nonce])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wecom_sample_url_check_and_post() {
        // NOTES.md §1.3: official Sample.cpp (token QDG6eK), GET and POST signatures.
        assert_eq!(
            msg_signature(
                "QDG6eK",
                "1409659589",
                "263014780",
                "P9nAzCzyDtyTWESHep1vC5X9xho/qYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp+4RPcs8TgAE7OaBO+FZXvnaqQ=="
            )
            .to_hex(),
            "5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3"
        );
    }

    #[test]
    fn mp_plaintext_mode_examples() {
        // NOTES.md §1.1: mini-program / MP message-push doc, Token "AAAAA".
        assert_eq!(
            plain_signature("AAAAA", "1714036504", "1514711492").to_hex(),
            "f464b24fc39322e44b38aa78f5edd27bd1441696"
        );
        assert_eq!(
            plain_signature("AAAAA", "1714037059", "486452656").to_hex(),
            "899cf89e464efb63f54ddac96b0a0a235f53aa78"
        );
        // Order of the arguments does not matter: the values are sorted.
        assert_eq!(
            plain_signature("486452656", "AAAAA", "1714037059").to_hex(),
            "899cf89e464efb63f54ddac96b0a0a235f53aa78"
        );
    }

    #[test]
    fn mp_reply_signature_example() {
        // NOTES.md §1.3: MP message-push doc, encrypted JSON reply.
        assert_eq!(
            msg_signature(
                "AAAAA",
                "1713424427",
                "415670741",
                "ELGduP2YcVatjqIS+eZbp80MNLoAUWvzzyJxgGzxZO/5sAvd070Bs6qrLARC9nVHm48Y4hyRbtzve1L32tmxSQ=="
            )
            .to_hex(),
            "1b9339964ed2e271e7c7b6ff2b0ef902fc94dea1"
        );
    }
}
