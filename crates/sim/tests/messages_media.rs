//! Messages (message/send, recall, group robots, WeChat template/subscribe) and media
//! (upload rules, get, expiry) over HTTP.

mod common;

use base64::Engine;
use common::{CORP, OA, Sim, errcode};
use md5::{Digest, Md5};
use serde_json::{Value, json};

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDRsim-image";

fn members(sim: &Sim) -> Vec<String> {
    let shared = sim.handle.state.directories.get(CORP).unwrap();
    let dir = shared.read().unwrap();
    dir.members().map(|m| m.userid.clone()).collect()
}

fn text(touser: &str) -> Value {
    json!({"touser": touser, "msgtype": "text", "agentid": 1000002, "text": {"content": "hello"}})
}

#[tokio::test]
async fn message_send_partial_invalid_and_81013() {
    let sim = Sim::start().await;
    let token = sim.wecom_token("acme-secret").await;
    let url = format!("/cgi-bin/message/send?access_token={token}");
    let users = members(&sim);

    let body = sim
        .post(&url, json!({"touser": format!("{}|NoSuchUser", users[0]), "toparty": "1|999", "totag": "777", "msgtype": "text", "agentid": 1000002, "text": {"content": "hi"}}))
        .await;
    assert_eq!(errcode(&body), 0, "{body}");
    assert_eq!(body["invaliduser"], "nosuchuser");
    assert_eq!(body["invalidparty"], "999");
    assert_eq!(body["invalidtag"], "777");
    assert!(body["msgid"].as_str().is_some_and(|m| !m.is_empty()));
    assert!(body.get("response_code").is_none());

    let body = sim.post(&url, text("ghost1|ghost2")).await;
    assert_eq!(errcode(&body), 81013);

    let many: Vec<String> = (0..1001).map(|i| format!("u{i}")).collect();
    assert_eq!(errcode(&sim.post(&url, text(&many.join("|"))).await), 40058);
    let parties: Vec<String> = (0..101).map(|i| i.to_string()).collect();
    let body = sim
        .post(&url, json!({"toparty": parties.join("|"), "msgtype": "text", "agentid": 1000002, "text": {"content": "x"}}))
        .await;
    assert_eq!(errcode(&body), 40058);

    let mut wrong_agent = text("@all");
    wrong_agent["agentid"] = json!(1000003);
    assert_eq!(errcode(&sim.post(&url, wrong_agent).await), 40056);
    let empty =
        json!({"touser": "@all", "msgtype": "text", "agentid": 1000002, "text": {"content": ""}});
    assert_eq!(errcode(&sim.post(&url, empty).await), 44004);
    let unknown = json!({"touser": "@all", "msgtype": "hologram", "agentid": 1000002});
    assert_eq!(errcode(&sim.post(&url, unknown).await), 40008);
    let articles: Vec<Value> = (0..9)
        .map(|i| json!({"title": format!("t{i}"), "url": "https://x"}))
        .collect();
    let news = json!({"touser": "@all", "msgtype": "news", "agentid": 1000002, "news": {"articles": articles}});
    assert_eq!(errcode(&sim.post(&url, news).await), 45008);
    let card = json!({"touser": "@all", "msgtype": "textcard", "agentid": 1000002, "textcard": {"title": "t", "url": "https://x"}});
    assert_eq!(errcode(&sim.post(&url, card).await), 40058);
    let tc = json!({"touser": "@all", "msgtype": "template_card", "agentid": 1000002, "template_card": {"card_type": "button_interaction"}});
    let body = sim.post(&url, tc).await;
    assert_eq!(errcode(&body), 0, "{body}");
    assert!(body["response_code"].is_string());

    let all = sim.post(&url, text("@all")).await;
    assert_eq!(errcode(&all), 0);
    let log = sim.get("/sim/messages").await;
    let last = log["messages"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["delivered"].as_array().unwrap().len(), users.len());
    assert_eq!(last["msgid"], all["msgid"]);

    // Recall once; the second time the msgid is no longer recallable.
    let recall = format!("/cgi-bin/message/recall?access_token={token}");
    assert_eq!(
        errcode(&sim.post(&recall, json!({"msgid": all["msgid"]})).await),
        0
    );
    assert_eq!(
        errcode(&sim.post(&recall, json!({"msgid": all["msgid"]})).await),
        40058
    );
    assert_eq!(
        errcode(&sim.post(&recall, json!({"msgid": "nope"})).await),
        40058
    );
}

