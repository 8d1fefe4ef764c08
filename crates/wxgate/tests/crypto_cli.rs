//! `wxgate crypto` end to end: the real binary, the official WeCom sample (token `QDG6eK`,
//! NOTES.md §1.3), and the mistakes users make, each with the diagnosis it must print.

use std::io::Write as _;
use std::process::{Command, Stdio};

use serde_json::Value;

const TOKEN: &str = "QDG6eK";
const KEY: &str = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C";
const CORP: &str = "wx5823bf96d3bd56c7";
const ECHOSTR: &str =
    "P9nAzCzyDtyTWESHep1vC5X9xho/qYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp+4RPcs8TgAE7OaBO+FZXvnaqQ==";
const POST_ENCRYPT: &str = "RypEvHKD8QQKFhvQ6QleEB4J58tiPdvo+rtK1I9qca6aM/wvqnLSV5zEPeusUiX5L5X/0lWfrf0QADHHhGd3QczcdCUpj911L3vg3W/sYYvuJTs3TUUkSUXxaccAS0qhxchrRYt66wiSpGLYL42aM6A8dTT+6k4aSknmPj48kzJs8qLjvd4Xgpue06DOdnLxAUHzM6+kDZ+HMZfJYuR+LtwGc2hgf5gsijff0ekUNXZiqATP7PF5mZxZ3Izoun1s4zG4LUMnvw2r+KqCKIw+3IQH03v+BCA9nMELNqbSf6tiWSrXJB3LAVGUcallcrw8V2t9EL4EhzJWrQUax5wLVMNS0+rUPA3k22Ncx4XXZS9o0MBH27Bo6BpNelZpS+/uh9KsNlY6bHCmJU9p8g7m3fVKn28H3KDYA5Pl/T8Z1ptDAVe0lXdQ2YoyyH2uyPIGHBZZIs2pDBS8R07+qN+E7Q==";
const POST_SIGNATURE: &str = "477715d11cdb4164915debcba66cb864d751f3e6";

/// Runs `wxgate crypto ARGS…`, optionally feeding `stdin`; returns (exit code, parsed stdout).
fn wxgate(args: &[&str], stdin: Option<&str>) -> (i32, Value) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_wxgate"))
        .arg("crypto")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run wxgate");
    if let Some(input) = stdin {
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
    } else {
        drop(child.stdin.take());
    }
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 1, "exactly one JSON line, got: {stdout}");
    let json: Value = serde_json::from_str(lines[0]).expect("stdout is JSON");
    (out.status.code().unwrap(), json)
}

fn keys() -> Vec<&'static str> {
    vec!["--token", TOKEN, "--aes-key", KEY]
}

#[test]
fn verify_url_decrypts_the_official_echostr() {
    let mut args = vec!["verify-url"];
    args.extend(keys());
    args.extend([
        "--receive-id",
        CORP,
        "--msg-signature",
        "5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3",
        "--timestamp",
        "1409659589",
        "--nonce",
        "263014780",
        "--echostr",
        ECHOSTR,
    ]);
    let (code, out) = wxgate(&args, None);
    assert_eq!(code, 0, "{out}");
    assert_eq!(out["ok"], true);
    assert_eq!(out["plaintext"], "1616140317555161061");
    assert_eq!(out["receive_id"], CORP);
    assert!(out.get("hint").is_none(), "receive id was checked: {out}");
}

fn verify_url_with(signature: &str, echostr: &str) -> (i32, Value) {
    let mut args = vec!["verify-url"];
    args.extend(keys());
    args.extend([
        "--msg-signature",
        signature,
        "--timestamp",
        "1409659589",
        "--nonce",
        "263014780",
        "--echostr",
        echostr,
    ]);
    wxgate(&args, None)
}

