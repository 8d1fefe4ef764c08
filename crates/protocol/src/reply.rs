//! Passive replies: the message a callback's HTTP response may carry back to the user.
//!
//! A business backend answers a delivered message with a small JSON object (see
//! [`Reply::from_json`]); the gateway turns it into the platform's XML with [`Reply::to_xml`]
//! (then encrypts it). Formats: WeCom developer.work.weixin.qq.com path/90241 (被动回复消息格式:
//! text, image, voice, video, news, update_button) and the Official Account passive-reply doc
//! (same XML, plus `transfer_customer_service` with optional `TransInfo/KfAccount`). Mini
//! Programs configured for JSON accept only `transfer_customer_service` as a passive reply
//! ([`Reply::to_mp_json`]).
//!
//! All text goes into CDATA sections; a `]]>` inside a value is split across two sections, and
//! characters XML 1.0 forbids (control characters other than tab, CR, LF) are dropped, so the
//! output is always well-formed.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// Most articles a news reply may carry (WeCom allows 8; Official Accounts now show 1).
pub const MAX_ARTICLES: usize = 8;

/// A passive reply.
///
/// Business backends send it as JSON tagged by `type` (snake_case), with the fields below:
///
/// ```json
/// {"type":"text","content":"hello"}
/// {"type":"image","media_id":"MEDIA_ID"}
/// {"type":"voice","media_id":"MEDIA_ID"}
/// {"type":"video","media_id":"MEDIA_ID","title":"optional","description":"optional"}
/// {"type":"news","articles":[{"title":"T","description":"D","pic_url":"https://…","url":"https://…"}]}
/// {"type":"transfer_customer_service","kf_account":"optional kf@account"}
/// {"type":"update_button","replace_name":"Done"}
/// ```
///
/// Unknown `type`s and unknown fields are refused, so a typo is reported rather than ignored.
///
/// ```
/// use wxgate_protocol::reply::Reply;
///
/// let reply = Reply::from_json(serde_json::json!({"type": "text", "content": "hi ]]> there"}))?;
/// assert_eq!(
///     reply.to_xml("zhangsan", "ww1", 1348831860),
///     "<xml><ToUserName><![CDATA[zhangsan]]></ToUserName><FromUserName><![CDATA[ww1]]></FromUserName>\
///      <CreateTime>1348831860</CreateTime><MsgType><![CDATA[text]]></MsgType>\
///      <Content><![CDATA[hi ]]]]><![CDATA[> there]]></Content></xml>"
/// );
/// # Ok::<(), wxgate_protocol::reply::ReplyError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum Reply {
    /// A text message (WeCom truncates beyond 2048 bytes).
    Text {
        /// The text.
        content: String,
    },
    /// An image, by uploaded media id.
    Image {
        /// Media id.
        media_id: String,
    },
    /// A voice message, by uploaded media id.
    Voice {
        /// Media id.
        media_id: String,
    },
    /// A video, by uploaded media id.
    Video {
        /// Media id.
        media_id: String,
        /// Title (optional).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        title: Option<String>,
        /// Description (optional).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        description: Option<String>,
    },
    /// News (图文): 1 to [`MAX_ARTICLES`] articles.
    News {
        /// The articles.
        articles: Vec<Article>,
    },
    /// Hand the conversation to the customer-service system (Official Accounts, Mini Programs).
    TransferCustomerService {
        /// A specific customer-service account, or any when absent.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        kf_account: Option<String>,
    },
    /// Update the pressed button of a WeCom template card (answer to `template_card_event`).
    UpdateButton {
        /// The button's new label.
        replace_name: String,
    },
}

/// One article of a news reply.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Article {
    /// Title.
    pub title: String,
    /// Description.
    #[serde(default)]
    pub description: String,
    /// Picture URL.
    #[serde(default)]
    pub pic_url: String,
    /// Link opened on tap.
    #[serde(default)]
    pub url: String,
}

