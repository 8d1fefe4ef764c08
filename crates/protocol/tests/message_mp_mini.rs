//! Official Account and Mini Program pushes. Samples from /work/shared/protocol/NOTES.md §5.3
//! unless the comment names another source.

use serde_json::json;
use wxgate_protocol::message::{
    Content, MessageError, MiniEvent, MiniMessage, MpEvent, MpMessage, Normalized, parse_mini,
    parse_mp,
};

// NOTES §5.3 (old MP wiki; wechatpy tests/test_parser.py).
const MP_TEXT: &str = "<xml>
<ToUserName><![CDATA[toUser]]></ToUserName>
<FromUserName><![CDATA[fromUser]]></FromUserName>
<CreateTime>1348831860</CreateTime>
<MsgType><![CDATA[text]]></MsgType>
<Content><![CDATA[this is a test]]></Content>
<MsgId>1234567890123456</MsgId>
</xml>";

// NOTES §5.3.
const MP_SUBSCRIBE: &str = "<xml>
<ToUserName><![CDATA[toUser]]></ToUserName>
<FromUserName><![CDATA[FromUser]]></FromUserName>
<CreateTime>123456789</CreateTime>
<MsgType><![CDATA[event]]></MsgType>
<Event><![CDATA[subscribe]]></Event>
</xml>";

fn mp_event(xml: &str) -> MpEvent {
    match parse_mp(xml).unwrap() {
        MpMessage::Event { event, .. } => event,
        other => panic!("not an event: {other:?}"),
    }
}

fn mp_content(xml: &str) -> Content {
    match parse_mp(xml).unwrap() {
        MpMessage::Message(m) => m.content,
        other => panic!("not a message: {other:?}"),
    }
}

fn mp(body: &str) -> String {
    format!(
        "<xml><ToUserName><![CDATA[toUser]]></ToUserName><FromUserName><![CDATA[FromUser]]></FromUserName><CreateTime>123456789</CreateTime>{body}</xml>"
    )
}

#[test]
fn official_mp_text() {
    let MpMessage::Message(m) = parse_mp(MP_TEXT).unwrap() else {
        panic!("not a message")
    };
    assert_eq!(m.header.to_user_name, "toUser");
    assert_eq!(m.header.from_user_name, "fromUser");
    assert_eq!(m.header.create_time, 1348831860);
    assert_eq!(m.header.agent_id, None);
    assert_eq!(m.msg_id.as_deref(), Some("1234567890123456"));
    assert_eq!(
        m.content,
        Content::Text {
            content: "this is a test".into()
        }
    );
}

#[test]
fn official_mp_subscribe() {
    let msg = parse_mp(MP_SUBSCRIBE).unwrap();
    assert_eq!(msg.event_type(), "mp.event.subscribe");
    assert_eq!(
        mp_event(MP_SUBSCRIBE),
        MpEvent::Subscribe {
            event_key: None,
            scene: None,
            ticket: None
        }
    );
    // Real pushes carry an empty EventKey.
    let with_empty_key = MP_SUBSCRIBE.replace("</xml>", "<EventKey><![CDATA[]]></EventKey></xml>");
    assert_eq!(mp_event(&with_empty_key), mp_event(MP_SUBSCRIBE));
}

// Official Account 接收事件推送 (old MP wiki, wechatpy test_parser.py): scan-to-subscribe.
#[test]
fn mp_subscribe_by_qr_scene() {
    let xml = mp(
        "<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[subscribe]]></Event><EventKey><![CDATA[qrscene_123123]]></EventKey><Ticket><![CDATA[TICKET]]></Ticket>",
    );
    assert_eq!(
        mp_event(&xml),
        MpEvent::Subscribe {
            event_key: Some("qrscene_123123".into()),
            scene: Some("123123".into()),
            ticket: Some("TICKET".into()),
        }
    );
    assert_eq!(
        parse_mp(&xml).unwrap().to_normalized_json(),
        json!({
            "to_user_name": "toUser",
            "from_user_name": "FromUser",
            "create_time": 123456789,
            "msg_type": "event",
            "event": "subscribe",
            "event_key": "qrscene_123123",
            "scene": "123123",
            "ticket": "TICKET",
            "extra": {}
        })
    );
}