#[test]
fn verify_url_diagnoses_a_still_url_encoded_echostr() {
    let encoded = ECHOSTR
        .replace('+', "%2B")
        .replace('/', "%2F")
        .replace('=', "%3D");
    let (code, out) = verify_url_with("5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3", &encoded);
    assert_eq!(code, 1);
    assert_eq!(out["ok"], false);
    assert_eq!(out["code"], -40001);
    assert!(
        out["hint"].as_str().unwrap().contains("still URL-encoded"),
        "{out}"
    );
}

#[test]
fn verify_url_diagnoses_an_echostr_decoded_twice() {
    let (code, out) = verify_url_with(
        "5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3",
        &ECHOSTR.replace('+', " "),
    );
    assert_eq!(code, 1);
    assert!(
        out["hint"].as_str().unwrap().contains("decoded twice"),
        "{out}"
    );
}

#[test]
fn verify_url_diagnoses_the_plaintext_signature_passed_as_msg_signature() {
    // The plaintext-mode `signature` over (token, timestamp, nonce) only.
    let (_, plain) = wxgate(
        &[
            "sign",
            "--token",
            TOKEN,
            "--timestamp",
            "1409659589",
            "--nonce",
            "263014780",
        ],
        None,
    );
    assert_eq!(plain["kind"], "signature");
    let (code, out) = verify_url_with(plain["signature"].as_str().unwrap(), ECHOSTR);
    assert_eq!(code, 1);
    assert!(
        out["hint"].as_str().unwrap().contains("plaintext-mode"),
        "{out}"
    );
}

#[test]
fn verify_url_with_a_wrong_token_reports_the_expected_signature() {
    let (code, out) = verify_url_with("0000000000000000000000000000000000000000", ECHOSTR);
    assert_eq!(code, 1);
    assert_eq!(
        out["expected_msg_signature"],
        "5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3"
    );
}

#[test]
fn decrypt_reads_a_whole_body_from_stdin_and_parses_the_message() {
    let body = format!(
        "<xml><ToUserName><![CDATA[{CORP}]]></ToUserName><Encrypt><![CDATA[{POST_ENCRYPT}]]></Encrypt><AgentID><![CDATA[218]]></AgentID></xml>"
    );
    let mut args = vec!["decrypt"];
    args.extend(keys());
    args.extend([
        "--msg-signature",
        POST_SIGNATURE,
        "--timestamp",
        "1409659813",
        "--nonce",
        "1372623149",
        "--body",
        "-",
    ]);
    let (code, out) = wxgate(&args, Some(&body));
    assert_eq!(code, 0, "{out}");
    assert_eq!(out["key"], "current");
    assert_eq!(out["receive_id"], CORP);
    assert_eq!(out["event_type"], "wecom.message.text");
    assert_eq!(out["message"]["content"], "hello");
    assert_eq!(out["message"]["msg_id"], "4561255354251345929");
}

#[test]
fn decrypt_reports_the_receive_id_it_found_on_mismatch() {
    let mut args = vec!["decrypt"];
    args.extend(keys());
    args.extend([
        "--receive-id",
        "ww0000000000000000",
        "--msg-signature",
        POST_SIGNATURE,
        "--timestamp",
        "1409659813",
        "--nonce",
        "1372623149",
        "--encrypt",
        POST_ENCRYPT,
    ]);
    let (code, out) = wxgate(&args, None);
    assert_eq!(code, 1);
    assert_eq!(out["code"], -40005);
    assert_eq!(out["receive_id"], CORP);
    assert_eq!(out["expected_receive_ids"][0], "ww0000000000000000");
}

#[test]
fn decrypt_with_a_rotated_key_uses_the_previous_one() {
    let mut args = vec![
        "decrypt",
        "--token",
        TOKEN,
        "--aes-key",
        "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG",
        "--previous-aes-key",
        KEY,
    ];
    args.extend([
        "--msg-signature",
        POST_SIGNATURE,
        "--timestamp",
        "1409659813",
        "--nonce",
        "1372623149",
        "--encrypt",
        POST_ENCRYPT,
    ]);
    let (code, out) = wxgate(&args, None);
    assert_eq!(code, 0, "{out}");
    assert_eq!(out["key"], "previous");
}

