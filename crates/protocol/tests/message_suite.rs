//! WeCom third-party (suite) instruction callbacks. Samples from
//! /work/shared/protocol/NOTES.md §5.1 unless the comment names another source.

use serde_json::json;
use wxgate_protocol::message::{ContactChange, MessageError, Normalized, SuiteEvent, parse_suite};

// NOTES §5.1, official path/90628 — note the stray space before the CDATA in <InfoType>.
const SUITE_TICKET: &str = "<xml>
<SuiteId><![CDATA[ww4asffe99e54c0fxxxx]]></SuiteId>
<InfoType> <![CDATA[suite_ticket]]></InfoType>
<TimeStamp>1403610513</TimeStamp>
<SuiteTicket><![CDATA[asdfasfdasdfasdf]]></SuiteTicket>
</xml>";

// NOTES §5.1, official path/90642.
const CREATE_AUTH: &str = "<xml>
	<SuiteId><![CDATA[ww4asffe9xxx4c0f4c]]></SuiteId>
	<AuthCode><![CDATA[AUTHCODE]]></AuthCode>
	<InfoType><![CDATA[create_auth]]></InfoType>
	<TimeStamp>1403610513</TimeStamp>
	<State><![CDATA[123]]></State>
	<ExtraInfo></ExtraInfo>
</xml>";

// NOTES §5.1, official path/99487.
const CHANGE_AUTH: &str = "<xml>
    <SuiteId><![CDATA[wxexxx]]></SuiteId>
    <InfoType><![CDATA[change_auth]]></InfoType>
    <TimeStamp>1341673221</TimeStamp>
    <AuthCorpId><![CDATA[CORPID]]></AuthCorpId>
</xml>";

// NOTES §5.1, official path/97086.
const CANCEL_AUTH: &str = "<xml>
	<SuiteId><![CDATA[xxxx]]></SuiteId>
	<AuthCorpId><![CDATA[yyyy]]></AuthCorpId>
	<InfoType><![CDATA[cancel_auth]]></InfoType>
	<TimeStamp>1403610513</TimeStamp>
</xml>";