/// Why a business backend's reply was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReplyError {
    /// Not the documented shape.
    #[error(
        "passive reply is not of the documented shape ({0}); expected e.g. {{\"type\":\"text\",\"content\":\"…\"}}"
    )]
    Shape(String),
    /// A news reply with no articles or too many.
    #[error("a news reply needs 1 to {MAX_ARTICLES} articles, got {0}")]
    ArticleCount(usize),
    /// A required value is empty.
    #[error("passive reply field `{0}` must not be empty")]
    Empty(&'static str),
    /// The reply type cannot be sent in this format.
    #[error(
        "a `{0}` reply cannot be sent as a Mini Program JSON reply; only transfer_customer_service can"
    )]
    NotInJson(&'static str),
}

impl Reply {
    /// Reads a business backend's reply (shape in the type's docs) and checks it.
    pub fn from_json(value: Value) -> Result<Reply, ReplyError> {
        let reply: Reply =
            serde_json::from_value(value).map_err(|e| ReplyError::Shape(e.to_string()))?;
        reply.validate()?;
        Ok(reply)
    }

    /// The documented limits: non-empty media ids, labels and text; 1..=8 articles.
    pub fn validate(&self) -> Result<(), ReplyError> {
        let non_empty = |value: &str, name: &'static str| {
            if value.trim().is_empty() {
                Err(ReplyError::Empty(name))
            } else {
                Ok(())
            }
        };
        match self {
            Reply::Text { content } => non_empty(content, "content"),
            Reply::Image { media_id }
            | Reply::Voice { media_id }
            | Reply::Video { media_id, .. } => non_empty(media_id, "media_id"),
            Reply::News { articles } => {
                if articles.is_empty() || articles.len() > MAX_ARTICLES {
                    return Err(ReplyError::ArticleCount(articles.len()));
                }
                articles
                    .iter()
                    .try_for_each(|a| non_empty(&a.title, "articles[].title"))
            }
            Reply::TransferCustomerService { .. } => Ok(()),
            Reply::UpdateButton { replace_name } => non_empty(replace_name, "replace_name"),
        }
    }

    /// The wire `MsgType`.
    pub fn msg_type(&self) -> &'static str {
        match self {
            Reply::Text { .. } => "text",
            Reply::Image { .. } => "image",
            Reply::Voice { .. } => "voice",
            Reply::Video { .. } => "video",
            Reply::News { .. } => "news",
            Reply::TransferCustomerService { .. } => "transfer_customer_service",
            Reply::UpdateButton { .. } => "update_button",
        }
    }

    /// The reply as the platform's plaintext XML (before encryption). `to_user` is the sender of
    /// the message being answered (its `FromUserName`), `from_user` its `ToUserName`.
    /// Limits are checked by [`Reply::validate`] (done by [`Reply::from_json`]), not here.
    pub fn to_xml(&self, to_user: &str, from_user: &str, create_time: u64) -> String {
        let mut x = String::with_capacity(256);
        x.push_str("<xml>");
        cdata(&mut x, "ToUserName", to_user);
        cdata(&mut x, "FromUserName", from_user);
        x.push_str(&format!("<CreateTime>{create_time}</CreateTime>"));
        cdata(&mut x, "MsgType", self.msg_type());
        match self {
            Reply::Text { content } => cdata(&mut x, "Content", content),
            Reply::Image { media_id } => {
                x.push_str("<Image>");
                cdata(&mut x, "MediaId", media_id);
                x.push_str("</Image>");
            }
            Reply::Voice { media_id } => {
                x.push_str("<Voice>");
                cdata(&mut x, "MediaId", media_id);
                x.push_str("</Voice>");
            }
            Reply::Video {
                media_id,
                title,
                description,
            } => {
                x.push_str("<Video>");
                cdata(&mut x, "MediaId", media_id);
                if let Some(title) = title {
                    cdata(&mut x, "Title", title);
                }
                if let Some(description) = description {
                    cdata(&mut x, "Description", description);
                }
                x.push_str("</Video>");
            }
            Reply::News { articles } => {
                x.push_str(&format!("<ArticleCount>{}</ArticleCount>", articles.len()));
                x.push_str("<Articles>");
                for a in articles {
                    x.push_str("<item>");
                    cdata(&mut x, "Title", &a.title);
                    cdata(&mut x, "Description", &a.description);
                    cdata(&mut x, "PicUrl", &a.pic_url);
                    cdata(&mut x, "Url", &a.url);
                    x.push_str("</item>");
                }
                x.push_str("</Articles>");
            }
            Reply::TransferCustomerService { kf_account } => {
                if let Some(account) = kf_account {
                    x.push_str("<TransInfo>");
                    cdata(&mut x, "KfAccount", account);
                    x.push_str("</TransInfo>");
                }
            }
            Reply::UpdateButton { replace_name } => {
                x.push_str("<Button>");
                cdata(&mut x, "ReplaceName", replace_name);
                x.push_str("</Button>");
            }
        }
        x.push_str("</xml>");
        x
    }

    /// The reply for a Mini Program configured for JSON: only `transfer_customer_service` is a
    /// documented passive reply there; anything else must go through the customer-service API.
    pub fn to_mp_json(
        &self,
        to_user: &str,
        from_user: &str,
        create_time: u64,
    ) -> Result<Value, ReplyError> {
        match self {
            Reply::TransferCustomerService { kf_account } => {
                let mut reply = json!({
                    "ToUserName": to_user,
                    "FromUserName": from_user,
                    "CreateTime": create_time,
                    "MsgType": "transfer_customer_service",
                });
                if let Some(account) = kf_account {
                    reply["TransInfo"] = json!({ "KfAccount": account });
                }
                Ok(reply)
            }
            other => Err(ReplyError::NotInJson(other.msg_type())),
        }
    }
}

