//! Interop with independent implementations: the official npm package `@wecom/crypto` and the
//! community package `wechat-crypto`, driven through `tests/interop/oracle.js`.
//!
//! For a few thousand seeded random messages (Chinese, emoji, XML, empty; receive ids
//! including empty and Chinese; EncodingAESKeys drawn like the platform draws them, so most
//! have non-canonical last characters):
//!
//! * node encrypts with the same random prefix → the ciphertext must equal ours byte for byte;
//! * both node packages decrypt our ciphertext → same message and receive id;
//! * we decrypt node's ciphertext made with another random prefix;
//! * msg_signature and JS-SDK signatures agree.
//!
//! This test FAILS (it does not skip) if `node` or the packages are missing: run `npm ci` in
//! `crates/protocol/tests/interop` (the repository's `scripts/test` does it).

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};

use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use serde_json::{Value, json};
use wxgate_protocol::crypto::{AesKey, decrypt, encrypt};
use wxgate_protocol::signature::{jssdk_signature, msg_signature};

const MESSAGES: usize = 3000;

fn random_text(rng: &mut StdRng, max_chars: usize) -> String {
    const POOLS: &[&str] = &[
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789",
        "<>&\"'/=]![CDATA \n\t",
        "我是中文企业微信消息回调你好世界",
        "🎉😀🚀𝄞",
    ];
    let len = rng.random_range(0..=max_chars);
    let mut out = String::new();
    for _ in 0..len {
        let pool: Vec<char> = POOLS[rng.random_range(0..POOLS.len())].chars().collect();
        out.push(pool[rng.random_range(0..pool.len())]);
    }
    out
}

fn random_encoding_aes_key(rng: &mut StdRng) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    (0..43)
        .map(|_| char::from(ALPHABET[rng.random_range(0..ALPHABET.len())]))
        .collect()
}

/// A Token as the consoles accept it: 3–32 letters and digits.
fn random_token(rng: &mut StdRng) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let len = rng.random_range(3..=32);
    (0..len)
        .map(|_| char::from(ALPHABET[rng.random_range(0..ALPHABET.len())]))
        .collect()
}

fn random_receive_id(rng: &mut StdRng) -> String {
    match rng.random_range(0..5) {
        0 => String::new(),
        1 => "wx5823bf96d3bd56c7".into(),
        2 => "企业微信服务商".into(),
        3 => format!("ww{:016x}", rng.random::<u64>()),
        _ => random_text(rng, 30),
    }
}

struct Case {
    key_text: String,
    message: String,
    receive_id: String,
    random: [u8; 16],
    node_random: [u8; 16],
    token: String,
    timestamp: String,
    nonce: String,
}

