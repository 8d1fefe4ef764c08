//! Callback throughput bench support, driven by `scripts/bench-callbacks` and `wrk`.
//!
//! Exists to measure what durability costs on the callback hot path: the gateway (SQLite, WAL,
//! every `200` only after the event is committed) against an "HTTP floor" — an axum handler on
//! the same runtime that only reads the body and answers `success`.
//!
//! ```text
//! callback_bench serve DIR GW_PORT FLOOR_PORT   # gateway on GW_PORT (db DIR/bench.db), floor on FLOOR_PORT
//! callback_bench gen OUT N FIRST_MSGID          # N distinct signed callbacks, one per line:
//!                                               # "PATH?QUERY<TAB>BODY"
//! ```
//!
//! The gateway has one WeCom app (`bench-app`, token + EncodingAESKey below), no webhooks, and
//! `[upstream]` on a closed port (the callback path never calls upstream).

use std::io::{BufWriter, Write};
use std::net::SocketAddr;
use std::time::{SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::body::Bytes;
use wxgate_config::Config;
use wxgate_gateway::GatewayOptions;
use wxgate_protocol::callback::CallbackCrypto;
use wxgate_protocol::crypto::KeySlot;
use wxgate_store::SecretBox;

/// The same global allocator as the `wxgate` binary, so the bench measures what ships.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const CORP: &str = "wwbench000000001";
const APP: &str = "bench-app";
const TOKEN: &str = "benchToken";
const AES_KEY: &str = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";

fn usage() -> ! {
    eprintln!(
        "usage: callback_bench serve DIR GW_PORT FLOOR_PORT | callback_bench gen OUT N FIRST_MSGID"
    );
    std::process::exit(2)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["serve", dir, gw, floor] => serve(dir, port(gw), port(floor)),
        ["gen", out, n, first] => generate(out, number(n), number(first)),
        _ => usage(),
    }
}

fn port(s: &str) -> u16 {
    s.parse().unwrap_or_else(|_| usage())
}

fn number(s: &str) -> u64 {
    s.parse().unwrap_or_else(|_| usage())
}

fn config(dir: &str) -> Config {
    let text = format!(
        r#"
[server]
listen = "127.0.0.1:0"
admin_keys = ["bench-admin-key-0123456789abcdef"]
[storage]
url = "sqlite://{dir}/bench.db"
[upstream]
wecom = "http://127.0.0.1:9"
wechat = "http://127.0.0.1:9"
[[wecom]]
name = "bench"
corp_id = "{CORP}"
  [[wecom.apps]]
  name = "{APP}"
  agent_id = 1000002
  secret = "bench-secret"
  token = "{TOKEN}"
  encoding_aes_key = "{AES_KEY}"
"#
    );
    Config::from_toml_str(&text, |_| None).expect("bench configuration is valid")
}

fn serve(dir: &str, gw_port: u16, floor_port: u16) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    runtime.block_on(async {
        let (secrets, _) = SecretBox::generate();
        let listen: SocketAddr = ([127, 0, 0, 1], gw_port).into();
        let gateway = wxgate_gateway::start(
            config(dir),
            GatewayOptions {
                secrets,
                listen: Some(listen),
            },
        )
        .await
        .expect("gateway starts");
        let floor = Router::new().fallback(|body: Bytes| async move {
            std::hint::black_box(body.len());
            "success"
        });
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", floor_port))
            .await
            .expect("floor port is free");
        println!(
            "ready gateway={} floor=http://127.0.0.1:{floor_port} workers={}",
            gateway.base_url,
            tokio::runtime::Handle::current().metrics().num_workers()
        );
        axum::serve(listener, floor).await.expect("floor serves");
        drop(gateway);
    });
}

fn generate(out: &str, n: u64, first: u64) {
    let crypto = CallbackCrypto::single(TOKEN, AES_KEY, CORP).expect("bench key is valid");
    let timestamp = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock after 1970")
        .as_secs()
        .to_string();
    let file = std::fs::File::create(out).expect("output file");
    let mut w = BufWriter::new(file);
    for msg_id in first..first + n {
        let plaintext = format!(
            "<xml><ToUserName><![CDATA[{CORP}]]></ToUserName><FromUserName><![CDATA[zhangsan]]></FromUserName>\
             <CreateTime>1763600000</CreateTime><MsgType><![CDATA[text]]></MsgType>\
             <Content><![CDATA[bench message {msg_id}: 你好，这是一条压测消息]]></Content>\
             <MsgId>{msg_id}</MsgId><AgentID>1000002</AgentID></xml>"
        );
        let nonce = msg_id.to_string();
        let sealed = crypto.seal(
            &plaintext,
            &timestamp,
            &nonce,
            KeySlot::Current,
            &rand::random(),
        );
        writeln!(
            w,
            "/callback/{APP}?msg_signature={}&timestamp={timestamp}&nonce={nonce}\t\
             <xml><ToUserName><![CDATA[{CORP}]]></ToUserName><Encrypt><![CDATA[{}]]></Encrypt>\
             <AgentID><![CDATA[1000002]]></AgentID></xml>",
            sealed.msg_signature.to_hex(),
            sealed.encrypt
        )
        .expect("write request");
    }
    w.flush().expect("flush requests");
}
