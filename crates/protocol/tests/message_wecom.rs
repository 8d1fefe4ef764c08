//! WeCom self-built / contacts-sync callbacks: every official sample parses into the right
//! variant with the right values. Samples from /work/shared/protocol/NOTES.md §5.2 unless the
//! comment names another source.

use serde_json::json;
use wxgate_protocol::message::{
    ContactChange, Content, MessageError, Normalized, SelectedItem, WecomEvent, WecomMessage,
    parse_wecom,
};

// NOTES §5.2, official PHP sample comment / wechatpy.
const TEXT: &str = "<xml><ToUserName><![CDATA[wx5823bf96d3bd56c7]]></ToUserName>
<FromUserName><![CDATA[mycreate]]></FromUserName>
<CreateTime>1409659813</CreateTime>
<MsgType><![CDATA[text]]></MsgType>
<Content><![CDATA[hello]]></Content>
<MsgId>4561255354251345929</MsgId>
<AgentID>218</AgentID>
</xml>";

// NOTES §5.2, official path/90376.
const SUBSCRIBE: &str = "<xml>
	<ToUserName><![CDATA[toUser]]></ToUserName>
	<FromUserName><![CDATA[UserID]]></FromUserName>
	<CreateTime>1348831860</CreateTime>
	<MsgType><![CDATA[event]]></MsgType>
	<Event><![CDATA[subscribe]]></Event>
	<AgentID>1</AgentID>
</xml>";

