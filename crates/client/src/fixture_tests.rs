//! Every recorded response in `tests/fixtures/` (copied from the shared protocol notes; wechatpy
//! test fixtures, MIT) decodes into the type this crate uses for it.

use crate::credential::{AccessToken, Ticket};
use crate::decode::decode;
use crate::error::{CallContext, ClientError};
use crate::lenient::Gender;
use crate::wechat::oauth::{MiniSession, OAuthToken, SnsUserInfo};
use crate::wecom::contacts::{Department, Member, SimpleMember};
use crate::wecom::identity::{LoginDepartment, LoginInfo};
use crate::wecom::media::UploadedMedia;

macro_rules! fixture {
    ($name:literal) => {
        include_bytes!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/",
            $name
        ))
    };
}

fn d<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, ClientError> {
    decode("fixture", CallContext::TokenBearing, body)
}

#[derive(serde::Deserialize)]
struct UserList<T> {
    userlist: Vec<T>,
}

#[derive(serde::Deserialize)]
struct DepartmentList {
    department: Vec<Department>,
}

#[test]
fn tokens_with_and_without_errcode() {
    for body in [
        &fixture!("wechatpy__token.json")[..],
        fixture!("wechatpy__work__gettoken.json"),
    ] {
        let t: AccessToken = d(body).unwrap();
        assert_eq!(
            (t.access_token.expose(), t.expires_in),
            ("1234567890", 7200)
        );
    }
    let p: AccessToken = d(fixture!("wechatpy__work__service_get_provider_token.json")).unwrap();
    assert_eq!(p.access_token.expose(), "enLSZ5xxxxxxJRL");
    // `component_access_token` is an open-platform spelling this crate does not model: it must
    // fail as a typed Decode error naming the missing field, not panic or half-decode.
    match d::<AccessToken>(fixture!("wechatpy__component__api_component_token.json")) {
        Err(ClientError::Decode { reason, .. }) => {
            assert!(reason.contains("access_token"), "{reason}")
        }
        other => panic!("expected a Decode error, got {other:?}"),
    }
}

#[test]
fn tickets() {
    for body in [
        &fixture!("wechatpy__ticket_getticket.json")[..],
        fixture!("wechatpy__work__get_jsapi_ticket.json"),
    ] {
        let t: Ticket = d(body).unwrap();
        assert!(
            t.ticket
                .expose()
                .starts_with("bxLdikRXVbTPdHSM05e5u5sUoXNKd8")
        );
        assert_eq!(t.expires_in, 7200);
    }
}

#[test]
fn contacts() {
    let l: UserList<Member> = d(fixture!("wechatpy__work__user_list.json")).unwrap();
    let m = &l.userlist[0];
    assert_eq!(m.userid, "zhangthree-userid");
    assert_eq!(m.gender, Some(Gender::Male));
    assert_eq!(
        (m.status, m.isleader, m.enable),
        (Some(1), Some(0), Some(1))
    );
    assert_eq!(m.department, [345678]);
    assert!(m.extattr.as_ref().unwrap()["attrs"].is_array());
    let s: UserList<SimpleMember> = d(fixture!("wechatpy__work__user_simplelist.json")).unwrap();
    assert_eq!(
        s.userlist,
        [SimpleMember {
            userid: "zhangsan".into(),
            name: Some("李四".into()),
            department: vec![],
            open_userid: None
        }]
    );
    let dl: DepartmentList = d(fixture!("wechatpy__work__department_list.json")).unwrap();
    assert_eq!(dl.department.len(), 2);
    assert_eq!(dl.department[1].parentid, Some(2));
    assert_eq!(dl.department[0].order, None);
}

#[test]
fn media_upload_with_integer_created_at() {
    let m: UploadedMedia = d(fixture!("wechatpy__work__media_upload.json")).unwrap();
    assert_eq!(
        (m.media_id.as_str(), m.created_at),
        ("12345678", Some(123456789))
    );
}

#[test]
fn provider_login_info() {
    let l: LoginInfo = d(fixture!("wechatpy__work__service_get_login_info.json")).unwrap();
    assert_eq!((l.is_sys, l.is_inner), (Some(true), Some(true)));
    assert_eq!(l.user_info.unwrap().userid.as_deref(), Some("xxxx"));
    let corp = l.corp_info.unwrap();
    assert_eq!(corp.corpid, "wx6c698d13f7a409a4");
    assert_eq!(corp.extra["corp_agent_max"], 5);
    assert_eq!(l.agent.len(), 3);
    assert_eq!(
        l.auth_info.unwrap().department,
        [LoginDepartment {
            id: 2,
            writable: Some(true)
        }]
    );
}

#[test]
fn wechat_oauth() {
    for body in [
        &fixture!("wechatpy__sns_oauth2_access_token.json")[..],
        fixture!("wechatpy__sns_oauth2_refresh_token.json"),
    ] {
        let t: OAuthToken = d(body).unwrap();
        assert_eq!(t.openid, "OPENID");
        assert_eq!(t.refresh_token.unwrap().expose(), "REFRESH_TOKEN");
        assert_eq!(t.unionid, None);
    }
    let u: SnsUserInfo = d(fixture!("wechatpy__sns_userinfo.json")).unwrap();
    assert_eq!(u.sex, Gender::Male);
    assert_eq!(u.privilege, ["PRIVILEGE1", "PRIVILEGE2"]);
    assert_eq!(u.unionid.as_deref(), Some("o6_bmasdasdsad6_2sgVt7hMZOPfL"));
    let s: MiniSession = d(fixture!("wechatpy__sns_jscode2session.json")).unwrap();
    assert_eq!(s.openid, "o16wA0b4AZKzgVJR3MBwoUdTfU_E");
    assert_eq!(s.session_key.expose(), "D1ZWEygStjuLCnZ9IN2l4Q==");
    let _: serde_json::Value = d(fixture!("wechatpy__sns_auth.json")).unwrap();
}

#[test]
fn other_fixtures_decode_as_plain_json() {
    // Shapes this crate does not model (open-platform component APIs, callback checks,
    // id conversions, callback IPs) still pass the errcode check.
    for body in [
        &fixture!("wechatpy__callback_check.json")[..],
        fixture!("wechatpy__component__api_create_preauthcode.json"),
        fixture!("wechatpy__component__api_query_auth.json"),
        fixture!("wechatpy__getcallbackip.json"),
        fixture!("wechatpy__work__getcallbackip.json"),
        fixture!("wechatpy__work__user_convert_to_openid.json"),
        fixture!("wechatpy__work__user_convert_to_userid.json"),
    ] {
        let v: serde_json::Value = d(body).unwrap();
        assert!(v.is_object());
    }
}