#[tokio::test]
async fn per_member_limit_drops_silently() {
    let sim = Sim::start().await;
    let token = sim.wecom_token("acme-secret").await;
    let url = format!("/cgi-bin/message/send?access_token={token}");
    let user = members(&sim)[0].clone();
    for _ in 0..31 {
        assert_eq!(errcode(&sim.post(&url, text(&user)).await), 0);
    }
    let log = sim.get("/sim/messages").await;
    let list = log["messages"].as_array().unwrap();
    assert_eq!(list[29]["delivered"], json!([user]));
    assert_eq!(list[30]["delivered"], json!([]));
    assert_eq!(list[30]["dropped"], json!([user]));
    sim.advance(61).await;
    sim.post(&url, text(&user)).await;
    let log = sim.get("/sim/messages").await;
    assert_eq!(log["messages"][31]["delivered"], json!([user]));
}

#[tokio::test]
async fn robots_need_a_registered_key() {
    let sim = Sim::start().await;
    let msg = json!({"msgtype": "text", "text": {"content": "hi"}});
    assert_eq!(
        errcode(
            &sim.post("/cgi-bin/webhook/send?key=nope", msg.clone())
                .await
        ),
        93000
    );
    let keys = sim.post("/sim/robots", json!({"key": "robot-key-1"})).await;
    assert_eq!(keys["keys"], json!(["robot-key-1"]));
    let url = "/cgi-bin/webhook/send?key=robot-key-1";
    assert_eq!(
        sim.post(url, msg).await,
        json!({"errcode": 0, "errmsg": "ok"})
    );

    let image = b"not really a png but bytes";
    let b64 = base64::engine::general_purpose::STANDARD.encode(image);
    let md5 = hex::encode(Md5::digest(image));
    let good = json!({"msgtype": "image", "image": {"base64": b64, "md5": md5}});
    assert_eq!(errcode(&sim.post(url, good).await), 0);
    let bad = json!({"msgtype": "image", "image": {"base64": b64, "md5": "0".repeat(32)}});
    assert_eq!(errcode(&sim.post(url, bad).await), 40058);
    let news = json!({"msgtype": "news", "news": {"articles": []}});
    assert_eq!(errcode(&sim.post(url, news).await), 40058);
    let md = json!({"msgtype": "markdown", "markdown": {"content": "**bold**"}});
    assert_eq!(errcode(&sim.post(url, md).await), 0);
    let log = sim.get("/sim/messages").await;
    assert_eq!(log["messages"].as_array().unwrap().len(), 3);
}