// Official Account 接收事件推送: SCAN, LOCATION, CLICK, VIEW; 模板消息 TEMPLATESENDJOBFINISH.
#[test]
fn official_mp_events() {
    let scan = mp(
        "<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[SCAN]]></Event><EventKey><![CDATA[SCENE_VALUE]]></EventKey><Ticket><![CDATA[TICKET]]></Ticket>",
    );
    assert_eq!(
        mp_event(&scan),
        MpEvent::Scan {
            event_key: Some("SCENE_VALUE".into()),
            ticket: Some("TICKET".into())
        }
    );
    assert_eq!(parse_mp(&scan).unwrap().event_type(), "mp.event.scan");

    let location = mp(
        "<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[LOCATION]]></Event><Latitude>23.137466</Latitude><Longitude>113.352425</Longitude><Precision>119.385040</Precision>",
    );
    assert_eq!(
        mp_event(&location),
        MpEvent::Location {
            latitude: Some(23.137466),
            longitude: Some(113.352425),
            precision: Some(119.38504)
        }
    );
    assert_eq!(
        parse_mp(&location).unwrap().event_type(),
        "mp.event.location"
    );

    let click = mp(
        "<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[CLICK]]></Event><EventKey><![CDATA[EVENTKEY]]></EventKey>",
    );
    assert_eq!(
        mp_event(&click),
        MpEvent::Click {
            event_key: Some("EVENTKEY".into())
        }
    );
    assert_eq!(parse_mp(&click).unwrap().event_type(), "mp.event.click");

    let view = mp(
        "<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[VIEW]]></Event><EventKey><![CDATA[www.qq.com]]></EventKey>",
    );
    assert_eq!(
        mp_event(&view),
        MpEvent::View {
            event_key: Some("www.qq.com".into()),
            menu_id: None
        }
    );

    let finished = "<xml><ToUserName><![CDATA[gh_7f083739789a]]></ToUserName><FromUserName><![CDATA[oia2TjuEGTNoeX76QEjQNrcURxG8]]></FromUserName><CreateTime>1395658920</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[TEMPLATESENDJOBFINISH]]></Event><MsgID>200163836</MsgID><Status><![CDATA[success]]></Status></xml>";
    assert_eq!(
        mp_event(finished),
        MpEvent::TemplateSendJobFinish {
            msg_id: Some("200163836".into()),
            status: Some("success".into())
        }
    );
    assert_eq!(
        parse_mp(finished).unwrap().event_type(),
        "mp.event.templatesendjobfinish"
    );

    let unsubscribe =
        mp("<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[unsubscribe]]></Event>");
    assert_eq!(mp_event(&unsubscribe), MpEvent::Unsubscribe);
}

// Official Account 接收普通消息 (old MP wiki, wechatpy test_parser.py).
#[test]
fn official_mp_messages() {
    assert_eq!(
        mp_content(&mp(
            "<MsgType><![CDATA[image]]></MsgType><PicUrl><![CDATA[this is a url]]></PicUrl><MediaId><![CDATA[media_id]]></MediaId><MsgId>1234567890123456</MsgId>"
        )),
        Content::Image {
            pic_url: Some("this is a url".into()),
            media_id: Some("media_id".into())
        }
    );
    assert_eq!(
        mp_content(&mp(
            "<MsgType><![CDATA[voice]]></MsgType><MediaId><![CDATA[media_id]]></MediaId><Format><![CDATA[Format]]></Format><Recognition><![CDATA[腾讯微信团队]]></Recognition><MsgId>1234567890123456</MsgId>"
        )),
        Content::Voice {
            media_id: Some("media_id".into()),
            format: Some("Format".into()),
            recognition: Some("腾讯微信团队".into())
        }
    );
    assert_eq!(
        mp_content(&mp(
            "<MsgType><![CDATA[video]]></MsgType><MediaId><![CDATA[media_id]]></MediaId><ThumbMediaId><![CDATA[thumb_media_id]]></ThumbMediaId><MsgId>1234567890123456</MsgId>"
        )),
        Content::Video {
            media_id: Some("media_id".into()),
            thumb_media_id: Some("thumb_media_id".into())
        }
    );
    let short = mp(
        "<MsgType><![CDATA[shortvideo]]></MsgType><MediaId><![CDATA[media_id]]></MediaId><ThumbMediaId><![CDATA[thumb_media_id]]></ThumbMediaId><MsgId>1234567890123456</MsgId>",
    );
    assert_eq!(
        mp_content(&short),
        Content::ShortVideo {
            media_id: Some("media_id".into()),
            thumb_media_id: Some("thumb_media_id".into())
        }
    );
    assert_eq!(
        parse_mp(&short).unwrap().event_type(),
        "mp.message.shortvideo"
    );
    assert_eq!(
        mp_content(&mp(
            "<MsgType><![CDATA[location]]></MsgType><Location_X>23.134521</Location_X><Location_Y>113.358803</Location_Y><Scale>20</Scale><Label><![CDATA[位置信息]]></Label><MsgId>1234567890123456</MsgId>"
        )),
        Content::Location {
            location_x: Some(23.134521),
            location_y: Some(113.358803),
            scale: Some(20),
            label: Some("位置信息".into())
        }
    );
    assert_eq!(
        mp_content(&mp(
            "<MsgType><![CDATA[link]]></MsgType><Title><![CDATA[公众平台官网链接]]></Title><Description><![CDATA[公众平台官网链接]]></Description><Url><![CDATA[url]]></Url><MsgId>1234567890123456</MsgId>"
        )),
        Content::Link {
            title: Some("公众平台官网链接".into()),
            description: Some("公众平台官网链接".into()),
            url: Some("url".into()),
            pic_url: None
        }
    );
}

