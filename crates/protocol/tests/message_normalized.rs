//! Normalised JSON, event types and dedup keys across platforms.

use serde_json::json;
use wxgate_protocol::message::{Normalized, parse_mini, parse_mp, parse_suite, parse_wecom};

// NOTES §5.2 WeCom text sample.
const WECOM_TEXT: &str = "<xml><ToUserName><![CDATA[wx5823bf96d3bd56c7]]></ToUserName>
<FromUserName><![CDATA[mycreate]]></FromUserName>
<CreateTime>1409659813</CreateTime>
<MsgType><![CDATA[text]]></MsgType>
<Content><![CDATA[hello]]></Content>
<MsgId>4561255354251345929</MsgId>
<AgentID>218</AgentID>
</xml>";

// NOTES §5.2 create_user, trimmed to the fields under test, with a structured ExtAttr.
const WECOM_CREATE_USER: &str = "<xml><ToUserName><![CDATA[toUser]]></ToUserName><FromUserName><![CDATA[sys]]></FromUserName><CreateTime>1403610513</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[change_contact]]></Event><ChangeType>create_user</ChangeType><UserID><![CDATA[zhangsan]]></UserID><Name><![CDATA[张三]]></Name><Department><![CDATA[1,2,3]]></Department><MainDepartment>1</MainDepartment><IsLeaderInDept><![CDATA[1,0,0]]></IsLeaderInDept><DirectLeader><![CDATA[lisi,wangwu]]></DirectLeader><Gender>1</Gender><Status>1</Status><ExtAttr><Item><Name><![CDATA[爱好]]></Name><Type>0</Type><Text><Value><![CDATA[旅游]]></Value></Text></Item></ExtAttr><Brand-New-Field>x</Brand-New-Field></xml>";

// NOTES §5.2 update_tag.
const WECOM_UPDATE_TAG: &str = "<xml><ToUserName><![CDATA[toUser]]></ToUserName><FromUserName><![CDATA[sys]]></FromUserName><CreateTime>1403610513</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[change_contact]]></Event><ChangeType><![CDATA[update_tag]]></ChangeType><TagId>1</TagId><AddUserItems><![CDATA[zhangsan,lisi]]></AddUserItems><DelUserItems><![CDATA[zhangsan1,lisi1]]></DelUserItems><AddPartyItems><![CDATA[1,2]]></AddPartyItems><DelPartyItems><![CDATA[3,4]]></DelPartyItems></xml>";

#[test]
fn wecom_text_normalised_with_msg_id_as_string() {
    let msg = parse_wecom(WECOM_TEXT).unwrap();
    assert_eq!(msg.event_type(), "wecom.message.text");
    assert_eq!(
        msg.to_normalized_json(),
        json!({
            "to_user_name": "wx5823bf96d3bd56c7",
            "from_user_name": "mycreate",
            "create_time": 1409659813,
            "agent_id": 218,
            "msg_type": "text",
            "msg_id": "4561255354251345929",
            "content": "hello",
            "extra": {}
        })
    );
}

#[test]
fn wecom_create_user_normalised_with_lists_as_arrays() {
    let msg = parse_wecom(WECOM_CREATE_USER).unwrap();
    assert_eq!(msg.event_type(), "wecom.contact.create_user");
    assert_eq!(
        msg.to_normalized_json(),
        json!({
            "to_user_name": "toUser",
            "from_user_name": "sys",
            "create_time": 1403610513,
            "msg_type": "event",
            "event": "change_contact",
            "change_type": "create_user",
            "user_id": "zhangsan",
            "name": "张三",
            "department": [1, 2, 3],
            "main_department": 1,
            "is_leader_in_dept": [1, 0, 0],
            "direct_leader": ["lisi", "wangwu"],
            "gender": 1,
            "status": 1,
            "ext_attr": {"Item": {"Name": "爱好", "Type": "0", "Text": {"Value": "旅游"}}},
            "extra": {"Brand-New-Field": "x"}
        })
    );
}

#[test]
fn wecom_update_tag_normalised() {
    let msg = parse_wecom(WECOM_UPDATE_TAG).unwrap();
    assert_eq!(msg.event_type(), "wecom.contact.update_tag");
    assert_eq!(
        msg.to_normalized_json(),
        json!({
            "to_user_name": "toUser",
            "from_user_name": "sys",
            "create_time": 1403610513,
            "msg_type": "event",
            "event": "change_contact",
            "change_type": "update_tag",
            "tag_id": 1,
            "add_user_items": ["zhangsan", "lisi"],
            "del_user_items": ["zhangsan1", "lisi1"],
            "add_party_items": [1, 2],
            "del_party_items": [3, 4],
            "extra": {}
        })
    );
}

#[test]
fn location_normalised_with_decimal_numbers() {
    // Official Account location sample (NOTES §5.3 source).
    let xml = "<xml><ToUserName><![CDATA[toUser]]></ToUserName><FromUserName><![CDATA[fromUser]]></FromUserName><CreateTime>1351776360</CreateTime><MsgType><![CDATA[location]]></MsgType><Location_X>23.134521</Location_X><Location_Y>113.358803</Location_Y><Scale>20</Scale><Label><![CDATA[位置信息]]></Label><MsgId>1234567890123456</MsgId></xml>";
    assert_eq!(
        parse_mp(xml).unwrap().to_normalized_json(),
        json!({
            "to_user_name": "toUser",
            "from_user_name": "fromUser",
            "create_time": 1351776360,
            "msg_type": "location",
            "msg_id": "1234567890123456",
            "location_x": 23.134521,
            "location_y": 113.358803,
            "scale": 20,
            "label": "位置信息",
            "extra": {}
        })
    );
}