#[tokio::test]
async fn wechat_template_and_subscribe_messages() {
    let sim = Sim::start().await;
    let oa = sim.mp_token(OA, "oa-secret").await;
    // The openid the identity module gives person "alice" in this account.
    let alice = wxgate_sim::identity::people::openid(OA, "alice");
    let openid = alice.as_str();
    assert_eq!(openid.len(), 28);
    let url = format!("/cgi-bin/message/template/send?access_token={oa}");
    let body = sim
        .post(
            &url,
            json!({"touser": openid, "template_id": "tpl-1", "data": {"first": {"value": "x"}}}),
        )
        .await;
    assert_eq!(errcode(&body), 0, "{body}");
    assert!(body["msgid"].is_u64(), "template msgid is a number: {body}");
    let body = sim
        .post(
            &url,
            json!({"touser": "not-an-openid", "template_id": "tpl-1"}),
        )
        .await;
    assert_eq!(errcode(&body), 40003);
    let body = sim.post(&url, json!({"touser": openid})).await;
    assert_eq!(errcode(&body), 40037);

    let mini = sim.mp_token("wxmini00000000001", "mini-secret").await;
    let sub = format!("/cgi-bin/message/subscribe/send?access_token={mini}");
    let body = sim
        .post(
            &sub,
            json!({"touser": openid, "template_id": "sub-1", "data": {}}),
        )
        .await;
    assert_eq!(errcode(&body), 0, "{body}");
    // An official account's token cannot send subscribe messages.
    let body = sim
        .post(
            &format!("/cgi-bin/message/subscribe/send?access_token={oa}"),
            json!({"touser": openid, "template_id": "s"}),
        )
        .await;
    assert_eq!(errcode(&body), 48001);
}

async fn upload(sim: &Sim, token: &str, kind: &str, name: &str, bytes: &[u8]) -> Value {
    let part = reqwest::multipart::Part::bytes(bytes.to_vec()).file_name(name.to_owned());
    let form = reqwest::multipart::Form::new().part("media", part);
    let r = sim
        .http
        .post(sim.url(&format!(
            "/cgi-bin/media/upload?access_token={token}&type={kind}"
        )))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    r.json().await.unwrap()
}