// NOTES §5.2, official path/96302 (ChangeType not CDATA-wrapped; ExtAttr elided as in NOTES).
const CREATE_USER: &str = "<xml>
	<ToUserName><![CDATA[toUser]]></ToUserName>
	<FromUserName><![CDATA[sys]]></FromUserName>
	<CreateTime>1403610513</CreateTime>
	<MsgType><![CDATA[event]]></MsgType>
	<Event><![CDATA[change_contact]]></Event>
	<ChangeType>create_user</ChangeType>
	<UserID><![CDATA[zhangsan]]></UserID>
	<Name><![CDATA[张三]]></Name>
	<Department><![CDATA[1,2,3]]></Department>
	<MainDepartment>1</MainDepartment>
	<IsLeaderInDept><![CDATA[1,0,0]]></IsLeaderInDept>
	<DirectLeader><![CDATA[lisi,wangwu]]></DirectLeader>
	<Position><![CDATA[产品经理]]></Position>
	<Mobile>13800000000</Mobile>
	<Gender>1</Gender>
	<Email><![CDATA[zhangsan@gzdev.com]]></Email>
	<BizMail><![CDATA[zhangsan@qyycs2.wecom.work]]></BizMail>
	<Status>1</Status>
	<Avatar><![CDATA[http://wx.qlogo.cn/mmopen/…/0]]></Avatar>
	<Alias><![CDATA[zhangsan]]></Alias>
	<Telephone><![CDATA[020-123456]]></Telephone>
	<Address><![CDATA[广州市]]></Address>
	<ExtAttr>…</ExtAttr>
</xml>";

// NOTES §5.2, WxJava WxCpXmlMessageTest (copied from official doc 90970).
const UPDATE_USER: &str = "<xml>
    <ToUserName><![CDATA[toUser]]></ToUserName>
    <FromUserName><![CDATA[sys]]></FromUserName>
    <CreateTime>1403610513</CreateTime>
    <MsgType><![CDATA[event]]></MsgType>
    <Event><![CDATA[change_contact]]></Event>
    <ChangeType>update_user</ChangeType>
    <UserID><![CDATA[zhangsan]]></UserID>
    <NewUserID><![CDATA[zhangsan001]]></NewUserID>
    <Name><![CDATA[张三]]></Name>
    <Department><![CDATA[1,2,3]]></Department>
    <IsLeaderInDept><![CDATA[1,0,0]]></IsLeaderInDept>
    <Position><![CDATA[产品经理]]></Position>
    <Mobile>15913215421</Mobile>
    <Gender>1</Gender>
    <Email><![CDATA[zhangsan@gzdev.com]]></Email>
    <Status>1</Status>
    <Avatar><![CDATA[http://wx.qlogo.cn/mmopen/…/0]]></Avatar>
    <Alias><![CDATA[zhangsan]]></Alias>
    <Telephone><![CDATA[020-3456788]]></Telephone>
    <Address><![CDATA[广州市]]></Address>
    <ExtAttr>…</ExtAttr>
</xml>";

// NOTES §5.2: structure only (UNCERTAIN there: the official sample text was not retrieved).
const DELETE_USER: &str = "<xml><ToUserName><![CDATA[toUser]]></ToUserName><FromUserName><![CDATA[sys]]></FromUserName><CreateTime>1403610513</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[change_contact]]></Event><ChangeType>delete_user</ChangeType><UserID><![CDATA[zhangsan]]></UserID></xml>";

// NOTES §5.2, official path/96303.
const CREATE_PARTY: &str = "<xml>
	<ToUserName><![CDATA[toUser]]></ToUserName>
	<FromUserName><![CDATA[sys]]></FromUserName>
	<CreateTime>1403610513</CreateTime>
	<MsgType><![CDATA[event]]></MsgType>
	<Event><![CDATA[change_contact]]></Event>
	<ChangeType>create_party</ChangeType>
	<Id>2</Id>
	<Name><![CDATA[张三]]></Name>
	<ParentId><![CDATA[1]]></ParentId>
	<Order>1</Order>
</xml>";

// NOTES §5.2, official path/96304.
const UPDATE_TAG: &str = "<xml>
	<ToUserName><![CDATA[toUser]]></ToUserName>
	<FromUserName><![CDATA[sys]]></FromUserName>
	<CreateTime>1403610513</CreateTime>
	<MsgType><![CDATA[event]]></MsgType>
	<Event><![CDATA[change_contact]]></Event>
	<ChangeType><![CDATA[update_tag]]></ChangeType>
	<TagId>1</TagId>
	<AddUserItems><![CDATA[zhangsan,lisi]]></AddUserItems>
	<DelUserItems><![CDATA[zhangsan1,lisi1]]></DelUserItems>
	<AddPartyItems><![CDATA[1,2]]></AddPartyItems>
	<DelPartyItems><![CDATA[3,4]]></DelPartyItems>
</xml>";

fn event(xml: &str) -> WecomEvent {
    match parse_wecom(xml).unwrap() {
        WecomMessage::Event { event, .. } => event,
        other => panic!("not an event: {other:?}"),
    }
}

fn change(xml: &str) -> ContactChange {
    match event(xml) {
        WecomEvent::ChangeContact(change) => change,
        other => panic!("not a contact change: {other:?}"),
    }
}

#[test]
fn official_text_message() {
    let WecomMessage::Message(m) = parse_wecom(TEXT).unwrap() else {
        panic!("not a message")
    };
    assert_eq!(m.header.to_user_name, "wx5823bf96d3bd56c7");
    assert_eq!(m.header.from_user_name, "mycreate");
    assert_eq!(m.header.create_time, 1409659813);
    assert_eq!(m.header.agent_id, Some(218));
    assert_eq!(m.msg_id.as_deref(), Some("4561255354251345929"));
    assert_eq!(
        m.content,
        Content::Text {
            content: "hello".into()
        }
    );
    assert!(m.extra.is_empty());
}

#[test]
fn official_subscribe_event() {
    let msg = parse_wecom(SUBSCRIBE).unwrap();
    assert_eq!(msg.header().agent_id, Some(1));
    assert_eq!(msg.header().from_user_name, "UserID");
    assert!(matches!(
        msg,
        WecomMessage::Event {
            event: WecomEvent::Subscribe,
            ..
        }
    ));
    assert_eq!(msg.event_type(), "wecom.event.subscribe");
}

#[test]
fn official_create_user() {
    let ContactChange::CreateUser(u) = change(CREATE_USER) else {
        panic!("wrong change")
    };
    assert_eq!(u.user_id, "zhangsan");
    assert_eq!(u.name.as_deref(), Some("张三"));
    assert_eq!(u.department, Some(vec![1, 2, 3]));
    assert_eq!(u.main_department, Some(1));
    assert_eq!(u.is_leader_in_dept, Some(vec![1, 0, 0]));
    assert_eq!(
        u.direct_leader,
        Some(vec!["lisi".to_owned(), "wangwu".to_owned()])
    );
    assert_eq!(u.position.as_deref(), Some("产品经理"));
    assert_eq!(u.mobile.as_deref(), Some("13800000000"));
    assert_eq!(u.gender, Some(1));
    assert_eq!(u.email.as_deref(), Some("zhangsan@gzdev.com"));
    assert_eq!(u.biz_mail.as_deref(), Some("zhangsan@qyycs2.wecom.work"));
    assert_eq!(u.status, Some(1));
    assert_eq!(u.alias.as_deref(), Some("zhangsan"));
    assert_eq!(u.telephone.as_deref(), Some("020-123456"));
    assert_eq!(u.address.as_deref(), Some("广州市"));
    assert_eq!(u.ext_attr, Some(json!("…")));
    assert_eq!(u.new_user_id, None);
    assert_eq!(u.open_user_id, None);
}

#[test]
fn official_update_user_with_new_user_id() {
    let msg = parse_wecom(UPDATE_USER).unwrap();
    assert_eq!(msg.event_type(), "wecom.contact.update_user");
    let ContactChange::UpdateUser(u) = change(UPDATE_USER) else {
        panic!("wrong change")
    };
    assert_eq!(u.user_id, "zhangsan");
    assert_eq!(u.new_user_id.as_deref(), Some("zhangsan001"));
    assert_eq!(u.mobile.as_deref(), Some("15913215421"));
    assert_eq!(u.main_department, None);
}

#[test]
fn delete_user_carries_only_the_user_id() {
    let ContactChange::DeleteUser(u) = change(DELETE_USER) else {
        panic!("wrong change")
    };
    assert_eq!(u.user_id, "zhangsan");
    assert_eq!(u.name, None);
    assert_eq!(u.department, None);
}

#[test]
fn official_create_party_and_update_party() {
    let ContactChange::CreateParty(p) = change(CREATE_PARTY) else {
        panic!("wrong change")
    };
    assert_eq!(p.id, 2);
    assert_eq!(p.name.as_deref(), Some("张三"));
    assert_eq!(p.parent_id, Some(1));
    assert_eq!(p.order, Some(1));
    // NOTES §5.2: update_party is the same with its own ChangeType.
    let update = CREATE_PARTY.replace(
        "<ChangeType>create_party</ChangeType>",
        "<ChangeType>update_party</ChangeType>",
    );
    assert!(matches!(change(&update), ContactChange::UpdateParty(p) if p.id == 2));
}

#[test]
fn delete_party_carries_only_the_id() {
    // NOTES §5.2: structure only (UNCERTAIN there).
    let xml = "<xml><ToUserName><![CDATA[toUser]]></ToUserName><FromUserName><![CDATA[sys]]></FromUserName><CreateTime>1403610513</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[change_contact]]></Event><ChangeType>delete_party</ChangeType><Id>2</Id></xml>";
    let ContactChange::DeleteParty(p) = change(xml) else {
        panic!("wrong change")
    };
    assert_eq!(p.id, 2);
    assert_eq!(p.parent_id, None);
}

#[test]
fn official_update_tag() {
    let ContactChange::UpdateTag(t) = change(UPDATE_TAG) else {
        panic!("wrong change")
    };
    assert_eq!(t.tag_id, 1);
    assert_eq!(t.add_user_items, vec!["zhangsan", "lisi"]);
    assert_eq!(t.del_user_items, vec!["zhangsan1", "lisi1"]);
    assert_eq!(t.add_party_items, vec![1, 2]);
    assert_eq!(t.del_party_items, vec![3, 4]);
}

#[test]
fn post_2022_minimal_contact_events_parse() {
    // path/96302: contacts-sync URLs configured after 2022-08-15 get only UserID/Department.
    let xml = "<xml><ToUserName><![CDATA[ww1]]></ToUserName><FromUserName><![CDATA[sys]]></FromUserName><CreateTime>1700000000</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[change_contact]]></Event><ChangeType>update_user</ChangeType><UserID><![CDATA[zhangsan]]></UserID><Department><![CDATA[1]]></Department></xml>";
    let ContactChange::UpdateUser(u) = change(xml) else {
        panic!("wrong change")
    };
    assert_eq!(u.department, Some(vec![1]));
    assert_eq!(u.name, None);
    assert_eq!(u.mobile, None);
}

// Official path/96467 (消息格式, 2019/10/23): image, voice, video, location, link.
#[test]
fn official_ordinary_messages() {
    let head = "<ToUserName><![CDATA[toUser]]></ToUserName><FromUserName><![CDATA[fromUser]]></FromUserName><CreateTime>1348831860</CreateTime>";
    let tail = "<MsgId>1234567890123456</MsgId><AgentID>1</AgentID>";
    let cases = [
        (
            "<MsgType><![CDATA[image]]></MsgType><PicUrl><![CDATA[this is a url]]></PicUrl><MediaId><![CDATA[media_id]]></MediaId>",
            Content::Image {
                pic_url: Some("this is a url".into()),
                media_id: Some("media_id".into()),
            },
        ),
        (
            "<MsgType><![CDATA[voice]]></MsgType><MediaId><![CDATA[media_id]]></MediaId><Format><![CDATA[Format]]></Format>",
            Content::Voice {
                media_id: Some("media_id".into()),
                format: Some("Format".into()),
                recognition: None,
            },
        ),
        (
            "<MsgType><![CDATA[video]]></MsgType><MediaId><![CDATA[media_id]]></MediaId><ThumbMediaId><![CDATA[thumb_media_id]]></ThumbMediaId>",
            Content::Video {
                media_id: Some("media_id".into()),
                thumb_media_id: Some("thumb_media_id".into()),
            },
        ),
        (
            "<MsgType><![CDATA[location]]></MsgType><Location_X>23.134</Location_X><Location_Y>113.358</Location_Y><Scale>20</Scale><Label><![CDATA[位置信息]]></Label>",
            Content::Location {
                location_x: Some(23.134),
                location_y: Some(113.358),
                scale: Some(20),
                label: Some("位置信息".into()),
            },
        ),
        (
            "<MsgType><![CDATA[link]]></MsgType><Title><![CDATA[this is a title!]]></Title><Description><![CDATA[this is a description!]]></Description><Url><![CDATA[URL]]></Url><PicUrl><![CDATA[this is a url]]></PicUrl>",
            Content::Link {
                title: Some("this is a title!".into()),
                description: Some("this is a description!".into()),
                url: Some("URL".into()),
                pic_url: Some("this is a url".into()),
            },
        ),
    ];
    for (body, expected) in cases {
        let xml = format!("<xml>{head}{body}{tail}</xml>");
        let msg = parse_wecom(&xml).unwrap();
        assert_eq!(
            msg.event_type(),
            format!("wecom.message.{}", expected.msg_type())
        );
        let WecomMessage::Message(m) = msg else {
            panic!("not a message")
        };
        assert_eq!(m.content, expected);
        assert_eq!(m.msg_id.as_deref(), Some("1234567890123456"));
        assert_eq!(m.header.agent_id, Some(1));
    }
}

// Location message AppType (path/96467 lists it for WeCom location messages): kept under extra.
#[test]
fn undocumented_or_unmodelled_fields_land_in_extra() {
    let xml = "<xml><ToUserName><![CDATA[toUser]]></ToUserName><FromUserName><![CDATA[fromUser]]></FromUserName><CreateTime>1351776360</CreateTime><MsgType><![CDATA[location]]></MsgType><Location_X>23.134521</Location_X><Location_Y>113.358803</Location_Y><Scale>20</Scale><Label><![CDATA[位置信息]]></Label><MsgId>1234567890123456</MsgId><AgentID>1</AgentID><AppType><![CDATA[wxwork]]></AppType></xml>";
    let WecomMessage::Message(m) = parse_wecom(xml).unwrap() else {
        panic!("not a message")
    };
    assert_eq!(m.extra.get("AppType"), Some(&json!("wxwork")));
    assert_eq!(m.extra.len(), 1);
}

// Official path/96468 (接收事件): enter_agent sample; LOCATION, click, view per the same page.
#[test]
fn official_app_events() {
    let enter = "<xml><ToUserName><![CDATA[toUser]]></ToUserName>
<FromUserName><![CDATA[FromUser]]></FromUserName>
<CreateTime>1408091189</CreateTime>
<MsgType><![CDATA[event]]></MsgType>
<Event><![CDATA[enter_agent]]></Event>
<EventKey><![CDATA[]]></EventKey>
<AgentID>1</AgentID>
</xml>";
    assert_eq!(event(enter), WecomEvent::EnterAgent { event_key: None });
    assert_eq!(
        parse_wecom(enter).unwrap().event_type(),
        "wecom.event.enter_agent"
    );

    let location = "<xml><ToUserName><![CDATA[toUser]]></ToUserName><FromUserName><![CDATA[FromUser]]></FromUserName><CreateTime>123456789</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[LOCATION]]></Event><Latitude>23.104</Latitude><Longitude>113.320</Longitude><Precision>65.000</Precision><AgentID>1</AgentID><AppType><![CDATA[wxwork]]></AppType></xml>";
    assert_eq!(
        event(location),
        WecomEvent::Location {
            latitude: Some(23.104),
            longitude: Some(113.320),
            precision: Some(65.0)
        }
    );
    assert_eq!(
        parse_wecom(location).unwrap().event_type(),
        "wecom.event.location"
    );

    let click = "<xml><ToUserName><![CDATA[toUser]]></ToUserName><FromUserName><![CDATA[FromUser]]></FromUserName><CreateTime>123456789</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[click]]></Event><EventKey><![CDATA[EVENTKEY]]></EventKey><AgentID>1</AgentID></xml>";
    assert_eq!(
        event(click),
        WecomEvent::Click {
            event_key: Some("EVENTKEY".into())
        }
    );
    let view = click
        .replace("[click]", "[view]")
        .replace("EVENTKEY", "http://www.example.com");
    assert_eq!(
        event(&view),
        WecomEvent::View {
            event_key: Some("http://www.example.com".into())
        }
    );
}

// Official path/90973 (异步任务完成通知, 2020/01/13): fields nested under <BatchJob>.
#[test]
fn official_batch_job_result() {
    let xml = "<xml><ToUserName><![CDATA[wx28dbb14e3720FAKE]]></ToUserName>
<FromUserName><![CDATA[FromUser]]></FromUserName>
<CreateTime>1425284517</CreateTime>
<MsgType><![CDATA[event]]></MsgType>
<Event><![CDATA[batch_job_result]]></Event>
<BatchJob><JobId><![CDATA[S0MrnndvRG5fadSlLwiBqiDDbM143UqTmKP3152FZk4]]></JobId>
<JobType><![CDATA[sync_user]]></JobType>
<ErrCode>0</ErrCode>
<ErrMsg><![CDATA[ok]]></ErrMsg>
</BatchJob>
</xml>";
    assert_eq!(
        event(xml),
        WecomEvent::BatchJobResult {
            job_id: Some("S0MrnndvRG5fadSlLwiBqiDDbM143UqTmKP3152FZk4".into()),
            job_type: Some("sync_user".into()),
            err_code: Some(0),
            err_msg: Some("ok".into()),
        }
    );
    let msg = parse_wecom(xml).unwrap();
    assert_eq!(
        msg.to_normalized_json(),
        json!({
            "to_user_name": "wx28dbb14e3720FAKE",
            "from_user_name": "FromUser",
            "create_time": 1425284517,
            "msg_type": "event",
            "event": "batch_job_result",
            "job_id": "S0MrnndvRG5fadSlLwiBqiDDbM143UqTmKP3152FZk4",
            "job_type": "sync_user",
            "err_code": 0,
            "err_msg": "ok",
            "extra": {}
        })
    );
}

// Official path/90240 (模板卡片事件推送) sample, as quoted verbatim in several SDK test suites;
// then a single-item card (one <SelectedItem>, one <OptionId>) and a button card.
#[test]
fn template_card_event_with_selected_items() {
    let xml = "<xml><ToUserName><![CDATA[toUser]]></ToUserName><FromUserName><![CDATA[FromUser]]></FromUserName><CreateTime>123456789</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[template_card_event]]></Event><EventKey><![CDATA[key111]]></EventKey><TaskId><![CDATA[taskid111]]></TaskId><CardType><![CDATA[text_notice]]></CardType><ResponseCode><![CDATA[ResponseCode]]></ResponseCode><AgentID>1</AgentID><SelectedItems><SelectedItem><QuestionKey><![CDATA[QuestionKey1]]></QuestionKey><OptionIds><OptionId><![CDATA[OptionId1]]></OptionId><OptionId><![CDATA[OptionId2]]></OptionId></OptionIds></SelectedItem><SelectedItem><QuestionKey><![CDATA[QuestionKey2]]></QuestionKey><OptionIds><OptionId><![CDATA[OptionId3]]></OptionId><OptionId><![CDATA[OptionId4]]></OptionId></OptionIds></SelectedItem></SelectedItems></xml>";
    assert_eq!(
        event(xml),
        WecomEvent::TemplateCardEvent {
            event_key: Some("key111".into()),
            task_id: Some("taskid111".into()),
            card_type: Some("text_notice".into()),
            response_code: Some("ResponseCode".into()),
            selected_items: vec![
                SelectedItem {
                    question_key: "QuestionKey1".into(),
                    option_ids: vec!["OptionId1".into(), "OptionId2".into()],
                },
                SelectedItem {
                    question_key: "QuestionKey2".into(),
                    option_ids: vec!["OptionId3".into(), "OptionId4".into()],
                },
            ],
        }
    );
    let msg = parse_wecom(xml).unwrap();
    assert_eq!(msg.event_type(), "wecom.event.template_card_event");
    assert_eq!(
        msg.to_normalized_json(),
        json!({
            "to_user_name": "toUser",
            "from_user_name": "FromUser",
            "create_time": 123456789,
            "agent_id": 1,
            "msg_type": "event",
            "event": "template_card_event",
            "event_key": "key111",
            "task_id": "taskid111",
            "card_type": "text_notice",
            "response_code": "ResponseCode",
            "selected_items": [
                {"question_key": "QuestionKey1", "option_ids": ["OptionId1", "OptionId2"]},
                {"question_key": "QuestionKey2", "option_ids": ["OptionId3", "OptionId4"]}
            ],
            "extra": {}
        })
    );
    let single = "<xml><ToUserName>t</ToUserName><MsgType>event</MsgType><Event>template_card_event</Event><CardType>multiple_interaction</CardType><SelectedItems><SelectedItem><QuestionKey>q</QuestionKey><OptionIds><OptionId>o</OptionId></OptionIds></SelectedItem></SelectedItems></xml>";
    let WecomEvent::TemplateCardEvent { selected_items, .. } = event(single) else {
        panic!("wrong event")
    };
    assert_eq!(
        selected_items,
        vec![SelectedItem {
            question_key: "q".into(),
            option_ids: vec!["o".into()]
        }]
    );
    // A button card has no SelectedItems at all.
    let button = "<xml><ToUserName>t</ToUserName><MsgType>event</MsgType><Event>template_card_event</Event><EventKey>k</EventKey></xml>";
    assert!(
        matches!(event(button), WecomEvent::TemplateCardEvent { selected_items, .. } if selected_items.is_empty())
    );
}

#[test]
fn json_payload_parses_like_xml() {
    let json = r#"{"ToUserName":"wx5823bf96d3bd56c7","FromUserName":"mycreate","CreateTime":1409659813,"MsgType":"text","Content":"hello","MsgId":4561255354251345929,"AgentID":218}"#;
    assert_eq!(parse_wecom(json).unwrap(), parse_wecom(TEXT).unwrap());
}

#[test]
fn unknown_types_keep_every_field() {
    let xml = "<xml><ToUserName><![CDATA[toUser]]></ToUserName><FromUserName><![CDATA[u]]></FromUserName><CreateTime>1</CreateTime><MsgType><![CDATA[hologram]]></MsgType><Depth>3</Depth><Nested><A>1</A></Nested></xml>";
    let msg = parse_wecom(xml).unwrap();
    let WecomMessage::Unknown {
        msg_type, fields, ..
    } = &msg
    else {
        panic!("not unknown")
    };
    assert_eq!(msg_type, "hologram");
    assert_eq!(fields.len(), 6);
    assert_eq!(fields.get("Nested"), Some(&json!({"A": "1"})));
    assert_eq!(msg.event_type(), "wecom.message.hologram");

    let ev = "<xml><ToUserName>t</ToUserName><FromUserName>u</FromUserName><CreateTime>2</CreateTime><MsgType>event</MsgType><Event>scancode_push</Event><EventKey>k</EventKey><ScanCodeInfo><ScanType>qrcode</ScanType><ScanResult>1</ScanResult></ScanCodeInfo></xml>";
    let msg = parse_wecom(ev).unwrap();
    let WecomMessage::Event {
        event: WecomEvent::Unknown { event },
        extra,
        ..
    } = &msg
    else {
        panic!("not an unknown event")
    };
    assert_eq!(event, "scancode_push");
    assert_eq!(extra.get("EventKey"), Some(&json!("k")));
    assert_eq!(
        extra.get("ScanCodeInfo"),
        Some(&json!({"ScanType":"qrcode","ScanResult":"1"}))
    );
    assert_eq!(msg.event_type(), "wecom.event.scancode_push");

    let ct = "<xml><ToUserName>t</ToUserName><FromUserName>sys</FromUserName><CreateTime>2</CreateTime><MsgType>event</MsgType><Event>change_contact</Event><ChangeType>merge_user</ChangeType><UserID>a</UserID></xml>";
    let msg = parse_wecom(ct).unwrap();
    assert_eq!(msg.event_type(), "wecom.contact.merge_user");
    let WecomMessage::Event { extra, .. } = &msg else {
        panic!()
    };
    assert_eq!(extra.get("UserID"), Some(&json!("a")));
}

#[test]
fn malformed_payloads_are_typed_errors() {
    assert_eq!(
        parse_wecom("<xml><ToUserName>t</ToUserName></xml>").unwrap_err(),
        MessageError::MissingField("MsgType")
    );
    assert_eq!(
        parse_wecom("<xml><MsgType>text</MsgType></xml>").unwrap_err(),
        MessageError::MissingField("ToUserName")
    );
    assert_eq!(
        parse_wecom("<xml><ToUserName>t</ToUserName><MsgType>event</MsgType></xml>").unwrap_err(),
        MessageError::MissingField("Event")
    );
    assert!(matches!(
        parse_wecom("<xml><ToUserName>t</ToUserName><MsgType>text</MsgType><CreateTime>soon</CreateTime></xml>"),
        Err(MessageError::NotANumber { field, .. }) if field == "CreateTime"
    ));
    assert!(matches!(
        parse_wecom(&CREATE_PARTY.replace("<Id>2</Id>", "<Id>two</Id>")),
        Err(MessageError::NotANumber { field, .. }) if field == "Id"
    ));
    assert_eq!(
        parse_wecom(&UPDATE_TAG.replace("<TagId>1</TagId>", "")).unwrap_err(),
        MessageError::MissingField("TagId")
    );
    assert_eq!(
        parse_wecom(&DELETE_USER.replace("<UserID><![CDATA[zhangsan]]></UserID>", "")).unwrap_err(),
        MessageError::MissingField("UserID")
    );
}