#[test]
fn unknown_message_normalised_keeps_every_field_under_extra() {
    let xml = "<xml><ToUserName>t</ToUserName><FromUserName>u</FromUserName><CreateTime>7</CreateTime><MsgType>hologram</MsgType><Depth>3</Depth></xml>";
    assert_eq!(
        parse_wecom(xml).unwrap().to_normalized_json(),
        json!({
            "to_user_name": "t",
            "from_user_name": "u",
            "create_time": 7,
            "msg_type": "hologram",
            "extra": {"ToUserName": "t", "FromUserName": "u", "CreateTime": "7", "MsgType": "hologram", "Depth": "3"}
        })
    );
}

#[test]
fn event_types_are_safe_identifiers() {
    let weird = "<xml><ToUserName>t</ToUserName><MsgType>event</MsgType><Event>Weird Event/../x</Event></xml>";
    assert_eq!(
        parse_wecom(weird).unwrap().event_type(),
        "wecom.event.weird_event____x"
    );
    let suite = r#"{"InfoType":"create_auth","AuthCode":"c"}"#;
    assert_eq!(
        parse_suite(suite).unwrap().event_type(),
        "suite.create_auth"
    );
}

#[test]
fn dedup_key_is_stable_across_retries_and_formats() {
    // A retried message is byte-identical; the JSON form of the same message agrees too.
    let a = parse_wecom(WECOM_TEXT).unwrap();
    let b = parse_wecom(WECOM_TEXT).unwrap();
    assert_eq!(a.dedup_key(), b.dedup_key());
    assert_eq!(a.dedup_key(), "msg:4561255354251345929");
    let as_json = r#"{"ToUserName":"wx5823bf96d3bd56c7","FromUserName":"mycreate","CreateTime":1409659813,"MsgType":"text","Content":"hello","MsgId":4561255354251345929,"AgentID":218}"#;
    assert_eq!(parse_wecom(as_json).unwrap().dedup_key(), a.dedup_key());

    // A different message id is a different message.
    let other = WECOM_TEXT.replace("4561255354251345929", "4561255354251345930");
    assert_ne!(parse_wecom(&other).unwrap().dedup_key(), a.dedup_key());
}

#[test]
fn event_dedup_keys_tell_events_apart() {
    let create = parse_wecom(WECOM_CREATE_USER).unwrap();
    assert_eq!(
        create.dedup_key(),
        "event:sys:1403610513:change_contact:create_user:zhangsan"
    );
    assert_eq!(
        create.dedup_key(),
        parse_wecom(WECOM_CREATE_USER).unwrap().dedup_key()
    );
    // Same second, same sender (`sys`), different user: different events.
    let other_user = WECOM_CREATE_USER.replace("[zhangsan]", "[lisi]");
    assert_ne!(
        parse_wecom(&other_user).unwrap().dedup_key(),
        create.dedup_key()
    );
    // Same user, different change type.
    let update = WECOM_CREATE_USER.replace("create_user", "update_user");
    assert_ne!(
        parse_wecom(&update).unwrap().dedup_key(),
        create.dedup_key()
    );
    // Same event a second later.
    let later = WECOM_CREATE_USER.replace("1403610513", "1403610514");
    assert_ne!(parse_wecom(&later).unwrap().dedup_key(), create.dedup_key());

    let subscribe = "<xml><ToUserName><![CDATA[toUser]]></ToUserName><FromUserName><![CDATA[FromUser]]></FromUserName><CreateTime>123456789</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[subscribe]]></Event></xml>";
    let s = parse_mp(subscribe).unwrap();
    assert_eq!(s.dedup_key(), "event:FromUser:123456789:subscribe");
    let unsubscribe = subscribe.replace("[subscribe]", "[unsubscribe]");
    assert_ne!(parse_mp(&unsubscribe).unwrap().dedup_key(), s.dedup_key());

    // A colon in a user-controlled part cannot forge another key.
    let tricky = "<xml><ToUserName>t</ToUserName><FromUserName>a:1</FromUserName><CreateTime>2</CreateTime><MsgType>event</MsgType><Event>subscribe</Event></xml>";
    let plain = "<xml><ToUserName>t</ToUserName><FromUserName>a</FromUserName><CreateTime>1</CreateTime><MsgType>event</MsgType><Event>2:subscribe</Event></xml>";
    assert_ne!(
        parse_wecom(tricky).unwrap().dedup_key(),
        parse_wecom(plain).unwrap().dedup_key()
    );
    assert_eq!(
        parse_wecom(tricky).unwrap().dedup_key(),
        "event:a%3A1:2:subscribe"
    );
    let no_colon = tricky.replace("a:1", "a1");
    assert_ne!(
        parse_wecom(&no_colon).unwrap().dedup_key(),
        parse_wecom(tricky).unwrap().dedup_key()
    );
}

#[test]
fn mini_message_without_msg_id_falls_back_to_sender_and_time() {
    let json =
        r#"{"ToUserName":"gh","FromUserName":"o1","CreateTime":5,"MsgType":"text","Content":"x"}"#;
    assert_eq!(parse_mini(json).unwrap().dedup_key(), "event:o1:5:text");
}
