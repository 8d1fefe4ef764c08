//! Known-answer tests with Tencent's own sample values (NOTES.md §1 and the official samples it
//! cites). Each test names its source. Ciphertexts are reproduced byte for byte: where a
//! sample does not state its 16-byte random prefix, it is recovered by decrypting the official
//! ciphertext, and re-encrypting with it must give the official ciphertext back.

use wxgate_protocol::callback::{
    CallbackCrypto, MpMode, MsgSignatureParam, SignatureParam, verify_mp_url,
};
use wxgate_protocol::crypto::{AesKey, KeyRing, KeySlot, ReceiveIdPolicy, decrypt, encrypt};
use wxgate_protocol::envelope::BodyFormat;
use wxgate_protocol::error::CryptoError;
use wxgate_protocol::miniprogram::{
    MiniProgramError, decrypt_user_data, encrypt_user_data, raw_data_signature,
};
use wxgate_protocol::signature::{jssdk_signature, msg_signature, plain_signature};
use wxgate_protocol::xml;

// ---- WeCom XML sample: official C++ Sample.cpp (LeoEatle/WXBizMsgCryptNode @982fb47, a
// verbatim copy), same values in weworkapi_php callback/Sample.php. NOTES.md §1.3.
const WECOM_TOKEN: &str = "QDG6eK";
const WECOM_KEY: &str = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C";
const WECOM_CORP: &str = "wx5823bf96d3bd56c7";
const WECOM_ECHOSTR: &str =
    "P9nAzCzyDtyTWESHep1vC5X9xho/qYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp+4RPcs8TgAE7OaBO+FZXvnaqQ==";
const WECOM_POST_ENCRYPT: &str = "RypEvHKD8QQKFhvQ6QleEB4J58tiPdvo+rtK1I9qca6aM/wvqnLSV5zEPeusUiX5L5X/0lWfrf0QADHHhGd3QczcdCUpj911L3vg3W/sYYvuJTs3TUUkSUXxaccAS0qhxchrRYt66wiSpGLYL42aM6A8dTT+6k4aSknmPj48kzJs8qLjvd4Xgpue06DOdnLxAUHzM6+kDZ+HMZfJYuR+LtwGc2hgf5gsijff0ekUNXZiqATP7PF5mZxZ3Izoun1s4zG4LUMnvw2r+KqCKIw+3IQH03v+BCA9nMELNqbSf6tiWSrXJB3LAVGUcallcrw8V2t9EL4EhzJWrQUax5wLVMNS0+rUPA3k22Ncx4XXZS9o0MBH27Bo6BpNelZpS+/uh9KsNlY6bHCmJU9p8g7m3fVKn28H3KDYA5Pl/T8Z1ptDAVe0lXdQ2YoyyH2uyPIGHBZZIs2pDBS8R07+qN+E7Q==";

fn wecom() -> CallbackCrypto {
    CallbackCrypto::single(WECOM_TOKEN, WECOM_KEY, WECOM_CORP).unwrap()
}

fn wecom_post_body() -> String {
    format!(
        "<xml><ToUserName><![CDATA[{WECOM_CORP}]]></ToUserName><Encrypt><![CDATA[{WECOM_POST_ENCRYPT}]]></Encrypt><AgentID><![CDATA[218]]></AgentID></xml>"
    )
}

#[test]
fn wecom_xml_sample_verify_url() {
    let payload = wecom()
        .verify_url(
            MsgSignatureParam("5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3"),
            "1409659589",
            "263014780",
            WECOM_ECHOSTR,
        )
        .unwrap();
    assert_eq!(payload.receive_id, WECOM_CORP);
    // The echostr plaintext is a decimal string; answered verbatim.
    assert_eq!(payload.message, "1616140317555161061");
}

#[test]
fn wecom_xml_sample_open_post() {
    let opened = wecom()
        .open(
            MsgSignatureParam("477715d11cdb4164915debcba66cb864d751f3e6"),
            "1409659813",
            "1372623149",
            &wecom_post_body(),
        )
        .unwrap();
    assert_eq!(opened.format, BodyFormat::Xml);
    assert_eq!(opened.key, KeySlot::Current);
    assert_eq!(opened.receive_id, WECOM_CORP);
    assert_eq!(opened.envelope.agent_id.as_deref(), Some("218"));
    // NOTES.md §5.2 "WeCom text message (decrypted)".
    assert_eq!(
        opened.plaintext,
        "<xml><ToUserName><![CDATA[wx5823bf96d3bd56c7]]></ToUserName>\n<FromUserName><![CDATA[mycreate]]></FromUserName>\n<CreateTime>1409659813</CreateTime>\n<MsgType><![CDATA[text]]></MsgType>\n<Content><![CDATA[hello]]></Content>\n<MsgId>4561255354251345929</MsgId>\n<AgentID>218</AgentID>\n</xml>"
    );
    let doc = xml::parse(&opened.plaintext, &xml::Limits::default()).unwrap();
    assert_eq!(doc.child_text("Content"), Some("hello"));
}