/// Appends `<name><![CDATA[value]]></name>`, splitting any `]]>` and dropping characters XML 1.0
/// does not allow.
fn cdata(out: &mut String, name: &str, value: &str) {
    out.push('<');
    out.push_str(name);
    out.push_str("><![CDATA[");
    let clean: String = value.chars().filter(|c| is_xml_char(*c)).collect();
    out.push_str(&clean.replace("]]>", "]]]]><![CDATA[>"));
    out.push_str("]]></");
    out.push_str(name);
    out.push('>');
}

fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..='\u{10FFFF}')
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::xml;

    fn xml_of(reply: &Reply) -> String {
        reply.to_xml("toUser", "fromUser", 1348831860)
    }

    // Expected XML: developer.work.weixin.qq.com path/90241 (被动回复消息格式: text, image, voice,
    // video, news, update_button) and the Official Account passive-reply page (same XML, plus
    // transfer_customer_service with TransInfo/KfAccount), written without whitespace.
    const HEAD: &str = "<xml><ToUserName><![CDATA[toUser]]></ToUserName><FromUserName><![CDATA[fromUser]]></FromUserName><CreateTime>1348831860</CreateTime>";

    #[test]
    fn text_reply_matches_the_documented_xml() {
        let r = Reply::Text {
            content: "this is a test".into(),
        };
        assert_eq!(
            xml_of(&r),
            format!(
                "{HEAD}<MsgType><![CDATA[text]]></MsgType><Content><![CDATA[this is a test]]></Content></xml>"
            )
        );
    }

    #[test]
    fn media_replies_match_the_documented_xml() {
        let image = Reply::Image {
            media_id: "media_id".into(),
        };
        assert_eq!(
            xml_of(&image),
            format!(
                "{HEAD}<MsgType><![CDATA[image]]></MsgType><Image><MediaId><![CDATA[media_id]]></MediaId></Image></xml>"
            )
        );
        let voice = Reply::Voice {
            media_id: "media_id".into(),
        };
        assert_eq!(
            xml_of(&voice),
            format!(
                "{HEAD}<MsgType><![CDATA[voice]]></MsgType><Voice><MediaId><![CDATA[media_id]]></MediaId></Voice></xml>"
            )
        );
        let video = Reply::Video {
            media_id: "media_id".into(),
            title: Some("title".into()),
            description: Some("description".into()),
        };
        assert_eq!(
            xml_of(&video),
            format!(
                "{HEAD}<MsgType><![CDATA[video]]></MsgType><Video><MediaId><![CDATA[media_id]]></MediaId><Title><![CDATA[title]]></Title><Description><![CDATA[description]]></Description></Video></xml>"
            )
        );
        let bare_video = Reply::Video {
            media_id: "m".into(),
            title: None,
            description: None,
        };
        assert!(xml_of(&bare_video).contains("<Video><MediaId><![CDATA[m]]></MediaId></Video>"));
    }

    #[test]
    fn news_transfer_and_button_replies_match_the_documented_xml() {
        let news = Reply::News {
            articles: vec![Article {
                title: "title1".into(),
                description: "description1".into(),
                pic_url: "picurl".into(),
                url: "url".into(),
            }],
        };
        assert_eq!(
            xml_of(&news),
            format!(
                "{HEAD}<MsgType><![CDATA[news]]></MsgType><ArticleCount>1</ArticleCount><Articles><item><Title><![CDATA[title1]]></Title><Description><![CDATA[description1]]></Description><PicUrl><![CDATA[picurl]]></PicUrl><Url><![CDATA[url]]></Url></item></Articles></xml>"
            )
        );
        let transfer = Reply::TransferCustomerService { kf_account: None };
        assert_eq!(
            xml_of(&transfer),
            format!("{HEAD}<MsgType><![CDATA[transfer_customer_service]]></MsgType></xml>")
        );
        let to_kf = Reply::TransferCustomerService {
            kf_account: Some("test1@test".into()),
        };
        assert_eq!(
            xml_of(&to_kf),
            format!(
                "{HEAD}<MsgType><![CDATA[transfer_customer_service]]></MsgType><TransInfo><KfAccount><![CDATA[test1@test]]></KfAccount></TransInfo></xml>"
            )
        );
        let button = Reply::UpdateButton {
            replace_name: "ReplaceName".into(),
        };
        assert_eq!(
            xml_of(&button),
            format!(
                "{HEAD}<MsgType><![CDATA[update_button]]></MsgType><Button><ReplaceName><![CDATA[ReplaceName]]></ReplaceName></Button></xml>"
            )
        );
    }

    #[test]
    fn cdata_terminators_and_control_characters_are_made_safe() {
        let nasty = "a]]>b<c>&d]]]]>e\u{0}\u{1b}f";
        let r = Reply::Text {
            content: nasty.into(),
        };
        let out = xml_of(&r);
        let doc = xml::parse(&out, &xml::Limits::default()).unwrap();
        assert_eq!(doc.child_text("Content"), Some("a]]>b<c>&d]]]]>ef"));
        // A hostile user id cannot inject elements either.
        let out = r.to_xml("x]]></ToUserName><Evil/><a><![CDATA[", "f", 1);
        let doc = xml::parse(&out, &xml::Limits::default()).unwrap();
        assert!(doc.child("Evil").is_none());
        assert_eq!(
            doc.child_text("ToUserName"),
            Some("x]]></ToUserName><Evil/><a><![CDATA[")
        );
    }

    #[test]
    fn every_reply_round_trips_through_the_xml_reader() {
        let replies = [
            Reply::Text {
                content: "你好 ]]> <b>".into(),
            },
            Reply::Image {
                media_id: "m1".into(),
            },
            Reply::Voice {
                media_id: "m2".into(),
            },
            Reply::Video {
                media_id: "m3".into(),
                title: Some("t".into()),
                description: Some("d".into()),
            },
            Reply::News {
                articles: vec![
                    Article {
                        title: "a".into(),
                        ..Article::default()
                    },
                    Article {
                        title: "b".into(),
                        url: "https://e.x/?a=1&b=2".into(),
                        ..Article::default()
                    },
                ],
            },
            Reply::TransferCustomerService {
                kf_account: Some("kf@x".into()),
            },
            Reply::UpdateButton {
                replace_name: "done".into(),
            },
        ];
        for reply in replies {
            let out = reply.to_xml("u", "corp", 42);
            let doc = xml::parse(&out, &xml::Limits::default()).unwrap();
            assert_eq!(doc.child_text("MsgType"), Some(reply.msg_type()));
            assert_eq!(doc.child_text("ToUserName"), Some("u"));
            assert_eq!(doc.child_text("CreateTime"), Some("42"));
            match &reply {
                Reply::Text { content } => {
                    assert_eq!(doc.child_text("Content"), Some(content.as_str()))
                }
                Reply::News { articles } => {
                    assert_eq!(doc.child_text("ArticleCount"), Some("2"));
                    let items = &doc.child("Articles").unwrap().children;
                    assert_eq!(items.len(), articles.len());
                    assert_eq!(items[1].child_text("Url"), Some("https://e.x/?a=1&b=2"));
                }
                Reply::UpdateButton { replace_name } => assert_eq!(
                    doc.child("Button").unwrap().child_text("ReplaceName"),
                    Some(replace_name.as_str())
                ),
                _ => {}
            }
        }
    }

    #[test]
    fn reads_the_backend_reply_shape() {
        assert_eq!(
            Reply::from_json(json!({"type":"text","content":"hi"})).unwrap(),
            Reply::Text {
                content: "hi".into()
            }
        );
        assert_eq!(
            Reply::from_json(json!({"type":"video","media_id":"m"})).unwrap(),
            Reply::Video {
                media_id: "m".into(),
                title: None,
                description: None
            }
        );
        assert_eq!(
            Reply::from_json(json!({"type":"news","articles":[{"title":"T","url":"U"}]})).unwrap(),
            Reply::News {
                articles: vec![Article {
                    title: "T".into(),
                    url: "U".into(),
                    ..Article::default()
                }]
            }
        );
        assert_eq!(
            Reply::from_json(json!({"type":"transfer_customer_service"})).unwrap(),
            Reply::TransferCustomerService { kf_account: None }
        );
        assert_eq!(
            Reply::from_json(json!({"type":"update_button","replace_name":"OK"})).unwrap(),
            Reply::UpdateButton {
                replace_name: "OK".into()
            }
        );
        // Serialising gives the same shape back.
        let r = Reply::Image {
            media_id: "m".into(),
        };
        assert_eq!(
            serde_json::to_value(&r).unwrap(),
            json!({"type":"image","media_id":"m"})
        );
    }

    #[test]
    fn refuses_malformed_backend_replies() {
        assert!(matches!(
            Reply::from_json(json!({"type":"markdown","content":"x"})),
            Err(ReplyError::Shape(_))
        ));
        assert!(matches!(
            Reply::from_json(json!({"type":"text","contnet":"x"})),
            Err(ReplyError::Shape(_))
        ));
        assert!(matches!(
            Reply::from_json(json!(["text"])),
            Err(ReplyError::Shape(_))
        ));
        assert_eq!(
            Reply::from_json(json!({"type":"text","content":"  "})),
            Err(ReplyError::Empty("content"))
        );
        assert_eq!(
            Reply::from_json(json!({"type":"news","articles":[]})),
            Err(ReplyError::ArticleCount(0))
        );
        let nine: Vec<Value> = (0..9).map(|i| json!({"title": i.to_string()})).collect();
        assert_eq!(
            Reply::from_json(json!({"type":"news","articles":nine})),
            Err(ReplyError::ArticleCount(9))
        );
    }

    proptest::proptest! {
        #[test]
        fn any_text_round_trips_through_the_xml_reader(
            content in proptest::prelude::any::<String>(),
            to in "[ -~\r\n\t]{0,40}",
        ) {
            let out = Reply::Text { content: content.clone() }.to_xml(&to, "corp", 7);
            let doc = xml::parse(&out, &xml::Limits::default()).unwrap();
            let expected: String = content.chars().filter(|c| is_xml_char(*c)).collect();
            proptest::prop_assert_eq!(doc.child_text("Content"), Some(expected.as_str()));
            proptest::prop_assert_eq!(doc.child_text("ToUserName"), Some(to.as_str()));
        }
    }

    #[test]
    fn line_breaks_survive_the_round_trip() {
        let out = Reply::Text {
            content: "a\r\nb\rc".into(),
        }
        .to_xml("u", "c", 1);
        let doc = xml::parse(&out, &xml::Limits::default()).unwrap();
        assert_eq!(doc.child_text("Content"), Some("a\r\nb\rc"));
    }

    #[test]
    fn mini_program_json_reply_is_transfer_only() {
        let r = Reply::TransferCustomerService { kf_account: None };
        assert_eq!(
            r.to_mp_json("openid", "gh_1", 1482048670).unwrap(),
            json!({"ToUserName":"openid","FromUserName":"gh_1","CreateTime":1482048670,"MsgType":"transfer_customer_service"})
        );
        assert_eq!(
            Reply::Text {
                content: "x".into()
            }
            .to_mp_json("a", "b", 1),
            Err(ReplyError::NotInJson("text"))
        );
    }
}