// NOTES §5.1, official path/90639 (truncated in the stored excerpt; ExtAttr elided).
const CREATE_USER: &str = "<xml>
	<SuiteId><![CDATA[ww4asffe99e54c0f4c]]></SuiteId>
	<AuthCorpId><![CDATA[wxf8b4f85f3axxxxxx]]></AuthCorpId>
	<InfoType><![CDATA[change_contact]]></InfoType>
	<TimeStamp>1403610513</TimeStamp>
	<ChangeType><![CDATA[create_user]]></ChangeType>
	<UserID><![CDATA[zhangsan]]></UserID>
	<OpenUserID><![CDATA[woxxx]]></OpenUserID>
	<Name><![CDATA[张三]]></Name>
	<Department><![CDATA[1,2,3]]></Department>
	<MainDepartment>1</MainDepartment>
	<IsLeaderInDept><![CDATA[1,0,0]]></IsLeaderInDept>
	<DirectLeader><![CDATA[lisi,wangwu]]></DirectLeader>
	<Mobile><![CDATA[11111111111]]></Mobile>
	<Position><![CDATA[产品经理]]></Position>
	<Gender>1</Gender>
	<Email><![CDATA[zhangsan@xxx.com]]></Email>
	<BizMail><![CDATA[zhangsan@qyycs2.wecom.work]]></BizMail>
	<Avatar><![CDATA[http://wx.qlogo.cn/mmopen/ajNVdqHZLLA3WJ6DSZUfiakYe37PKnQhBIeOQBO4czqrnZDS79FH5Wm5m4X69TBicnHFlhiafvDwklOpZeXYQQ2icg/0]]></Avatar>
	<Alias><![CDATA[zhangsan]]></Alias>
	<Telephone><![CDATA[020-111111]]></Telephone>
	<ExtAttr>…</ExtAttr>
</xml>";

// NOTES §5.1, official path/90640 (XML and JSON).
const CREATE_PARTY_XML: &str = "<xml>
	<SuiteId><![CDATA[ww4asffe99e54cxxxx]]></SuiteId>
	<AuthCorpId><![CDATA[wxf8b4f85f3a79xxxx]]></AuthCorpId>
	<InfoType><![CDATA[change_contact]]></InfoType>
	<TimeStamp>1403610513</TimeStamp>
	<ChangeType><![CDATA[create_party]]></ChangeType>
	<Id>2</Id>
	<Name><![CDATA[张三]]></Name>
	<ParentId>1</ParentId>
	<Order>1</Order>
</xml>";
const CREATE_PARTY_JSON: &str = r#"{"SuiteId":"ww4asffe99e54cxxxx","AuthCorpId":"wxf8b4f85f3a79xxxx","InfoType":"change_contact","TimeStamp":1403610513,"ChangeType":"create_party","Id":2,"Name":"张三","ParentId":1,"Order":1}"#;

#[test]
fn official_suite_ticket_with_its_stray_space() {
    let ev = parse_suite(SUITE_TICKET).unwrap();
    let SuiteEvent::SuiteTicket {
        header,
        suite_ticket,
    } = &ev
    else {
        panic!("wrong variant: {ev:?}")
    };
    assert_eq!(header.suite_id, "ww4asffe99e54c0fxxxx");
    assert_eq!(header.time_stamp, 1403610513);
    assert_eq!(header.auth_corp_id, None);
    assert_eq!(suite_ticket.expose(), "asdfasfdasdfasdf");
    assert_eq!(ev.event_type(), "suite.suite_ticket");
    // The ticket is a credential: never in Debug output, never sent to business backends.
    assert!(!format!("{ev:?}").contains("asdfasfdasdfasdf"));
    assert!(
        !ev.to_normalized_json()
            .to_string()
            .contains("asdfasfdasdfasdf")
    );
}

#[test]
fn suite_ticket_sent_as_json_with_padding_is_trimmed() {
    let json = r#"{"SuiteId":"ww4asffe99e54c0fxxxx","InfoType":" suite_ticket","TimeStamp":"1403610513","SuiteTicket":"asdfasfdasdfasdf "}"#;
    let SuiteEvent::SuiteTicket {
        suite_ticket,
        header,
    } = parse_suite(json).unwrap()
    else {
        panic!("wrong variant")
    };
    assert_eq!(suite_ticket.expose(), "asdfasfdasdfasdf");
    assert_eq!(header.time_stamp, 1403610513);
}

#[test]
fn official_create_auth() {
    let ev = parse_suite(CREATE_AUTH).unwrap();
    let SuiteEvent::CreateAuth {
        header,
        auth_code,
        state,
        extra_info,
    } = &ev
    else {
        panic!("wrong variant")
    };
    assert_eq!(header.suite_id, "ww4asffe9xxx4c0f4c");
    assert_eq!(header.time_stamp, 1403610513);
    assert_eq!(auth_code.expose(), "AUTHCODE");
    assert_eq!(state.as_deref(), Some("123"));
    assert_eq!(extra_info, &None);
    assert!(header.extra.is_empty());
    assert_eq!(ev.event_type(), "suite.create_auth");
    assert!(!format!("{ev:?}").contains("AUTHCODE"));
    assert_eq!(
        ev.to_normalized_json(),
        json!({
            "suite_id": "ww4asffe9xxx4c0f4c",
            "info_type": "create_auth",
            "time_stamp": 1403610513,
            "state": "123",
            "extra": {}
        })
    );
}

#[test]
fn official_change_and_cancel_auth() {
    let ev = parse_suite(CHANGE_AUTH).unwrap();
    assert!(matches!(&ev, SuiteEvent::ChangeAuth { state: None, .. }));
    assert_eq!(ev.header().auth_corp_id.as_deref(), Some("CORPID"));
    assert_eq!(ev.header().time_stamp, 1341673221);
    assert_eq!(ev.event_type(), "suite.change_auth");

    let ev = parse_suite(CANCEL_AUTH).unwrap();
    assert!(matches!(&ev, SuiteEvent::CancelAuth { .. }));
    assert_eq!(ev.header().suite_id, "xxxx");
    assert_eq!(ev.header().auth_corp_id.as_deref(), Some("yyyy"));
    assert_eq!(ev.event_type(), "suite.cancel_auth");
}

// Official path/97175 (重置永久授权码通知, 2025/01/02).
#[test]
fn official_reset_permanent_code() {
    let xml = "<xml>
	<SuiteId><![CDATA[dk4asffe9xxx4c0f4c]]></SuiteId>
	<AuthCode><![CDATA[AUTHCODE]]></AuthCode>
	<InfoType><![CDATA[reset_permanent_code]]></InfoType>
	<TimeStamp>1403610513</TimeStamp>
</xml>";
    let ev = parse_suite(xml).unwrap();
    let SuiteEvent::ResetPermanentCode { header, auth_code } = &ev else {
        panic!("wrong variant")
    };
    assert_eq!(header.suite_id, "dk4asffe9xxx4c0f4c");
    assert_eq!(auth_code.expose(), "AUTHCODE");
    assert_eq!(ev.event_type(), "suite.reset_permanent_code");
}

#[test]
fn official_third_party_create_user() {
    let ev = parse_suite(CREATE_USER).unwrap();
    assert_eq!(ev.event_type(), "suite.contact.create_user");
    let SuiteEvent::ChangeContact { header, change } = &ev else {
        panic!("wrong variant")
    };
    assert_eq!(header.auth_corp_id.as_deref(), Some("wxf8b4f85f3axxxxxx"));
    let ContactChange::CreateUser(u) = change else {
        panic!("wrong change")
    };
    assert_eq!(u.user_id, "zhangsan");
    assert_eq!(u.open_user_id.as_deref(), Some("woxxx"));
    assert_eq!(u.department, Some(vec![1, 2, 3]));
    assert_eq!(u.is_leader_in_dept, Some(vec![1, 0, 0]));
    assert_eq!(u.mobile.as_deref(), Some("11111111111"));
    assert_eq!(u.telephone.as_deref(), Some("020-111111"));
}

#[test]
fn official_third_party_create_party_xml_and_json_agree() {
    let from_xml = parse_suite(CREATE_PARTY_XML).unwrap();
    let from_json = parse_suite(CREATE_PARTY_JSON).unwrap();
    assert_eq!(from_xml, from_json);
    assert_eq!(from_xml.event_type(), "suite.contact.create_party");
    let SuiteEvent::ChangeContact {
        change: ContactChange::CreateParty(p),
        ..
    } = &from_json
    else {
        panic!("wrong variant")
    };
    assert_eq!((p.id, p.parent_id, p.order), (2, Some(1), Some(1)));
    assert_eq!(p.name.as_deref(), Some("张三"));
    assert_eq!(
        from_json.to_normalized_json(),
        json!({
            "suite_id": "ww4asffe99e54cxxxx",
            "info_type": "change_contact",
            "time_stamp": 1403610513,
            "auth_corp_id": "wxf8b4f85f3a79xxxx",
            "change_type": "create_party",
            "id": 2,
            "name": "张三",
            "parent_id": 1,
            "order": 1,
            "extra": {}
        })
    );
}

// WxJava WxCpTpXmlMessageTest.tagNotifyTest (NOTES §5.1): update_tag for suites.
#[test]
fn third_party_update_tag() {
    let xml = "<xml><SuiteId><![CDATA[ww1]]></SuiteId><AuthCorpId><![CDATA[wxf8b4f85f3a79xxxx]]></AuthCorpId><InfoType><![CDATA[change_contact]]></InfoType><TimeStamp>1403610513</TimeStamp><ChangeType><![CDATA[update_tag]]></ChangeType><TagId>1</TagId><AddUserItems><![CDATA[zhangsan,lisi]]></AddUserItems><DelUserItems><![CDATA[zhangsan1,lisi1]]></DelUserItems><AddPartyItems><![CDATA[1,2]]></AddPartyItems><DelPartyItems><![CDATA[3,4]]></DelPartyItems></xml>";
    let ev = parse_suite(xml).unwrap();
    assert_eq!(ev.event_type(), "suite.contact.update_tag");
    let SuiteEvent::ChangeContact {
        change: ContactChange::UpdateTag(t),
        ..
    } = ev
    else {
        panic!("wrong variant")
    };
    assert_eq!(t.add_party_items, vec![1, 2]);
    assert_eq!(t.del_user_items, vec!["zhangsan1", "lisi1"]);
}

#[test]
fn unknown_info_type_keeps_every_field() {
    // Official path/91875 (异步任务回调通知): an InfoType this crate does not model.
    let xml = "<xml>
	<ServiceCorpId><![CDATA[wx233kasfa2jkfAAA]]></ServiceCorpId>
	<InfoType><![CDATA[batch_job_result]]></InfoType>
	<TimeStamp>1502682173</TimeStamp>
	<AuthCorpId><![CDATA[wxf1b4f49f3a794AAA]]></AuthCorpId>
	<BatchJob>
	   <JobId><![CDATA[S0MrnndvRG5fadSlLwiBqiDD52FZk4]]></JobId>
	   <JobType><![CDATA[contact_id_translate]]></JobType>
	</BatchJob>
</xml>";
    let ev = parse_suite(xml).unwrap();
    let SuiteEvent::Unknown {
        info_type, fields, ..
    } = &ev
    else {
        panic!("wrong variant")
    };
    assert_eq!(info_type, "batch_job_result");
    assert_eq!(fields.len(), 5);
    assert_eq!(
        fields.get("BatchJob"),
        Some(&json!({"JobId":"S0MrnndvRG5fadSlLwiBqiDD52FZk4","JobType":"contact_id_translate"}))
    );
    assert_eq!(ev.event_type(), "suite.batch_job_result");
    let normalized = ev.to_normalized_json();
    assert_eq!(
        normalized["extra"]["ServiceCorpId"],
        json!("wx233kasfa2jkfAAA")
    );
    assert_eq!(normalized["time_stamp"], json!(1502682173));
}

#[test]
fn dedup_keys_for_suite_events() {
    let a = parse_suite(CREATE_AUTH).unwrap();
    assert_eq!(a.dedup_key(), parse_suite(CREATE_AUTH).unwrap().dedup_key());
    // The key must not carry the auth code itself.
    assert!(!a.dedup_key().contains("AUTHCODE"));
    let other_corp = parse_suite(&CREATE_AUTH.replace("AUTHCODE", "OTHERCODE")).unwrap();
    assert_ne!(a.dedup_key(), other_corp.dedup_key());

    let p = parse_suite(CREATE_PARTY_XML).unwrap();
    assert_eq!(
        p.dedup_key(),
        parse_suite(CREATE_PARTY_JSON).unwrap().dedup_key()
    );
    assert_eq!(
        p.dedup_key(),
        "suite:change_contact:1403610513:ww4asffe99e54cxxxx:wxf8b4f85f3a79xxxx:create_party:2"
    );
    let other_party = parse_suite(&CREATE_PARTY_JSON.replace("\"Id\":2", "\"Id\":3")).unwrap();
    assert_ne!(p.dedup_key(), other_party.dedup_key());

    let t = parse_suite(SUITE_TICKET).unwrap();
    assert_eq!(
        t.dedup_key(),
        "suite:suite_ticket:1403610513:ww4asffe99e54c0fxxxx:"
    );
}

#[test]
fn malformed_suite_payloads_are_typed_errors() {
    assert_eq!(
        parse_suite("<xml><SuiteId>x</SuiteId></xml>").unwrap_err(),
        MessageError::MissingField("InfoType")
    );
    assert_eq!(
        parse_suite("<xml><InfoType>create_auth</InfoType></xml>").unwrap_err(),
        MessageError::MissingField("AuthCode")
    );
    assert_eq!(
        parse_suite("<xml><InfoType>suite_ticket</InfoType><SuiteTicket> </SuiteTicket></xml>")
            .unwrap_err(),
        MessageError::MissingField("SuiteTicket")
    );
    assert!(matches!(
        parse_suite(r#"{"InfoType":"suite_ticket","TimeStamp":-1,"SuiteTicket":"t"}"#),
        Err(MessageError::NotANumber { .. })
    ));
    assert_eq!(
        parse_suite(r#"[{"InfoType":"suite_ticket"}]"#).unwrap_err(),
        MessageError::NotAnObject("an array")
    );
}