#[test]
fn agrees_with_wecom_crypto_and_wechat_crypto() {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/interop/oracle.js");
    let mut child = Command::new("node")
        .arg(script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect(
            "`node` is required for the interop test: install Node.js and run `npm ci` in \
             crates/protocol/tests/interop (scripts/test does both checks)",
        );

    let mut rng = StdRng::seed_from_u64(0x5745_4355_4d21);
    let cases: Vec<Case> = (0..MESSAGES)
        .map(|_| Case {
            key_text: random_encoding_aes_key(&mut rng),
            message: random_text(&mut rng, 600),
            receive_id: random_receive_id(&mut rng),
            random: rng.random(),
            node_random: rng.random(),
            token: random_token(&mut rng),
            timestamp: rng
                .random_range(1_000_000_000u64..2_000_000_000)
                .to_string(),
            nonce: rng.random_range(0u64..10_000_000_000).to_string(),
        })
        .collect();

    // Build every request first; a writer thread feeds node while we read its answers.
    let mut requests = Vec::new();
    let mut ours = Vec::new();
    for case in &cases {
        let key = AesKey::from_encoding_aes_key(&case.key_text).expect("43 alphanumerics");
        let ct = encrypt(&key, &case.random, &case.message, &case.receive_id);
        requests.push(
            json!({"op": "encrypt", "key": case.key_text, "message": case.message,
            "id": case.receive_id, "random": hex::encode(case.random)}),
        );
        requests.push(
            json!({"op": "encrypt", "key": case.key_text, "message": case.message,
            "id": case.receive_id, "random": hex::encode(case.node_random)}),
        );
        requests.push(json!({"op": "decrypt", "key": case.key_text, "encrypt": ct}));
        requests.push(
            json!({"op": "signature", "token": case.token, "timestamp": case.timestamp,
            "nonce": case.nonce, "encrypt": ct}),
        );
        ours.push((key, ct));
    }
    let jssdk_cases: Vec<[String; 4]> = (0..200)
        .map(|_| {
            [
                random_text(&mut rng, 90),
                // Non-empty: @wecom/crypto substitutes a random nonce for an empty one.
                random_token(&mut rng),
                rng.random_range(1_000_000_000u64..2_000_000_000)
                    .to_string(),
                format!(
                    "https://example.com/{}?a={}",
                    rng.random::<u32>(),
                    random_text(&mut rng, 20).replace('#', "")
                ),
            ]
        })
        .collect();
    for [ticket, noncestr, timestamp, url] in &jssdk_cases {
        requests.push(
            json!({"op": "jssdk", "ticket": ticket, "noncestr": noncestr,
            "timestamp": timestamp, "url": url}),
        );
    }

    let mut stdin = child.stdin.take().unwrap();
    let total = requests.len();
    let writer = std::thread::spawn(move || {
        for request in requests {
            writeln!(stdin, "{request}").unwrap();
        }
    });
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut next = || -> Value {
        let line = lines
            .next()
            .expect("node exited early: are the packages installed (`npm ci` in crates/protocol/tests/interop)?")
            .unwrap();
        let value: Value = serde_json::from_str(&line).unwrap();
        assert!(value.get("error").is_none(), "oracle error: {value}");
        value
    };

    for (case, (key, ct)) in cases.iter().zip(&ours) {
        let ctx = format!(
            "message {:?} id {:?} key {}",
            case.message, case.receive_id, case.key_text
        );
        // 1. Same random prefix → identical ciphertext.
        assert_eq!(next()["encrypt"].as_str().unwrap(), ct, "{ctx}");
        // 2. Node's ciphertext with its own random prefix decrypts here.
        let theirs = next();
        let payload = decrypt(key, theirs["encrypt"].as_str().unwrap()).unwrap();
        assert_eq!(
            (&payload.message, &payload.receive_id),
            (&case.message, &case.receive_id),
            "{ctx}"
        );
        // 3. Both node packages decrypt our ciphertext.
        let decrypted = next();
        for lib in ["wecom", "wechat_crypto"] {
            assert_eq!(
                decrypted[lib]["message"].as_str().unwrap(),
                case.message,
                "{lib} {ctx}"
            );
            assert_eq!(
                decrypted[lib]["id"].as_str().unwrap(),
                case.receive_id,
                "{lib} {ctx}"
            );
        }
        assert_eq!(
            decrypted["wecom"]["random"].as_str().unwrap(),
            hex::encode(case.random)
        );
        // 4. Signatures agree.
        let sig = msg_signature(&case.token, &case.timestamp, &case.nonce, ct).to_hex();
        let sigs = next();
        assert_eq!(sigs["wecom"].as_str().unwrap(), sig, "{ctx}");
        assert_eq!(sigs["wechat_crypto"].as_str().unwrap(), sig, "{ctx}");
    }
    for [ticket, noncestr, timestamp, url] in &jssdk_cases {
        assert_eq!(
            next()["signature"].as_str().unwrap(),
            jssdk_signature(ticket, noncestr, timestamp, url).to_hex()
        );
    }
    writer.join().unwrap();
    let status = child.wait().unwrap();
    assert!(status.success(), "oracle exited with {status}");
    assert_eq!(total, MESSAGES * 4 + jssdk_cases.len());
}