// developers.weixin.qq.com/doc/offiaccount 接收普通消息: articles-sourced messages carry
// MsgDataId and Idx, which are kept under extra.
#[test]
fn mp_text_from_an_article_keeps_msg_data_id() {
    let xml = MP_TEXT.replace("</xml>", "<MsgDataId>xxxx</MsgDataId><Idx>xxxx</Idx></xml>");
    let MpMessage::Message(m) = parse_mp(&xml).unwrap() else {
        panic!()
    };
    assert_eq!(m.extra.get("MsgDataId"), Some(&json!("xxxx")));
    assert_eq!(m.extra.get("Idx"), Some(&json!("xxxx")));
}

#[test]
fn mp_unknown_types_keep_every_field() {
    let xml = mp(
        "<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[MASSSENDJOBFINISH]]></Event><MsgID>1988</MsgID><TotalCount>100</TotalCount>",
    );
    let msg = parse_mp(&xml).unwrap();
    assert_eq!(msg.event_type(), "mp.event.masssendjobfinish");
    let MpMessage::Event {
        event: MpEvent::Unknown { event },
        extra,
        ..
    } = &msg
    else {
        panic!()
    };
    assert_eq!(event, "MASSSENDJOBFINISH");
    assert_eq!(extra.get("TotalCount"), Some(&json!("100")));
    assert_eq!(extra.get("MsgID"), Some(&json!("1988")));
}

// Mini Program 接收消息和事件 (developers.weixin.qq.com/miniprogram/dev/framework/open-ability/
// customer-message/receive): every sample exists in XML and JSON.
const MINI_TEXT_XML: &str = "<xml>
   <ToUserName><![CDATA[toUser]]></ToUserName>
   <FromUserName><![CDATA[fromUser]]></FromUserName>
   <CreateTime>1482048670</CreateTime>
   <MsgType><![CDATA[text]]></MsgType>
   <Content><![CDATA[this is a test]]></Content>
   <MsgId>1234567890123456</MsgId>
</xml>";
const MINI_TEXT_JSON: &str = r#"{
  "ToUserName": "toUser",
  "FromUserName": "fromUser",
  "CreateTime": 1482048670,
  "MsgType": "text",
  "Content": "this is a test",
  "MsgId": 1234567890123456
}"#;

#[test]
fn official_mini_text_in_xml_and_json() {
    let a = parse_mini(MINI_TEXT_XML).unwrap();
    let b = parse_mini(MINI_TEXT_JSON).unwrap();
    assert_eq!(a, b);
    assert_eq!(a.event_type(), "mini.message.text");
    assert_eq!(
        b.to_normalized_json(),
        json!({
            "to_user_name": "toUser",
            "from_user_name": "fromUser",
            "create_time": 1482048670,
            "msg_type": "text",
            "msg_id": "1234567890123456",
            "content": "this is a test",
            "extra": {}
        })
    );
}

