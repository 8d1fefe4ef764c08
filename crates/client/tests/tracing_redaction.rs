//! Every upstream call leaves one span with its API name and errcode, and nothing that is
//! logged — at any level, by this crate or the HTTP stack under it — carries a token or secret.

use std::io::Write;
use std::sync::{Arc, Mutex};

use serde_json::json;
use tracing_subscriber::fmt::format::FmtSpan;
use wxgate_client::{BoxFuture, Client, ClientConfig, ClientError, TokenKey, TokenProvider};

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

struct Rotating(Mutex<u32>);

impl TokenProvider for Rotating {
    fn token<'a>(&'a self, _key: &'a TokenKey) -> BoxFuture<'a, Result<String, ClientError>> {
        Box::pin(async move { Ok(format!("SECRETTOKEN{}", self.0.lock().unwrap())) })
    }
    fn invalidate<'a>(&'a self, _key: &'a TokenKey, _token: &'a str) -> BoxFuture<'a, ()> {
        Box::pin(async move { *self.0.lock().unwrap() += 1 })
    }
}

#[tokio::test]
async fn spans_name_the_api_and_errcode_and_logs_carry_no_secret() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_span_events(FmtSpan::CLOSE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let calls = Arc::new(Mutex::new(0u32));
    let counter = calls.clone();
    let app = axum::Router::new()
        .route(
            "/cgi-bin/user/get",
            axum::routing::get(move || {
                let counter = counter.clone();
                async move {
                    let mut n = counter.lock().unwrap();
                    *n += 1;
                    if *n == 1 {
                        axum::Json(json!({"errcode":42001,"errmsg":"access_token expired"}))
                    } else {
                        axum::Json(json!({"errcode":0,"errmsg":"ok","userid":"u1"}))
                    }
                }
            }),
        )
        .route(
            "/cgi-bin/gettoken",
            axum::routing::get(|| async {
                axum::Json(json!({"errcode":40001,"errmsg":"invalid secret"}))
            }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

    let client = Client::new(ClientConfig {
        wecom_base: base.clone(),
        wechat_base: base,
        ..ClientConfig::default()
    })
    .unwrap();
    let api = client.wecom(
        Arc::new(Rotating(Mutex::new(0))),
        TokenKey::wecom_app("ww1", "1"),
    );
    api.user_get("u1").await.unwrap();
    let _ = client
        .wecom_get_token("ww1", "CORPSECRETVALUE")
        .await
        .unwrap_err();

    let log = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(
        log.contains("api=\"user/get\"") || log.contains("api=user/get"),
        "{log}"
    );
    assert!(
        log.contains("errcode=42001") && log.contains("errcode=0"),
        "{log}"
    );
    assert!(log.contains("errcode=40001"), "{log}");
    for secret in ["SECRETTOKEN", "CORPSECRETVALUE"] {
        assert!(!log.contains(secret), "{secret} leaked into logs:\n{log}");
    }
}