#[test]
fn wecom_xml_sample_ciphertexts_are_reproduced_byte_for_byte() {
    // The sample's random prefixes are not printed; recover them, re-encrypt, compare.
    let key = AesKey::from_encoding_aes_key(WECOM_KEY).unwrap();
    for official in [WECOM_ECHOSTR, WECOM_POST_ENCRYPT] {
        let (random, payload) = recover(&key, official);
        assert_eq!(
            encrypt(&key, &random, &payload.message, &payload.receive_id),
            official
        );
    }
}

/// Decrypts with the library, and recovers the random prefix (the first plaintext block)
/// independently with the `aes`/`cbc` crates: CBC block 1 = AES-decrypt(C1) xor IV.
fn recover(key: &AesKey, official: &str) -> ([u8; 16], wxgate_protocol::crypto::Payload) {
    use aes::cipher::{BlockModeDecrypt, KeyIvInit};
    use base64::Engine as _;
    let payload = decrypt(key, official).unwrap();
    let raw = base64::engine::general_purpose::STANDARD
        .decode(official)
        .unwrap();
    let mut first = aes::cipher::Array::<u8, aes::cipher::consts::U16>::default();
    first.copy_from_slice(&raw[..16]);
    let iv: [u8; 16] = key.as_bytes()[..16].try_into().unwrap();
    cbc::Decryptor::<aes::Aes256>::new(key.as_bytes().into(), &iv.into()).decrypt_block(&mut first);
    (first.into(), payload)
}

#[test]
fn wecom_xml_sample_reply_round_trips_through_seal() {
    // Sample.cpp example 3: the reply is encrypted with the request's timestamp and nonce.
    let crypto = wecom();
    let reply_text = "<xml><ToUserName><![CDATA[mycreate]]></ToUserName><FromUserName><![CDATA[wx5823bf96d3bd56c7]]></FromUserName><CreateTime>1348831860</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[this is a test]]></Content><MsgId>1234567890123456</MsgId><AgentID>128</AgentID></xml>";
    let sealed = crypto.seal(
        reply_text,
        "1409659813",
        "1372623149",
        KeySlot::Current,
        b"0960688932c47ef1",
    );
    let body = sealed.to_xml();
    let doc = xml::parse(&body, &xml::Limits::default()).unwrap();
    assert_eq!(doc.child_text("TimeStamp"), Some("1409659813"));
    assert_eq!(doc.child_text("Nonce"), Some("1372623149"));
    let sig = doc.child_text("MsgSignature").unwrap();
    assert_eq!(
        sig,
        msg_signature(WECOM_TOKEN, "1409659813", "1372623149", &sealed.encrypt).to_hex()
    );
    // The platform side opens it like any callback (the reply envelope has Encrypt too).
    let opened = crypto
        .open(MsgSignatureParam(sig), "1409659813", "1372623149", &body)
        .unwrap();
    assert_eq!(opened.plaintext, reply_text);
}

// ---- WeCom JSON callback samples. NOTES.md §1.3.

#[test]
fn wecom_json_sample_go_lower_case() {
    // workweixin/weworkapi_golang @c1fdfd3 json_callback/sample.go (the request in code; the
    // ciphertext in the comment above it is not the one the signature covers).
    let body = r#"{"tousername":"wx5823bf96d3bd56c7","encrypt":"CZWs4CWRpI4VolQlvn4dlEC1alN2MUEY2VklGehgBVLBrlVF7SyT+SV+Toj43l4ayJ9UMGKphktKKmP7B2j/P1ey67XB8PBgS7Wr5/8+w/yWriZv3Vmoo/MH3/1HsIWZrPQ3N2mJrelStIfI2Y8kLKXA7EhfZgZX4o+ffdkZDM76SEl79Ib9mw7TGjZ9Aw/x/A2VjNbV1E8BtEbRxYYcQippYNw7hr8sFfa3nW1xLdxokt8QkRX83vK3DFP2F6TQFPL2Tu98UwhcUpPvdJBuu1/yiOQIScppV3eOuLWEsko=","agentid":"218"}"#;
    let opened = wecom()
        .open(
            MsgSignatureParam("0623cbc5a8cbee5bcc137c70de99575366fc2af3"),
            "1409659813",
            "1372623149",
            body,
        )
        .unwrap();
    assert_eq!(opened.format, BodyFormat::Json);
    assert_eq!(opened.envelope.agent_id.as_deref(), Some("218"));
    let json: serde_json::Value = serde_json::from_str(&opened.plaintext).unwrap();
    assert_eq!(json["Content"], "hello");
    assert_eq!(json["ToUserName"], WECOM_CORP);
    assert_eq!(json["MsgId"].as_u64(), Some(4561255354251345929));
    let key = AesKey::from_encoding_aes_key(WECOM_KEY).unwrap();
    let (random, payload) = recover(&key, &opened.envelope.encrypt);
    assert_eq!(
        encrypt(&key, &random, &payload.message, &payload.receive_id),
        opened.envelope.encrypt
    );
}

