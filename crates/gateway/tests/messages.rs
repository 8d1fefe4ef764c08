//! Messages and media end to end: the gateway over real HTTP against the simulator, on SQLite and
//! PostgreSQL — WeCom app messages of every msgtype, split over calls beyond 1000 users and 100
//! parties/tags with the answers merged, partly invalid recipients, 81013 (one call and the whole
//! send), idempotency keys, recall, wxgate user ids, robots, template and subscribe messages,
//! suites' authorised corps, media rules, the media cache and expired media.

mod common;
mod wxenv;

use base64::Engine;
use common::TestDb;
use serde_json::{Value, json};
use wxenv::{CORP, Env, MINI, OA, Options, ROBOT_KEY};
use wxgate_gateway::messages::record::{SendSpec, request_hash};
use wxgate_store::{IdentityKey, IdentityKind, NewMessageSend, SendClaim, SignIn};

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDRgateway-test-image";
const AMR: &[u8] = b"#!AMR\n\x3c\x48\xf5\x1f\x96\x66\x79\xe1";
const MP4: &[u8] = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom";

fn openid(n: u32) -> String {
    format!("o{n:0>27}")
}

fn text(to: Value, content: &str) -> Value {
    json!({"to": to, "msgtype": "text", "text": {"content": content}})
}

/// Messages the simulator accepted through `channel`.
async fn sent(env: &Env, channel: &str) -> Vec<Value> {
    env.sim_messages()
        .await
        .into_iter()
        .filter(|m| m["channel"] == channel)
        .collect()
}