#[test]
fn decrypt_with_the_wrong_key_fails_with_the_aes_code() {
    let args = [
        "decrypt",
        "--token",
        TOKEN,
        "--aes-key",
        "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG",
        "--msg-signature",
        POST_SIGNATURE,
        "--timestamp",
        "1409659813",
        "--nonce",
        "1372623149",
        "--encrypt",
        POST_ENCRYPT,
    ];
    let (code, out) = wxgate(&args, None);
    assert_eq!(code, 1);
    let official = out["code"].as_i64().unwrap();
    assert!(official == -40007 || official == -40008, "{out}");
    assert!(out["hint"].as_str().unwrap().contains("EncodingAESKey"));
}

#[test]
fn a_malformed_key_is_refused_with_minus_40004() {
    let (code, out) = wxgate(
        &[
            "encrypt",
            "--token",
            TOKEN,
            "--aes-key",
            "short",
            "--receive-id",
            CORP,
            "--timestamp",
            "1",
            "--nonce",
            "2",
            "--plaintext",
            "x",
        ],
        None,
    );
    assert_eq!(code, 1);
    assert_eq!(out["code"], -40004);
}

#[test]
fn encrypt_then_decrypt_round_trips_in_both_formats() {
    for format in ["xml", "json", "mp-json"] {
        let (code, sealed) = wxgate(
            &[
                "encrypt",
                "--token",
                TOKEN,
                "--aes-key",
                KEY,
                "--receive-id",
                CORP,
                "--timestamp",
                "1409659813",
                "--nonce",
                "1372623149",
                "--random",
                "0123456789abcdef",
                "--plaintext",
                "<xml><ToUserName><![CDATA[ww1]]></ToUserName><FromUserName><![CDATA[u]]></FromUserName><CreateTime>1</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[中文]]></Content><MsgId>7</MsgId></xml>",
                "--format",
                format,
            ],
            None,
        );
        assert_eq!(code, 0, "{sealed}");
        let mut args = vec!["decrypt"];
        args.extend(keys());
        args.extend([
            "--receive-id",
            CORP,
            "--msg-signature",
            sealed["msg_signature"].as_str().unwrap(),
            "--timestamp",
            "1409659813",
            "--nonce",
            "1372623149",
            "--body",
            "-",
        ]);
        let (code, out) = wxgate(&args, Some(sealed["envelope"].as_str().unwrap()));
        assert_eq!(code, 0, "{format}: {out}");
        assert_eq!(out["message"]["content"], "中文");
    }
}

#[test]
fn sign_gives_msg_signature_over_encrypt() {
    let (code, out) = wxgate(
        &[
            "sign",
            "--token",
            TOKEN,
            "--timestamp",
            "1409659813",
            "--nonce",
            "1372623149",
            "--encrypt",
            POST_ENCRYPT,
        ],
        None,
    );
    assert_eq!(code, 0);
    assert_eq!(out["kind"], "msg_signature");
    assert_eq!(out["signature"], POST_SIGNATURE);
}

#[test]
fn jssdk_sign_matches_the_official_example_and_ignores_the_fragment() {
    // WeCom doc path/96909 (NOTES.md §1.1).
    let (code, out) = wxgate(
        &[
            "jssdk-sign",
            "--ticket",
            "sM4AOVdWfPE4DxkXGEs8VMCPGGVi4C3VM0P37wVUCFvkVAy_90u5h9nbSlYy3-Sl-HhTdfl2fzFy1AOcHKP7qg",
            "--noncestr",
            "Wm3WZYTPz0wzccnW",
            "--timestamp",
            "1414587457",
            "--url",
            "http://mp.weixin.qq.com?params=value#section",
        ],
        None,
    );
    assert_eq!(code, 0);
    assert_eq!(out["signature"], "0f9de62fce790f9a083d5c99e95740ceb90c27ed");
    assert_eq!(out["url"], "http://mp.weixin.qq.com?params=value");
}