#[test]
fn official_mini_image_page_and_session_event() {
    let image = r#"{"ToUserName":"toUser","FromUserName":"fromUser","CreateTime":1482048670,"MsgType":"image","PicUrl":"this is a url","MediaId":"media_id","MsgId":1234567890123456}"#;
    let MiniMessage::Message(m) = parse_mini(image).unwrap() else {
        panic!()
    };
    assert_eq!(
        m.content,
        Content::Image {
            pic_url: Some("this is a url".into()),
            media_id: Some("media_id".into())
        }
    );

    let page = r#"{"ToUserName":"toUser","FromUserName":"fromUser","CreateTime":1482048670,"MsgType":"miniprogrampage","MsgId":1234567890123456,"Title":"title","AppId":"appid","PagePath":"path","ThumbUrl":"","ThumbMediaId":""}"#;
    let msg = parse_mini(page).unwrap();
    assert_eq!(msg.event_type(), "mini.message.miniprogrampage");
    let MiniMessage::Message(m) = &msg else {
        panic!()
    };
    assert_eq!(
        m.content,
        Content::MiniProgramPage {
            title: Some("title".into()),
            app_id: Some("appid".into()),
            page_path: Some("path".into()),
            thumb_url: None,
            thumb_media_id: None
        }
    );
    let page_xml = "<xml><ToUserName><![CDATA[toUser]]></ToUserName><FromUserName><![CDATA[fromUser]]></FromUserName><CreateTime>1482048670</CreateTime><MsgType><![CDATA[miniprogrampage]]></MsgType><MsgId>1234567890123456</MsgId><Title><![CDATA[title]]></Title><AppId><![CDATA[appid]]></AppId><PagePath><![CDATA[path]]></PagePath><ThumbUrl><![CDATA[]]></ThumbUrl><ThumbMediaId><![CDATA[]]></ThumbMediaId></xml>";
    assert_eq!(parse_mini(page_xml).unwrap(), msg);

    let enter = r#"{"ToUserName":"toUser","FromUserName":"fromUser","CreateTime":1482048670,"MsgType":"event","Event":"user_enter_tempsession","SessionFrom":"sessionFrom"}"#;
    let msg = parse_mini(enter).unwrap();
    assert_eq!(msg.event_type(), "mini.event.user_enter_tempsession");
    assert!(matches!(
        &msg,
        MiniMessage::Event { event: MiniEvent::UserEnterTempsession { session_from }, .. }
            if session_from.as_deref() == Some("sessionFrom")
    ));
    assert_eq!(
        msg.to_normalized_json(),
        json!({
            "to_user_name": "toUser",
            "from_user_name": "fromUser",
            "create_time": 1482048670,
            "msg_type": "event",
            "event": "user_enter_tempsession",
            "session_from": "sessionFrom",
            "extra": {}
        })
    );
}

#[test]
fn mini_unknown_push_keeps_every_field() {
    // A subscription-message event pushed to the same URL: not modelled, kept whole.
    let json = r#"{"ToUserName":"gh_123","FromUserName":"o7esq5","CreateTime":1620963428,"MsgType":"event","Event":"subscribe_msg_popup_event","List":{"TemplateId":"hD-ixGOhYmUfjOnI8MCzQMPshzGVeux_2vBgHiB8","SubscribeStatusString":"accept","PopupScene":"0"}}"#;
    let msg = parse_mini(json).unwrap();
    assert_eq!(msg.event_type(), "mini.event.subscribe_msg_popup_event");
    let MiniMessage::Event { extra, .. } = &msg else {
        panic!()
    };
    assert_eq!(
        extra.get("List").unwrap()["SubscribeStatusString"],
        json!("accept")
    );

    let odd = r#"{"ToUserName":"gh_123","FromUserName":"o","CreateTime":1,"MsgType":"hologram","X":[1,2]}"#;
    let MiniMessage::Unknown {
        msg_type, fields, ..
    } = parse_mini(odd).unwrap()
    else {
        panic!()
    };
    assert_eq!(msg_type, "hologram");
    assert_eq!(fields.get("X"), Some(&json!([1, 2])));
    assert_eq!(fields.len(), 5);
}

#[test]
fn mp_and_mini_malformed_inputs_are_errors() {
    assert_eq!(
        parse_mp("<xml><ToUserName>t</ToUserName></xml>").unwrap_err(),
        MessageError::MissingField("MsgType")
    );
    assert_eq!(
        parse_mini(r#"{"ToUserName":"t","MsgType":"text","CreateTime":"x"}"#).unwrap_err(),
        MessageError::NotANumber {
            field: "CreateTime".into(),
            value: "x".into()
        }
    );
    assert_eq!(
        parse_mini("\"text\"").unwrap_err(),
        MessageError::UnknownFormat
    );
    assert_eq!(
        parse_mini("[]").unwrap_err(),
        MessageError::NotAnObject("an array")
    );
}