#[tokio::test]
async fn media_upload_rules_get_and_expiry() {
    let sim = Sim::start().await;
    let token = sim.wecom_token("acme-secret").await;
    let body = upload(&sim, &token, "image", "pic.png", PNG).await;
    assert_eq!(errcode(&body), 0, "{body}");
    assert_eq!(body["type"], "image");
    assert_eq!(body["errmsg"], "");
    assert_eq!(
        body["created_at"],
        json!(sim.handle.state.clock.now().to_string())
    );
    let media_id = body["media_id"].as_str().unwrap().to_owned();

    // Shared across the apps of the corp.
    let other = sim.wecom_token("acme-secret-2").await;
    let r = sim
        .http
        .get(sim.url(&format!(
            "/cgi-bin/media/get?access_token={other}&media_id={media_id}"
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["content-type"], "image/png");
    assert_eq!(
        r.headers()["content-disposition"],
        "attachment; filename=\"pic.png\""
    );
    assert_eq!(r.bytes().await.unwrap().as_ref(), PNG);

    assert_eq!(
        errcode(&upload(&sim, &token, "image", "a.gif", b"GIF89a-------").await),
        40005
    );
    assert_eq!(
        errcode(&upload(&sim, &token, "file", "tiny.txt", b"12345").await),
        40006
    );
    assert_eq!(
        errcode(&upload(&sim, &token, "voice", "v.amr", PNG).await),
        40005
    );
    assert_eq!(
        errcode(&upload(&sim, &token, "sticker", "s", PNG).await),
        40004
    );
    let file = upload(&sim, &token, "file", "notes.txt", b"hello world").await;
    assert_eq!(errcode(&file), 0);

    // WeChat tokens use the same path; their media are their own.
    let oa = sim.mp_token(OA, "oa-secret").await;
    let body = upload(&sim, &oa, "image", "oa.png", PNG).await;
    assert_eq!(errcode(&body), 0, "{body}");
    let body = sim
        .get(&format!(
            "/cgi-bin/media/get?access_token={oa}&media_id={media_id}"
        ))
        .await;
    assert_eq!(errcode(&body), 40007);

    let listed = sim.get("/sim/media").await;
    assert_eq!(listed["media"].as_array().unwrap().len(), 3);
    assert!(listed["media"][0].get("bytes").is_none());

    sim.advance(259_201).await;
    let token = sim.wecom_token("acme-secret").await;
    let body = sim
        .get(&format!(
            "/cgi-bin/media/get?access_token={token}&media_id={media_id}"
        ))
        .await;
    assert_eq!(errcode(&body), 40007, "expired after 3 days: {body}");

    // uploadimg: a permanent URL.
    let part = reqwest::multipart::Part::bytes(PNG.to_vec()).file_name("p.png");
    let r = sim
        .http
        .post(sim.url(&format!("/cgi-bin/media/uploadimg?access_token={token}")))
        .multipart(reqwest::multipart::Form::new().part("media", part))
        .send()
        .await
        .unwrap();
    let body: Value = r.json().await.unwrap();
    assert!(
        body["url"].as_str().unwrap().starts_with("https://"),
        "{body}"
    );
}

#[tokio::test]
async fn media_bodies_are_capped() {
    let sim = Sim::start().await;
    let token = sim.wecom_token("acme-secret").await;
    let big = vec![0u8; 21 * 1024 * 1024];
    let body = upload(&sim, &token, "file", "big.bin", &big).await;
    assert_ne!(errcode(&body), 0, "{body}");
    let just_over = vec![0u8; 20 * 1024 * 1024 + 1];
    let body = upload(&sim, &token, "file", "big.bin", &just_over).await;
    assert_eq!(errcode(&body), 40006, "{body}");
}

#[tokio::test]
async fn messages_need_live_media_of_the_corp() {
    let sim = Sim::start().await;
    let token = sim.wecom_token("acme-secret").await;
    let url = format!("/cgi-bin/message/send?access_token={token}");
    let image = |media_id: &str| json!({"touser": "@all", "msgtype": "image", "agentid": 1000002, "image": {"media_id": media_id}});
    assert_eq!(
        errcode(&sim.post(&url, image("no-such-media")).await),
        40007
    );
    let media_id = upload(&sim, &token, "image", "pic.png", PNG).await["media_id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(errcode(&sim.post(&url, image(&media_id)).await), 0);
    let mpnews = json!({"touser": "@all", "msgtype": "mpnews", "agentid": 1000002, "mpnews": {"articles": [
        {"title": "t", "thumb_media_id": "gone", "content": "c"}]}});
    assert_eq!(errcode(&sim.post(&url, mpnews).await), 40007);
    // Three days later the media_id is gone.
    sim.advance(3 * 86_400).await;
    let token = sim.wecom_token("acme-secret").await;
    let url = format!("/cgi-bin/message/send?access_token={token}");
    assert_eq!(errcode(&sim.post(&url, image(&media_id)).await), 40007);
}

#[tokio::test]
async fn robots_upload_files_for_file_messages() {
    let sim = Sim::start().await;
    sim.post("/sim/robots", json!({"key": "robot-key-2"})).await;
    let upload = |key: &'static str, kind: &'static str, bytes: &'static [u8]| {
        let part = reqwest::multipart::Part::bytes(bytes.to_vec()).file_name("report.pdf");
        let form = reqwest::multipart::Form::new().part("media", part);
        sim.http
            .post(sim.url(&format!(
                "/cgi-bin/webhook/upload_media?key={key}&type={kind}"
            )))
            .multipart(form)
            .send()
    };
    let body: Value = upload("robot-key-2", "file", b"%PDF-1.4 report")
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(errcode(&body), 0, "{body}");
    assert_eq!(body["type"], "file");
    let media_id = body["media_id"].as_str().unwrap().to_owned();
    let bad: Value = upload("nope", "file", b"%PDF-1.4 report")
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(errcode(&bad), 93000);
    let voice: Value = upload("robot-key-2", "voice", b"not amr at all")
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(errcode(&voice), 40005);
    let url = "/cgi-bin/webhook/send?key=robot-key-2";
    let file = |id: &str| json!({"msgtype": "file", "file": {"media_id": id}});
    assert_eq!(errcode(&sim.post(url, file(&media_id)).await), 0);
    assert_eq!(errcode(&sim.post(url, file("unknown")).await), 40007);
}