#[test]
fn mini_program_commands_verify_and_decrypt() {
    // rawData example from the official mini-program signature doc (NOTES.md §1.1).
    let raw = r#"{"nickName":"Band","gender":1,"language":"zh_CN","city":"Guangzhou","province":"Guangdong","country":"CN","avatarUrl":"http://wx.qlogo.cn/mmopen/vi_32/1vZvI39NWFQ9XM4LtQpFrQJ1xlgZxx3w7bQxKARol6503Iuswjjn6nIGBiaycAjAtpujxyzYsrztuuICqIM5ibXQ/0"}"#;
    let session_key = "HyVFkGl5F5OQWJZZaNzBBg==";
    let (code, out) = wxgate(
        &[
            "mini-verify",
            "--raw-data",
            raw,
            "--session-key",
            session_key,
            "--signature",
            "75e81ceda165f4ffa64f4068af58c64b8f54b88c",
        ],
        None,
    );
    assert_eq!(code, 0, "{out}");
    let (code, out) = wxgate(
        &[
            "mini-verify",
            "--raw-data",
            &raw.replace("Band", "Bond"),
            "--session-key",
            session_key,
            "--signature",
            "75e81ceda165f4ffa64f4068af58c64b8f54b88c",
        ],
        None,
    );
    assert_eq!(code, 1);
    assert_eq!(out["code"], -40001);

    // encryptedData example from the same official page.
    let encrypted = "CiyLU1Aw2KjvrjMdj8YKliAjtP4gsMZMQmRzooG2xrDcvSnxIMXFufNstNGTyaGS9uT5geRa0W4oTOb1WT7fJlAC+oNPdbB+3hVbJSRgv+4lGOETKUQz6OYStslQ142dNCuabNPGBzlooOmB231qMM85d2/fV6ChevvXvQP8Hkue1poOFtnEtpyxVLW1zAo6/1Xx1COxFvrc2d7UL/lmHInNlxuacJXwu0fjpXfz/YqYzBIBzD6WUfTIF9GRHpOn/Hz7saL8xz+W//FRAUid1OksQaQx4CMs8LOddcQhULW4ucetDf96JcR3g0gfRK4PC7E/r7Z6xNrXd2UIeorGj5Ef7b1pJAYB6Y5anaHqZ9J6nKEBvB4DnNLIVWSgARns/8wR2SiRS7MNACwTyrGvt9ts8p12PKFdlqYTopNHR1Vf7XjfhQlVsAJdNiKdYmYVoKlaRv85IfVunYzO0IKXsyl7JCUjCpoG20f0a04COwfneQAGGwd5oa+T8yO5hzuyDb/XcxxmK01EpqOyuxINew==";
    let decrypt = |appid: &str| {
        wxgate(
            &[
                "mini-decrypt",
                "--session-key",
                "tiihtNczf5v6AKRyjwEUhQ==",
                "--iv",
                "r7BXXKkLb8qrSNn05n0qiA==",
                "--encrypted-data",
                encrypted,
                "--appid",
                appid,
            ],
            None,
        )
    };
    let (code, out) = decrypt("wx4f4bc4dec97d474b");
    assert_eq!(code, 0, "{out}");
    assert_eq!(out["data"]["openId"], "oGZUI0egBJY1zhBYw2KhdUfwVJJE");
    let (code, out) = decrypt("wx0000000000000000");
    assert_eq!(code, 1);
    assert_eq!(out["code"], -41003);

    let (code, out) = wxgate(
        &[
            "mini-decrypt",
            "--session-key",
            "not base64!",
            "--iv",
            "r7BXXKkLb8qrSNn05n0qiA==",
            "--encrypted-data",
            "AAAA",
        ],
        None,
    );
    assert_eq!(code, 1);
    assert_eq!(out["code"], -41001);
}