#[test]
fn wecom_json_sample_php_pascal_case_numeric_agent_id() {
    // sbzhu/weworkapi_php callback_json/Sample.php (the request in code). Its plaintext is the
    // sample's own, slightly malformed JSON (`"FromUserName": :mycreate"`): decryption does not
    // care, the message parser must.
    let body = r#"{ "ToUserName": "wx5823bf96d3bd56c7", "Encrypt": "pvXgeha3nZ7UQ2DG3WD3IVsNJR38QVl1+h+wmLQHIAwEG3Jey2aTZtvAWzhEZ9JEKGwIUMBWX3JlUhfo7O7WbvI10vHIsdSNr1nr3LuOwAfnwLJAMQNDxi5tHUl08Op59jxOL73r8+g60KOxMTaFwXzlr9Yxgq5ey5nzNb/2vDjjvDZNXkJVmL/XWnv6PXrVbTpNxphqWRv2BpPYqvwRMkHgdFliatljMVlkkRHS40FOHmtBhj/4RXtIexfDx8opBXwi0L9RTlYNQzGx+FA+74xVHG7Le/pmNDwc2Ri5mbw=", "AgentID": 218 }"#;
    let opened = wecom()
        .open(
            MsgSignatureParam("1f3153b7abd0ba99b4ab2e57fac2376110d03a3c"),
            "1409659813",
            "1372623149",
            body,
        )
        .unwrap();
    assert_eq!(opened.format, BodyFormat::Json);
    assert_eq!(opened.envelope.agent_id.as_deref(), Some("218"));
    assert!(
        opened.plaintext.contains(r#""Content": "hello""#),
        "{}",
        opened.plaintext
    );
    assert_eq!(opened.receive_id, WECOM_CORP);
}

// ---- WeCom Python sample, second vector set: sbzhu/weworkapi_python @27220fb callback/Sample.py
// (token and key published at that commit; NOTES.md §7 lists the set as unpublished at 71441bf).

#[test]
fn wecom_python_sample_second_vector_set() {
    let crypto = CallbackCrypto::single(
        "hJqcu3uJ9Tn2gXPmxx2w9kkCkCE2EPYo",
        "6qkdMrq68nTKduznJYO1A37W2oEgpkMUvkttRToqhUt",
        "ww1436e0e65a779aee",
    )
    .unwrap();
    let echo = crypto
        .verify_url(
            MsgSignatureParam("012bc692d0a58dd4b10f8dfe5c4ac00ae211ebeb"),
            "1476416373",
            "47744683",
            "fsi1xnbH4yQh0+PJxcOdhhK6TDXkjMyhEPA7xB2TGz6b+g7xyAbEkRxN/3cNXW9qdqjnoVzEtpbhnFyq6SVHyA==",
        )
        .unwrap();
    assert_eq!(echo.message, "1288432023552776189");
    let body = "<xml><ToUserName><![CDATA[ww1436e0e65a779aee]]></ToUserName>\n<Encrypt><![CDATA[Kl7kjoSf6DMD1zh7rtrHjFaDapSCkaOnwu3bqLc5tAybhhMl9pFeK8NslNPVdMwmBQTNoW4mY7AIjeLvEl3NyeTkAgGzBhzTtRLNshw2AEew+kkYcD+Fq72Kt00fT0WnN87hGrW8SqGc+NcT3mu87Ha3dz1pSDi6GaUA6A0sqfde0VJPQbZ9U+3JWcoD4Z5jaU0y9GSh010wsHF8KZD24YhmZH4ch4Ka7ilEbjbfvhKkNL65HHL0J6EYJIZUC2pFrdkJ7MhmEbU2qARR4iQHE7wy24qy0cRX3Mfp6iELcDNfSsPGjUQVDGxQDCWjayJOpcwocugux082f49HKYg84EpHSGXAyh+/oxwaWbvL6aSDPOYuPDGOCI8jmnKiypE+]]></Encrypt>\n<AgentID><![CDATA[1000002]]></AgentID>\n</xml>";
    let opened = crypto
        .open(
            MsgSignatureParam("0c3914025cb4b4d68103f6bfc8db550f79dcf48e"),
            "1476422779",
            "1597212914",
            body,
        )
        .unwrap();
    let doc = xml::parse(&opened.plaintext, &xml::Limits::default()).unwrap();
    assert_eq!(doc.child_text("Content"), Some("你好"));
    assert_eq!(doc.child_text("AgentID"), Some("1000002"));
    // The QDG6eK crypto must refuse this corp's payloads.
    assert_eq!(
        wecom()
            .open(
                MsgSignatureParam("0c3914025cb4b4d68103f6bfc8db550f79dcf48e"),
                "1476422779",
                "1597212914",
                body
            )
            .unwrap_err(),
        CryptoError::ValidateSignature
    );
}

// ---- MP / Mini Program message-push doc (安全模式, JSON), Token "AAAAA", 43×"A",
// appid wxba5fad812f8e6fb9. NOTES.md §1.1, §1.3. The doc states every random prefix.

const MP_KEY: &str = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
const MP_APPID: &str = "wxba5fad812f8e6fb9";
const MP_ENCRYPT: &str = "+qdx1OKCy+5JPCBFWw70tm0fJGb2Jmeia4FCB7kao+/Q5c/ohsOzQHi8khUOb05JCpj0JB4RvQMkUyus8TPxLKJGQqcvZqzDpVzazhZv6JsXUnnR8XGT740XgXZUXQ7vJVnAG+tE8NUd4yFyjPy7GgiaviNrlCTj+l5kdfMuFUPpRSrfMZuMcp3Fn2Pede2IuQrKEYwKSqFIZoNqJ4M8EajAsjLY2km32IIjdf8YL/P50F7mStwntrA2cPDrM1kb6mOcfBgRtWygb3VIYnSeOBrebufAlr7F9mFUPAJGj04=";
const MP_MESSAGE: &str = r#"{"ToUserName":"gh_97417a04a28d","FromUserName":"o9AgO5Kd5ggOC-bXrbNODIiE3bGY","CreateTime":1714112445,"MsgType":"event","Event":"debug_demo","debug_str":"hello world"}"#;

#[test]
fn mp_json_safe_mode_inbound() {
    let crypto = CallbackCrypto::single("AAAAA", MP_KEY, MP_APPID).unwrap();
    assert_eq!(MpMode::from_encrypt_type(Some("aes")), Ok(MpMode::Aes));
    let body = format!(
        "{{\n    \"ToUserName\": \"gh_97417a04a28d\",\n    \"Encrypt\": \"{MP_ENCRYPT}\"\n}}"
    );
    let opened = crypto
        .open(
            MsgSignatureParam("046e02f8204d34f8ba5fa3b1db94908f3df2e9b3"),
            "1714112445",
            "415670741",
            &body,
        )
        .unwrap();
    assert_eq!(opened.plaintext, MP_MESSAGE);
    assert_eq!(opened.receive_id, MP_APPID);
    assert_eq!(
        opened.envelope.to_user_name.as_deref(),
        Some("gh_97417a04a28d")
    );
    // The URL's plaintext-mode `signature` must not be accepted as msg_signature.
    assert_eq!(
        crypto
            .open(
                MsgSignatureParam("6c5c811b55cc85e0e1b54100749188c20beb3f5d"),
                "1714112445",
                "415670741",
                &body
            )
            .unwrap_err(),
        CryptoError::ValidateSignature
    );
    // Byte-exact encryption with the doc's random prefix.
    let key = AesKey::from_encoding_aes_key(MP_KEY).unwrap();
    assert_eq!(
        encrypt(&key, b"a8eedb185eb2fecf", MP_MESSAGE, MP_APPID),
        MP_ENCRYPT
    );
}

#[test]
fn mp_json_safe_mode_reply() {
    let crypto = CallbackCrypto::single("AAAAA", MP_KEY, MP_APPID).unwrap();
    let reply = crypto.seal(
        r#"{"demo_resp":"good luck"}"#,
        "1713424427",
        "415670741",
        KeySlot::Current,
        b"707722b803182950",
    );
    assert_eq!(
        reply.encrypt,
        "ELGduP2YcVatjqIS+eZbp80MNLoAUWvzzyJxgGzxZO/5sAvd070Bs6qrLARC9nVHm48Y4hyRbtzve1L32tmxSQ=="
    );
    assert_eq!(
        reply.msg_signature.to_hex(),
        "1b9339964ed2e271e7c7b6ff2b0ef902fc94dea1"
    );
    let got: serde_json::Value = serde_json::from_str(&reply.to_mp_json()).unwrap();
    assert_eq!(
        got,
        serde_json::json!({
            "Encrypt": "ELGduP2YcVatjqIS+eZbp80MNLoAUWvzzyJxgGzxZO/5sAvd070Bs6qrLARC9nVHm48Y4hyRbtzve1L32tmxSQ==",
            "MsgSignature": "1b9339964ed2e271e7c7b6ff2b0ef902fc94dea1",
            "TimeStamp": 1713424427,
            "Nonce": "415670741"
        })
    );
}

#[test]
fn mp_plaintext_mode_and_url_check() {
    // Doc: plaintext mode POST (899cf89e…) and the GET check (f464b24f…, echostr 4375120948345356249).
    assert_eq!(MpMode::from_encrypt_type(None), Ok(MpMode::Plaintext));
    let crypto = CallbackCrypto::single("AAAAA", MP_KEY, MP_APPID).unwrap();
    crypto
        .verify_plain(
            SignatureParam("899cf89e464efb63f54ddac96b0a0a235f53aa78"),
            "1714037059",
            "486452656",
        )
        .unwrap();
    assert_eq!(
        crypto.verify_plain(
            SignatureParam("899cf89e464efb63f54ddac96b0a0a235f53aa78"),
            "1714037059",
            "486452657",
        ),
        Err(CryptoError::ValidateSignature)
    );
    assert_eq!(
        verify_mp_url(
            "AAAAA",
            SignatureParam("f464b24fc39322e44b38aa78f5edd27bd1441696"),
            "1714036504",
            "1514711492",
            "4375120948345356249"
        ),
        Ok("4375120948345356249")
    );
    assert_eq!(
        plain_signature("AAAAA", "1714036504", "1514711492").to_hex(),
        "f464b24fc39322e44b38aa78f5edd27bd1441696"
    );
}

// ---- Open platform (第三方平台) message-push doc, XML, debug_demo. NOTES.md §7 notes this
// vector; the stored copy of the official page gives every value, including the random prefixes.

#[test]
fn open_platform_xml_vector_inbound_and_reply() {
    let crypto = CallbackCrypto::single("AAAAA", MP_KEY, "wx134c8103faa5a59e").unwrap();
    let encrypted = "D7yzvUNAL930rd28wf21s4hvXhz0L6Uit/p2Di6C5DHyYGpEgdBRnKjBec34JwoQXicwaZC7fOVihW80F4VtsdvE//1vr7oAbqjDv8KenVp+ajKYpJnyQ4zMRhIC+a31fCVOMC03FfzV/QuC94kBP55a+Za3sJgvAn+ZbsNqZI5DkyuzkhQN8OBqCzFhizGmy0xpM0MEA4agpvE+RuNO1rhHTtuJB5yltw1FiYzecSXJ+y/D2r81VkRn2eYjh2ltsoyfbDR7Is6ookXIFxTfyeNyeHxMeT4KN5WpCDmSbTcUYrbBUlkGLJ9n/rU8YOywma6G7aTb7KZKOqCxgfoUlYEZPk4FUL/TK7ShriFDMVCLyjQJ15Ob++agDWtcxhfUfe6HIoIpRW8mKNBQiY/Jd1svvuskA1wLef1RTtzKfMpagSCX/laZINmdnX4zrF6kIaR9P4xQrWXbsTFHTYe0Mg==";
    let body = format!(
        "<xml>\n    <ToUserName><![CDATA[gh_97417a04a28d]]></ToUserName>\n    <Encrypt><![CDATA[{encrypted}]]></Encrypt>\n</xml>"
    );
    let opened = crypto
        .open(
            MsgSignatureParam("6c12a4205838198b8fa631b3220723bb07f1015c"),
            "1715943329",
            "1590219412",
            &body,
        )
        .unwrap();
    let message = "<xml><ToUserName><![CDATA[gh_97417a04a28d]]></ToUserName>\n<FromUserName><![CDATA[o9AgO5Kd5ggOC-bXrbNODIiE3bGY]]></FromUserName>\n<CreateTime>1715943329</CreateTime>\n<MsgType><![CDATA[event]]></MsgType>\n<Event><![CDATA[debug_demo]]></Event>\n<debug_str><![CDATA[hello world]]></debug_str>\n</xml>";
    assert_eq!(opened.plaintext, message);
    assert_eq!(opened.plaintext.len(), 292); // doc: msg_len=292
    assert_eq!(opened.receive_id, "wx134c8103faa5a59e");
    let key = AesKey::from_encoding_aes_key(MP_KEY).unwrap();
    assert_eq!(
        encrypt(&key, b"1205899eaf019bbd", message, "wx134c8103faa5a59e"),
        encrypted
    );

    // The doc's final reply, byte for byte.
    let reply = crypto.seal(
        "<xml><demo_resp>[CDATA[good luck]]</demo_resp></xml>",
        "1713424427",
        "415670741",
        KeySlot::Current,
        b"999951349e8ee746",
    );
    assert_eq!(
        reply.to_xml(),
        "<xml>\n<Encrypt><![CDATA[hE8R6mGXHkJJjU72KxzKUd1GEkKJaEZq7vRL8XgK3o+00k8JGq6+pZJUIlTSyhsX+bxIBQ72g3GyvDdIZcr6+3HAZbSvPT9t/o11MI7d6WELwqrGd7jMnV0zv3Zc9Nq7]]></Encrypt>\n<MsgSignature><![CDATA[03e0812039325c2712ef5f0f980fd14c70d6e307]]></MsgSignature>\n<TimeStamp>1713424427</TimeStamp>\n<Nonce><![CDATA[415670741]]></Nonce>\n</xml>"
    );
}

// ---- JS-SDK (NOTES.md §1.1: WeCom doc 96909 / MP 附录1) and Mini Program open data
// (miniprogram open-ability/signature.html).

#[test]
fn jssdk_examples() {
    let ticket =
        "sM4AOVdWfPE4DxkXGEs8VMCPGGVi4C3VM0P37wVUCFvkVAy_90u5h9nbSlYy3-Sl-HhTdfl2fzFy1AOcHKP7qg";
    assert_eq!(
        jssdk_signature(
            ticket,
            "Wm3WZYTPz0wzccnW",
            "1414587457",
            "http://mp.weixin.qq.com?params=value"
        )
        .to_hex(),
        "0f9de62fce790f9a083d5c99e95740ceb90c27ed"
    );
    assert_eq!(
        jssdk_signature(
            ticket,
            "Wm3WZYTPz0wzccnW",
            "1414587457",
            "http://mp.weixin.qq.com"
        )
        .to_hex(),
        "f4d90daf4b3bca3078ab155816175ba34c443a7b"
    );
}

#[test]
fn miniprogram_raw_data_signature_example() {
    let raw = r#"{"nickName":"Band","gender":1,"language":"zh_CN","city":"Guangzhou","province":"Guangdong","country":"CN","avatarUrl":"http://wx.qlogo.cn/mmopen/vi_32/1vZvI39NWFQ9XM4LtQpFrQJ1xlgZxx3w7bQxKARol6503Iuswjjn6nIGBiaycAjAtpujxyzYsrztuuICqIM5ibXQ/0"}"#;
    let sig = raw_data_signature(raw, "HyVFkGl5F5OQWJZZaNzBBg==");
    assert_eq!(sig.to_hex(), "75e81ceda165f4ffa64f4068af58c64b8f54b88c");
    assert!(sig.verify("75E81CEDA165F4FFA64F4068AF58C64B8F54B88C"));
}

const MP_SESSION_KEY: &str = "tiihtNczf5v6AKRyjwEUhQ==";
const MP_IV: &str = "r7BXXKkLb8qrSNn05n0qiA==";
const MP_ENCRYPTED_DATA: &str = "CiyLU1Aw2KjvrjMdj8YKliAjtP4gsMZMQmRzooG2xrDcvSnxIMXFufNstNGTyaGS9uT5geRa0W4oTOb1WT7fJlAC+oNPdbB+3hVbJSRgv+4lGOETKUQz6OYStslQ142dNCuabNPGBzlooOmB231qMM85d2/fV6ChevvXvQP8Hkue1poOFtnEtpyxVLW1zAo6/1Xx1COxFvrc2d7UL/lmHInNlxuacJXwu0fjpXfz/YqYzBIBzD6WUfTIF9GRHpOn/Hz7saL8xz+W//FRAUid1OksQaQx4CMs8LOddcQhULW4ucetDf96JcR3g0gfRK4PC7E/r7Z6xNrXd2UIeorGj5Ef7b1pJAYB6Y5anaHqZ9J6nKEBvB4DnNLIVWSgARns/8wR2SiRS7MNACwTyrGvt9ts8p12PKFdlqYTopNHR1Vf7XjfhQlVsAJdNiKdYmYVoKlaRv85IfVunYzO0IKXsyl7JCUjCpoG20f0a04COwfneQAGGwd5oa+T8yO5hzuyDb/XcxxmK01EpqOyuxINew==";
const MP_USER_DATA: &str = r#"{"openId":"oGZUI0egBJY1zhBYw2KhdUfwVJJE","nickName":"Band","gender":1,"language":"zh_CN","city":"Guangzhou","province":"Guangdong","country":"CN","avatarUrl":"http://wx.qlogo.cn/mmopen/vi_32/aSKcBBPpibyKNicHNTMM0qJVh8Kjgiak2AHWr8MHM4WgMEm7GFhsf8OYrySdbvAMvTsw3mo8ibKicsnfN5pRjl1p8HQ/0","unionId":"ocMvos6NjeKLIBqg5Mr9QjxrP1FA","watermark":{"timestamp":1477314187,"appid":"wx4f4bc4dec97d474b"}}"#;

#[test]
fn miniprogram_encrypted_data_example() {
    // Official doc example (WXBizDataCrypt demo values), appid wx4f4bc4dec97d474b.
    let value = decrypt_user_data(
        MP_SESSION_KEY,
        MP_IV,
        MP_ENCRYPTED_DATA,
        Some("wx4f4bc4dec97d474b"),
    )
    .unwrap();
    assert_eq!(value["openId"], "oGZUI0egBJY1zhBYw2KhdUfwVJJE");
    assert_eq!(value["unionId"], "ocMvos6NjeKLIBqg5Mr9QjxrP1FA");
    assert_eq!(value["watermark"]["timestamp"], 1477314187);
    assert_eq!(
        value,
        serde_json::from_str::<serde_json::Value>(MP_USER_DATA).unwrap()
    );
    // encrypt_user_data reproduces the official ciphertext.
    assert_eq!(
        encrypt_user_data(MP_SESSION_KEY, MP_IV, MP_USER_DATA).unwrap(),
        MP_ENCRYPTED_DATA
    );
}

#[test]
fn miniprogram_encrypted_data_errors() {
    assert_eq!(
        decrypt_user_data(MP_SESSION_KEY, MP_IV, MP_ENCRYPTED_DATA, Some("wxOTHER")),
        Err(MiniProgramError::WatermarkMismatch {
            found: Some("wx4f4bc4dec97d474b".into()),
            expected: "wxOTHER".into()
        })
    );
    assert!(matches!(
        decrypt_user_data("AAAA", MP_IV, MP_ENCRYPTED_DATA, None),
        Err(MiniProgramError::SessionKey(_))
    ));
    assert!(matches!(
        decrypt_user_data("%%%", MP_IV, MP_ENCRYPTED_DATA, None),
        Err(MiniProgramError::SessionKey(_))
    ));
    assert!(matches!(
        decrypt_user_data(MP_SESSION_KEY, "AAAA", MP_ENCRYPTED_DATA, None),
        Err(MiniProgramError::Iv(_))
    ));
    assert_eq!(
        decrypt_user_data(MP_SESSION_KEY, MP_IV, "!!", None),
        Err(MiniProgramError::EncryptedDataBase64)
    );
    // A stale session key: padding fails (or, rarely, the bytes are not JSON).
    let stale =
        decrypt_user_data("AAAAAAAAAAAAAAAAAAAAAA==", MP_IV, MP_ENCRYPTED_DATA, None).unwrap_err();
    assert!(
        matches!(
            stale,
            MiniProgramError::Decrypt | MiniProgramError::NotJson(_)
        ),
        "{stale:?}"
    );
    // Valid ciphertext of something that is not a JSON object.
    let not_json = encrypt_user_data(MP_SESSION_KEY, MP_IV, "hello").unwrap();
    assert!(matches!(
        decrypt_user_data(MP_SESSION_KEY, MP_IV, &not_json, None),
        Err(MiniProgramError::NotJson(_))
    ));
    let array = encrypt_user_data(MP_SESSION_KEY, MP_IV, "[1]").unwrap();
    assert!(matches!(
        decrypt_user_data(MP_SESSION_KEY, MP_IV, &array, None),
        Err(MiniProgramError::NotJson(_))
    ));
    let no_watermark = encrypt_user_data(MP_SESSION_KEY, MP_IV, "{}").unwrap();
    assert_eq!(
        decrypt_user_data(
            MP_SESSION_KEY,
            MP_IV,
            &no_watermark,
            Some("wx4f4bc4dec97d474b")
        ),
        Err(MiniProgramError::WatermarkMismatch {
            found: None,
            expected: "wx4f4bc4dec97d474b".into()
        })
    );
    // Not whole blocks.
    assert_eq!(
        decrypt_user_data(MP_SESSION_KEY, MP_IV, "AAAA", None),
        Err(MiniProgramError::Decrypt)
    );
}

#[test]
fn miniprogram_encrypted_data_matches_openssl() {
    // Cross-check with an independent implementation: `openssl enc -aes-128-cbc`.
    use base64::Engine as _;
    use std::io::Write as _;
    let b64 = base64::engine::general_purpose::STANDARD;
    let key = hex::encode(b64.decode(MP_SESSION_KEY).unwrap());
    let iv = hex::encode(b64.decode(MP_IV).unwrap());
    let mut child = std::process::Command::new("openssl")
        .args([
            "enc",
            "-aes-128-cbc",
            "-K",
            &key,
            "-iv",
            &iv,
            "-base64",
            "-A",
        ])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("openssl must be installed for this test");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(MP_USER_DATA.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8(out.stdout).unwrap().trim(),
        MP_ENCRYPTED_DATA
    );
}

// ---- Error paths through the facade.

#[test]
fn facade_error_paths() {
    let crypto = wecom();
    let body = wecom_post_body();
    let sig = MsgSignatureParam("477715d11cdb4164915debcba66cb864d751f3e6");
    // Bad signature (wrong nonce).
    assert_eq!(
        crypto
            .open(sig, "1409659813", "1372623140", &body)
            .unwrap_err(),
        CryptoError::ValidateSignature
    );
    // Signature computed over the plaintext-mode formula (no Encrypt) is refused.
    let plain = plain_signature(WECOM_TOKEN, "1409659813", "1372623149").to_hex();
    assert_eq!(
        crypto
            .open(MsgSignatureParam(&plain), "1409659813", "1372623149", &body)
            .unwrap_err(),
        CryptoError::ValidateSignature
    );
    // Unparseable body.
    assert_eq!(
        crypto
            .open(sig, "1409659813", "1372623149", "oops")
            .unwrap_err()
            .code(),
        -40002
    );
    // Wrong key: correct signature (same token), different EncodingAESKey.
    let wrong_key = CallbackCrypto::single(WECOM_TOKEN, MP_KEY, WECOM_CORP).unwrap();
    let err = wrong_key
        .open(sig, "1409659813", "1372623149", &body)
        .unwrap_err();
    assert!(
        matches!(
            err,
            CryptoError::DecryptAes | CryptoError::IllegalBuffer { .. }
        ),
        "{err:?}"
    );
    // Wrong receive id: reports what it found.
    let other_corp = CallbackCrypto::single(WECOM_TOKEN, WECOM_KEY, "ww1436e0e65a779aee").unwrap();
    match other_corp
        .open(sig, "1409659813", "1372623149", &body)
        .unwrap_err()
    {
        CryptoError::ValidateReceiveId { found, expected } => {
            assert_eq!(found, WECOM_CORP);
            assert_eq!(expected, vec!["ww1436e0e65a779aee".to_string()]);
        }
        other => panic!("expected ValidateReceiveId, got {other:?}"),
    }
    // An echostr that was URL-decoded twice (`+` → space) fails the signature first; if the
    // signature was computed over the damaged text, base64 then fails.
    let damaged = WECOM_ECHOSTR.replace('+', " ");
    let sig_damaged = msg_signature(WECOM_TOKEN, "1409659589", "263014780", &damaged).to_hex();
    assert_eq!(
        crypto
            .verify_url(
                MsgSignatureParam("5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3"),
                "1409659589",
                "263014780",
                &damaged
            )
            .unwrap_err(),
        CryptoError::ValidateSignature
    );
    assert_eq!(
        crypto
            .verify_url(
                MsgSignatureParam(&sig_damaged),
                "1409659589",
                "263014780",
                &damaged
            )
            .unwrap_err(),
        CryptoError::DecodeBase64
    );
    // Truncated ciphertext with a matching signature: DecryptAes.
    let truncated = &WECOM_ECHOSTR[..64];
    let sig_truncated = msg_signature(WECOM_TOKEN, "1", "2", truncated).to_hex();
    assert_eq!(
        crypto
            .verify_url(MsgSignatureParam(&sig_truncated), "1", "2", truncated)
            .unwrap_err(),
        CryptoError::DecryptAes
    );
}

#[test]
fn key_rotation_picks_previous_and_replies_with_it() {
    let old = AesKey::from_encoding_aes_key(WECOM_KEY).unwrap();
    let new = AesKey::from_bytes([0x5a; 32]);
    let crypto = CallbackCrypto::new(
        WECOM_TOKEN,
        KeyRing::with_previous(new, old.clone()),
        ReceiveIdPolicy::only(WECOM_CORP),
        WECOM_CORP,
    )
    .unwrap();
    let opened = crypto
        .open(
            MsgSignatureParam("477715d11cdb4164915debcba66cb864d751f3e6"),
            "1409659813",
            "1372623149",
            &wecom_post_body(),
        )
        .unwrap();
    assert_eq!(opened.key, KeySlot::Previous);
    let reply = crypto.seal("<xml/>", "1", "2", opened.key, &[0; 16]);
    // The reply is readable with the old key: the platform has not switched yet.
    assert_eq!(decrypt(&old, &reply.encrypt).unwrap().message, "<xml/>");
}