fn bars(value: &Value) -> Vec<String> {
    value
        .as_str()
        .unwrap_or_default()
        .split('|')
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Uploads `bytes` through the gateway's media endpoint.
async fn upload(env: &Env, path: &str, name: &str, bytes: &[u8]) -> (u16, Value) {
    let part = reqwest::multipart::Part::bytes(bytes.to_vec()).file_name(name.to_owned());
    let response = env
        .http
        .post(env.url(path))
        .bearer_auth(wxenv::ADMIN_KEY)
        .multipart(reqwest::multipart::Form::new().part("media", part))
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn app_messages_are_split_and_merged(db: &TestDb) {
    let env = Env::start(
        db,
        Options {
            members: 1100,
            departments: 120,
            ..Options::default()
        },
    )
    .await;
    let users = env.userids();
    assert!(users.len() >= 1100);
    let departments = env.department_ids();
    assert_eq!(departments.len(), 120);
    let tag = env.create_tag("ops", &users[..3]);

    let mut to_users = users.clone();
    to_users.extend(["Ghost-1".to_owned(), "Ghost-2".to_owned()]);
    let mut parties: Vec<Value> = departments.iter().map(|d| json!(d)).collect();
    parties.push(json!(99999));
    let mut tags = vec![json!(tag)];
    tags.extend((0..120).map(|i| json!(50_000 + i)));
    let mut request = text(
        json!({"users": to_users, "parties": parties, "tags": tags}),
        "maintenance tonight",
    );
    request["safe"] = json!(0);
    let (status, send) = env
        .admin_post("/api/v1/apps/acme-app/messages", request)
        .await;
    assert_eq!(status, 200, "{send}");
    assert_eq!(send["status"], "sent", "{send}");
    assert_eq!(send["replayed"], false);
    let result = &send["result"];
    assert_eq!(
        (result["calls"].as_u64(), result["accepted_calls"].as_u64()),
        (Some(2), Some(2))
    );
    assert_eq!(result["msgids"].as_array().unwrap().len(), 2);
    assert_eq!(result["invaliduser"], json!(["ghost-1", "ghost-2"]));
    assert_eq!(result["invalidparty"], json!(["99999"]));
    assert_eq!(result["invalidtag"].as_array().unwrap().len(), 120);
    assert!(
        !result["invalidtag"]
            .as_array()
            .unwrap()
            .contains(&json!(tag.to_string()))
    );

    let calls = sent(&env, "wecom_app").await;
    assert_eq!(calls.len(), 2);
    let mut users_sent = 0;
    for call in &calls {
        let body = &call["body"];
        assert!(bars(&body["touser"]).len() <= 1000, "{body}");
        assert!(bars(&body["toparty"]).len() <= 100);
        assert!(bars(&body["totag"]).len() <= 100);
        assert_eq!(
            (body["agentid"].as_i64(), body["safe"].as_i64()),
            (Some(1000002), Some(0))
        );
        assert_eq!(body["text"]["content"], "maintenance tonight");
        users_sent += bars(&body["touser"]).len();
    }
    assert_eq!(users_sent, users.len() + 2);
    let delivered: std::collections::BTreeSet<&str> = calls
        .iter()
        .flat_map(|c| {
            c["delivered"]
                .as_array()
                .unwrap()
                .iter()
                .filter_map(Value::as_str)
        })
        .collect();
    assert_eq!(delivered.len(), users.len(), "every member reached once");

    // The record is visible through the admin API.
    let id = send["id"].as_str().unwrap();
    let (status, record) = env.admin_get(&format!("/api/v1/messages/{id}")).await;
    assert_eq!(status, 200, "{record}");
    assert_eq!(
        (record["status"].as_str(), record["channel"].as_str()),
        (Some("sent"), Some("wecom_app"))
    );
    assert_eq!(record["request"]["text"]["content"], "maintenance tonight");

    // 81013 on the second call only: its recipient is invalid, the send is still sent.
    let mut to = users[..1000].to_vec();
    to.push("ghost-3".into());
    let (status, send) = env
        .admin_post(
            "/api/v1/apps/acme-app/messages",
            text(json!({"users": to}), "x"),
        )
        .await;
    assert_eq!(status, 200, "{send}");
    assert_eq!(send["status"], "sent");
    assert_eq!(send["result"]["all_invalid_calls"], 1);
    assert_eq!(send["result"]["invaliduser"], json!(["ghost-3"]));
    assert_eq!(send["result"]["msgids"].as_array().unwrap().len(), 1);

    // Nobody valid at all: 422 with the platform's 81013, recorded as failed.
    let (status, answer) = env
        .admin_post(
            "/api/v1/apps/acme-app/messages",
            text(json!({"users": ["ghost-4"], "parties": [99998]}), "x"),
        )
        .await;
    assert_eq!(status, 422, "{answer}");
    assert_eq!(answer["error"]["code"], "all_recipients_invalid");
    assert_eq!(answer["error"]["errcode"], 81013);
    let (_, failed) = env.admin_get("/api/v1/messages?status=failed").await;
    assert_eq!(failed["messages"].as_array().unwrap().len(), 1, "{failed}");
    assert_eq!(failed["messages"][0]["error"]["errcode"], 81013);
    let (_, all) = env.admin_get("/api/v1/messages?app=acme-app&limit=2").await;
    assert_eq!(all["messages"].as_array().unwrap().len(), 2);
    let next = all["next"].as_str().unwrap();
    let (_, rest) = env
        .admin_get(&format!(
            "/api/v1/messages?app=acme-app&limit=2&before={next}"
        ))
        .await;
    assert_eq!(rest["messages"].as_array().unwrap().len(), 1);
    assert_eq!(rest["messages"][0]["id"], id);
    let metrics = env
        .http
        .get(env.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for line in [
        r#"wxgate_messages_total{channel="wecom_app",status="sent"} 2"#,
        r#"wxgate_messages_total{channel="wecom_app",status="failed"} 1"#,
    ] {
        assert!(metrics.contains(line), "{line} in {metrics}");
    }
    env.stop().await;
}

async fn idempotency_and_recall(db: &TestDb) {
    let env = Env::start(db, Options::default()).await;
    let users = env.userids();
    let request = text(json!({"users": [users[0], users[1]]}), "once");
    let path = "/api/v1/apps/acme-app/messages";
    let (status, first) = env.admin_post_once(path, "order-42", request.clone()).await;
    assert_eq!(status, 200, "{first}");
    assert_eq!(first["replayed"], false);
    let (status, again) = env.admin_post_once(path, "order-42", request.clone()).await;
    assert_eq!(status, 200, "{again}");
    assert_eq!(
        (again["replayed"].as_bool(), again["id"].as_str()),
        (Some(true), first["id"].as_str())
    );
    assert_eq!(again["result"], first["result"]);
    assert_eq!(sent(&env, "wecom_app").await.len(), 1, "sent once");
    assert_eq!(env.calls("/cgi-bin/message/send").await, 1);

    let (status, reused) = env
        .admin_post_once(
            path,
            "order-42",
            text(json!({"users": [users[0]]}), "other"),
        )
        .await;
    assert_eq!(status, 422, "{reused}");
    assert_eq!(reused["error"]["code"], "idempotency_key_reused");

    // A send that reached nobody is sent again when retried with its key.
    let nobody = text(json!({"users": ["ghost"]}), "x");
    for _ in 0..2 {
        let (status, answer) = env.admin_post_once(path, "order-43", nobody.clone()).await;
        assert_eq!(status, 422, "{answer}");
    }
    assert_eq!(env.calls("/cgi-bin/message/send").await, 3);
    let (_, failed) = env.admin_get("/api/v1/messages?status=failed").await;
    assert_eq!(
        failed["messages"].as_array().unwrap().len(),
        1,
        "one record for the key"
    );

    let (status, bad) = env
        .admin_post_once(path, &"k".repeat(300), request.clone())
        .await;
    assert_eq!(
        (status, bad["error"]["code"].as_str()),
        (400, Some("bad_request"))
    );

    // Recall every msgid of the send.
    let id = first["id"].as_str().unwrap();
    let (status, recalled) = env
        .admin_post(&format!("/api/v1/messages/{id}/recall"), json!({}))
        .await;
    assert_eq!(status, 200, "{recalled}");
    assert_eq!(recalled["status"], "recalled");
    assert_eq!(
        recalled["result"]["recalled_msgids"],
        first["result"]["msgids"]
    );
    assert_eq!(sent(&env, "wecom_app").await[0]["recalled"], true);
    let (status, _) = env
        .admin_post(&format!("/api/v1/messages/{id}/recall"), json!({}))
        .await;
    assert_eq!(status, 409);
    let (status, unknown) = env
        .admin_post(
            "/api/v1/apps/acme-app/messages/recall",
            json!({"msgid": "nope"}),
        )
        .await;
    assert_eq!(
        (status, unknown["error"]["code"].as_str()),
        (422, Some("rejected_by_platform")),
        "{unknown}"
    );
    let (status, _) = env
        .admin_post("/api/v1/messages/msg_nope/recall", json!({}))
        .await;
    assert_eq!(status, 404);
    // The admin key is required.
    let (status, _, _) = env.public_post(path, None, request).await;
    assert_eq!(status, 401);
    env.stop().await;
}

async fn every_msgtype_and_media(db: &TestDb) {
    let env = Env::start(db, Options::default()).await;
    let media = "/api/v1/apps/acme-app/media";
    let mut ids = std::collections::BTreeMap::new();
    for (kind, name, bytes) in [
        ("image", "a.png", PNG),
        ("voice", "a.amr", AMR),
        ("video", "a.mp4", MP4),
        (
            "file",
            "report.pdf",
            b"%PDF-1.4 quarterly report".as_slice(),
        ),
    ] {
        let (status, answer) = upload(&env, &format!("{media}?type={kind}"), name, bytes).await;
        assert_eq!(status, 200, "{answer}");
        assert_eq!(
            (answer["type"].as_str(), answer["reused"].as_bool()),
            (Some(kind), Some(false))
        );
        assert_eq!(
            answer["expires_at"].as_i64().unwrap() - answer["created_at"].as_i64().unwrap(),
            3 * 86_400
        );
        ids.insert(kind, answer["media_id"].as_str().unwrap().to_owned());
    }
    let (status, permanent) = upload(
        &env,
        &format!("{media}?type=image&permanent=true"),
        "p.png",
        PNG,
    )
    .await;
    assert_eq!(status, 200, "{permanent}");
    let url = permanent["url"].as_str().unwrap();
    assert!(url.starts_with("https://"), "{permanent}");
    assert!(permanent.get("expires_at").is_none());

    let bodies = [
        ("text", json!({"content": "hi"})),
        ("image", json!({"media_id": ids["image"]})),
        ("voice", json!({"media_id": ids["voice"]})),
        ("video", json!({"media_id": ids["video"], "title": "t"})),
        ("file", json!({"media_id": ids["file"]})),
        (
            "textcard",
            json!({"title": "t", "description": "d", "url": "https://x.example", "btntxt": "more"}),
        ),
        (
            "news",
            json!({"articles": [{"title": "t", "url": "https://x.example", "picurl": url}]}),
        ),
        (
            "mpnews",
            json!({"articles": [{"title": "t", "thumb_media_id": ids["image"], "content": "<p>c</p>"}]}),
        ),
        ("markdown", json!({"content": "**bold**"})),
        (
            "miniprogram_notice",
            json!({"appid": MINI, "title": "t", "page": "pages/index"}),
        ),
        (
            "template_card",
            json!({"card_type": "text_notice", "main_title": {"title": "t"}}),
        ),
    ];
    for (msgtype, content) in &bodies {
        let mut request = json!({"to": {"all": true}, "msgtype": msgtype});
        request[*msgtype] = content.clone();
        let (status, send) = env
            .admin_post("/api/v1/apps/acme-app/messages", request)
            .await;
        assert_eq!(status, 200, "{msgtype}: {send}");
        assert_eq!(send["status"], "sent");
        if *msgtype == "template_card" {
            assert_eq!(
                send["result"]["response_codes"].as_array().unwrap().len(),
                1
            );
        }
    }
    let calls = sent(&env, "wecom_app").await;
    assert_eq!(calls.len(), bodies.len());
    assert!(calls.iter().all(|c| c["body"]["touser"] == "@all"));

    // The same content again: the cached media_id, no upload.
    let uploads = env.calls("/cgi-bin/media/upload").await;
    let (_, again) = upload(&env, &format!("{media}?type=image"), "b.png", PNG).await;
    assert_eq!(
        (again["reused"].as_bool(), again["media_id"].as_str()),
        (Some(true), Some(ids["image"].as_str()))
    );
    // acme-app2 is in the same corp: media are shared.
    let (_, shared) = upload(
        &env,
        "/api/v1/apps/acme-app2/media?type=image",
        "b.png",
        PNG,
    )
    .await;
    assert_eq!(shared["reused"], true, "{shared}");
    assert_eq!(env.calls("/cgi-bin/media/upload").await, uploads);

    // The rules are checked before anything is uploaded.
    let mut big_amr = AMR.to_vec();
    big_amr.resize(2 * 1024 * 1024 + 1, 0);
    for (query, name, bytes, status, code) in [
        (
            "?type=image",
            "a.gif",
            b"GIF89a-not-allowed".as_slice(),
            415,
            "wrong_file_type",
        ),
        ("?type=video", "a.png", PNG, 415, "wrong_file_type"),
        (
            "?type=file",
            "tiny",
            b"12345".as_slice(),
            400,
            "bad_request",
        ),
        (
            "?type=voice",
            "big.amr",
            big_amr.as_slice(),
            413,
            "file_too_large",
        ),
        ("", "a.png", PNG, 400, "bad_request"),
        (
            "?type=file&permanent=true",
            "a.png",
            PNG,
            400,
            "bad_request",
        ),
    ] {
        let (got, answer) = upload(&env, &format!("{media}{query}"), name, bytes).await;
        assert_eq!(
            (got, answer["error"]["code"].as_str()),
            (status, Some(code)),
            "{query} {name}: {answer}"
        );
    }
    assert_eq!(env.calls("/cgi-bin/media/upload").await, uploads);
    let (status, _) = upload(&env, "/api/v1/apps/news/media?type=image", "a.png", PNG).await;
    assert_eq!(status, 400, "official accounts have no WeCom media");

    // Within an hour of expiry a cached media_id is not handed out any more.
    env.advance(3 * 86_400 - 1_800).await;
    let (_, near) = upload(
        &env,
        &format!("{media}?type=file"),
        "report.pdf",
        b"%PDF-1.4 quarterly report",
    )
    .await;
    assert_eq!(near["reused"], false, "{near}");
    assert_ne!(near["media_id"], json!(ids["file"]));

    // After 3 days the platform forgets the image: the message is refused with 40007, and
    // uploading the same content again uploads it anew.
    env.advance(1_800).await;
    let old = json!({"to": {"all": true}, "msgtype": "image", "image": {"media_id": ids["image"]}});
    let (status, answer) = env.admin_post("/api/v1/apps/acme-app/messages", old).await;
    assert_eq!(status, 422, "{answer}");
    assert_eq!(answer["error"]["errcode"], 40007);
    let (_, fresh) = upload(&env, &format!("{media}?type=image"), "a.png", PNG).await;
    assert_eq!(fresh["reused"], false, "{fresh}");
    assert_ne!(fresh["media_id"], json!(ids["image"]));
    let new =
        json!({"to": {"all": true}, "msgtype": "image", "image": {"media_id": fresh["media_id"]}});
    let (status, answer) = env.admin_post("/api/v1/apps/acme-app/messages", new).await;
    assert_eq!(status, 200, "{answer}");
    let (_, reused) = upload(&env, &format!("{media}?type=image"), "a.png", PNG).await;
    assert_eq!(
        (reused["reused"].as_bool(), reused["media_id"].as_str()),
        (Some(true), fresh["media_id"].as_str())
    );
    env.stop().await;
}

async fn wxgate_user_ids(db: &TestDb) {
    let env = Env::start(db, Options::default()).await;
    let users = env.userids();
    let store = &env.gw.gateway.store;
    let sign_in = |identities: Vec<IdentityKey>| SignIn {
        identities: identities.into_iter().map(|k| (k, json!({}))).collect(),
        ..SignIn::default()
    };
    let both = store
        .sign_in(&sign_in(vec![
            IdentityKey::new(IdentityKind::WecomUser, CORP, &users[3]),
            IdentityKey::new(IdentityKind::WechatOpenid, OA, openid(7)),
        ]))
        .await
        .unwrap()
        .user
        .id;
    let wechat_only = store
        .sign_in(&sign_in(vec![IdentityKey::new(
            IdentityKind::WechatOpenid,
            OA,
            openid(8),
        )]))
        .await
        .unwrap()
        .user
        .id;

    let (status, send) = env
        .admin_post(
            "/api/v1/apps/acme-app/messages",
            text(json!({"user_ids": [both], "users": [users[4]]}), "hi"),
        )
        .await;
    assert_eq!(status, 200, "{send}");
    assert_eq!(
        send["request"]["resolved_user_ids"][&both],
        users[3].as_str()
    );
    let call = &sent(&env, "wecom_app").await[0];
    let mut to = bars(&call["body"]["touser"]);
    to.sort();
    let mut expected = vec![users[3].clone(), users[4].clone()];
    expected.sort();
    assert_eq!(to, expected);

    let (status, answer) = env
        .admin_post(
            "/api/v1/apps/acme-app/messages",
            text(json!({"user_ids": [both, wechat_only]}), "hi"),
        )
        .await;
    assert_eq!(
        (status, answer["error"]["code"].as_str()),
        (422, Some("no_identity")),
        "{answer}"
    );
    let message = answer["error"]["message"].as_str().unwrap();
    assert!(
        message.contains(&wechat_only) && !message.contains(&both),
        "{message}"
    );
    let (status, answer) = env
        .admin_post(
            "/api/v1/apps/acme-app/messages",
            text(json!({"user_ids": ["usr_nobody"]}), "hi"),
        )
        .await;
    assert_eq!(
        (status, answer["error"]["code"].as_str()),
        (422, Some("unknown_user")),
        "{answer}"
    );

    // The right openid for the official account.
    let template = json!({"to": {"user_ids": [wechat_only, both]}, "template_id": "TPL", "data": {"first": {"value": "x"}}});
    let (status, send) = env.admin_post("/api/v1/apps/news/messages", template).await;
    assert_eq!(status, 200, "{send}");
    let delivered: Vec<Value> = sent(&env, "wechat_template")
        .await
        .iter()
        .map(|m| m["delivered"][0].clone())
        .collect();
    assert_eq!(delivered, [json!(openid(8)), json!(openid(7))]);
    assert_eq!(
        send["result"]["results"][0]["user_id"],
        wechat_only.as_str()
    );
    // Nobody has an openid of the mini program.
    let subscribe = json!({"to": {"user_ids": [both]}, "template_id": "TPL", "data": {}});
    let (status, answer) = env
        .admin_post("/api/v1/apps/shop/messages", subscribe)
        .await;
    assert_eq!(
        (status, answer["error"]["code"].as_str()),
        (422, Some("no_identity")),
        "{answer}"
    );
    env.stop().await;
}

async fn robots(db: &TestDb) {
    let env = Env::start(db, Options::default()).await;
    let path = "/api/v1/robots/ops/messages";
    let (status, file) = upload(
        &env,
        "/api/v1/robots/ops/media?type=file",
        "log.txt",
        b"line 1\nline 2\n",
    )
    .await;
    assert_eq!(status, 200, "{file}");
    let image = base64::engine::general_purpose::STANDARD.encode(PNG);
    for body in [
        json!({"msgtype": "text", "text": {"content": "deploy done", "mentioned_list": ["@all"]}}),
        json!({"msgtype": "markdown", "markdown": {"content": "**ok**"}}),
        json!({"msgtype": "image", "image": {"base64": image}}),
        json!({"msgtype": "news", "news": {"articles": [{"title": "t", "url": "https://x.example"}]}}),
        json!({"msgtype": "file", "file": {"media_id": file["media_id"]}}),
    ] {
        let (status, send) = env.admin_post(path, body.clone()).await;
        assert_eq!(status, 200, "{body}: {send}");
        assert_eq!(
            (send["status"].as_str(), send["channel"].as_str()),
            (Some("sent"), Some("wecom_robot"))
        );
    }
    let calls = sent(&env, "wecom_robot").await;
    assert_eq!(calls.len(), 5);
    assert!(calls.iter().all(|c| c["sender"] == ROBOT_KEY));
    assert_eq!(calls[2]["body"]["image"]["md5"].as_str().unwrap().len(), 32);
    let (status, again) = env
        .admin_post_once(
            path,
            "alert-1",
            json!({"msgtype": "text", "text": {"content": "x"}}),
        )
        .await;
    assert_eq!(status, 200, "{again}");
    let (_, replay) = env
        .admin_post_once(
            path,
            "alert-1",
            json!({"msgtype": "text", "text": {"content": "x"}}),
        )
        .await;
    assert_eq!(replay["replayed"], true);
    assert_eq!(sent(&env, "wecom_robot").await.len(), 6);
    for (path, body, status) in [
        (
            "/api/v1/robots/nope/messages",
            json!({"msgtype": "text", "text": {"content": "x"}}),
            404,
        ),
        (path, json!({"msgtype": "sms", "sms": {}}), 400),
        (
            path,
            json!({"msgtype": "file", "file": {"media_id": "unknown"}}),
            422,
        ),
    ] {
        let (got, answer) = env.admin_post(path, body).await;
        assert_eq!(got, status, "{answer}");
    }
    let (status, _) = upload(&env, "/api/v1/robots/ops/media?type=image", "a.png", PNG).await;
    assert_eq!(status, 400);
    env.stop().await;
}

async fn template_and_subscribe(db: &TestDb) {
    let env = Env::start(db, Options::default()).await;
    let template = |to: Value| json!({"to": to, "template_id": "TPL-1", "url": "https://news.example.com/a", "data": {"first": {"value": "hello"}}});
    let (status, send) = env
        .admin_post(
            "/api/v1/apps/news/messages",
            template(json!({"openids": [openid(1), openid(2)]})),
        )
        .await;
    assert_eq!(status, 200, "{send}");
    assert_eq!(
        (send["status"].as_str(), send["channel"].as_str()),
        (Some("sent"), Some("wechat_template"))
    );
    assert_eq!(send["result"]["sent"], 2);
    assert!(send["result"]["results"][0]["msgid"].is_string());
    let (status, partial) = env
        .admin_post(
            "/api/v1/apps/news/messages",
            template(json!({"openids": [openid(3), "not-an-openid"]})),
        )
        .await;
    assert_eq!(status, 200, "{partial}");
    assert_eq!(partial["status"], "partially_sent");
    assert_eq!(partial["result"]["results"][1]["error"]["errcode"], 40003);
    let (status, answer) = env
        .admin_post(
            "/api/v1/apps/news/messages",
            template(json!({"openids": ["bad"]})),
        )
        .await;
    assert_eq!(
        (status, answer["error"]["errcode"].as_i64()),
        (422, Some(40003)),
        "{answer}"
    );

    let subscribe = json!({"to": {"openids": [openid(5)]}, "template_id": "SUB-1", "page": "pages/index", "data": {"thing1": {"value": "x"}}, "miniprogram_state": "trial"});
    let (status, send) = env
        .admin_post("/api/v1/apps/shop/messages", subscribe)
        .await;
    assert_eq!(status, 200, "{send}");
    assert_eq!(send["channel"], "wechat_subscribe");
    let subscribed = sent(&env, "wechat_subscribe").await;
    assert_eq!(subscribed[0]["body"]["miniprogram_state"], "trial");
    assert_eq!(sent(&env, "wechat_template").await.len(), 3);
    for (path, body) in [
        (
            "/api/v1/apps/acme-contacts/messages",
            text(json!({"all": true}), "x"),
        ),
        (
            "/api/v1/apps/news/messages",
            json!({"to": {"openids": []}, "template_id": "T", "data": {}}),
        ),
        (
            "/api/v1/apps/news/messages",
            json!({"to": {"openids": [openid(1)]}, "data": {}}),
        ),
        (
            "/api/v1/apps/acme-app/messages",
            json!({"to": {"all": true}, "msgtype": "hologram", "hologram": {}}),
        ),
        ("/api/v1/apps/acme-app/messages", json!("not an object")),
    ] {
        let (status, answer) = env.admin_post(path, body).await;
        assert_eq!(status, 400, "{path}: {answer}");
    }
    let (status, _) = env
        .admin_post(
            "/api/v1/apps/nope/messages",
            text(json!({"all": true}), "x"),
        )
        .await;
    assert_eq!(status, 404);
    env.stop().await;
}

async fn suite_corps(db: &TestDb) {
    let env = Env::start(db, Options::default()).await;
    let corp = env.install_suite("Umbrella").await;
    let mut request = text(json!({"all": true}), "from the suite");
    let (status, answer) = env
        .admin_post("/api/v1/apps/crm/messages", request.clone())
        .await;
    assert_eq!(status, 400, "{answer}");
    request["corp_id"] = json!(corp);
    let (status, send) = env.admin_post("/api/v1/apps/crm/messages", request).await;
    assert_eq!(status, 200, "{send}");
    let call = &sent(&env, "wecom_app").await[0];
    assert_eq!(call["scope"], corp.as_str());
    let (status, media) = upload(
        &env,
        &format!("/api/v1/apps/crm/media?type=image&corp_id={corp}"),
        "a.png",
        PNG,
    )
    .await;
    assert_eq!(status, 200, "{media}");
    let image = json!({"to": {"all": true}, "corp_id": corp, "msgtype": "image", "image": {"media_id": media["media_id"]}});
    let (status, send) = env.admin_post("/api/v1/apps/crm/messages", image).await;
    assert_eq!(status, 200, "{send}");
    let id = send["id"].as_str().unwrap();
    let (status, recalled) = env
        .admin_post(&format!("/api/v1/messages/{id}/recall"), json!({}))
        .await;
    assert_eq!(status, 200, "{recalled}");
    env.stop().await;
}

async fn sends_in_progress_and_abandoned(db: &TestDb) {
    let env = Env::start(db, Options::default()).await;
    let users = env.userids();
    // The platform takes 3 s to answer message/send.
    env.sim_control(
        "faults",
        json!({"latency_ms": 3000, "paths": ["/cgi-bin/message/send"]}),
    )
    .await;
    let request = text(json!({"users": [users[0]]}), "slow");
    let first = {
        let http = env.http.clone();
        let url = env.url("/api/v1/apps/acme-app/messages");
        let request = request.clone();
        tokio::spawn(async move {
            http.post(url)
                .bearer_auth(wxenv::ADMIN_KEY)
                .header("idempotency-key", "slow-1")
                .json(&request)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        })
    };
    let mut pending = Value::Null;
    for _ in 0..300 {
        let (_, list) = env.admin_get("/api/v1/messages?status=pending").await;
        if !list["messages"].as_array().unwrap().is_empty() {
            pending = list;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    assert_eq!(pending["messages"][0]["status"], "pending", "{pending}");
    let (status, answer) = env
        .admin_post_once("/api/v1/apps/acme-app/messages", "slow-1", request.clone())
        .await;
    assert_eq!(
        (status, answer["error"]["code"].as_str()),
        (409, Some("in_progress")),
        "{answer}"
    );
    assert_eq!(first.await.unwrap(), 200);
    let (status, replay) = env
        .admin_post_once("/api/v1/apps/acme-app/messages", "slow-1", request.clone())
        .await;
    assert_eq!((status, replay["replayed"].as_bool()), (200, Some(true)));
    assert_eq!(sent(&env, "wecom_app").await.len(), 1);

    // A caller that gives up mid-send does not cancel the send: it is recorded.
    let impatient = env
        .http
        .post(env.url("/api/v1/apps/acme-app/messages"))
        .bearer_auth(wxenv::ADMIN_KEY)
        .header("idempotency-key", "impatient-1")
        .json(&text(json!({"users": [users[2]]}), "later"))
        .timeout(std::time::Duration::from_millis(200))
        .send()
        .await;
    assert!(impatient.is_err(), "the caller timed out");
    let mut finished = Value::Null;
    for _ in 0..1000 {
        let (_, list) = env.admin_get("/api/v1/messages?status=sent").await;
        if list["messages"].as_array().unwrap().len() == 2 {
            finished = list;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    assert_eq!(
        finished["messages"][0]["idempotency_key"], "impatient-1",
        "{finished}"
    );

    // A send left pending by a gateway that stopped mid-send: its outcome is unknown.
    let lost = text(json!({"users": [users[1]]}), "lost");
    let spec = SendSpec {
        app: "acme-app".into(),
        channel: "wecom_app",
        msgtype: "text".into(),
        request: lost.clone(),
    };
    let claim = env
        .gw
        .gateway
        .store
        .claim_message_send(&NewMessageSend {
            app: spec.app.clone(),
            channel: spec.channel.into(),
            msgtype: spec.msgtype.clone(),
            idempotency_key: Some("lost-1".into()),
            request_hash: request_hash(&spec),
            request: lost.clone(),
        })
        .await
        .unwrap();
    assert!(matches!(claim, SendClaim::Claimed(_)));
    let aged = db
        .raw_texts("UPDATE message_sends SET updated_at = 0 WHERE status = 'pending' RETURNING id")
        .await;
    assert_eq!(aged.len(), 1, "{aged:?}");
    let (status, answer) = env
        .admin_post_once(
            "/api/v1/apps/acme-app/messages",
            "lost-1",
            text(json!({"users": [users[1]]}), "lost"),
        )
        .await;
    assert_eq!(
        (status, answer["error"]["code"].as_str()),
        (409, Some("outcome_unknown")),
        "{answer}"
    );
    env.stop().await;
}

cases_on_both_backends! {
    sends_in_progress_answer_409 => sends_in_progress_and_abandoned;
    app_messages_beyond_the_limits_are_split_and_merged => app_messages_are_split_and_merged;
    an_idempotency_key_sends_once_and_sends_can_be_recalled => idempotency_and_recall;
    every_msgtype_with_media_and_the_media_cache => every_msgtype_and_media;
    wxgate_user_ids_resolve_through_identities => wxgate_user_ids;
    group_robots => robots;
    template_and_subscribe_messages => template_and_subscribe;
    suites_send_in_their_authorised_corps => suite_corps;
}
