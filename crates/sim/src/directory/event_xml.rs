//! The decrypted XML of the `change_contact` callback a [`DirectoryChange`] stands for, laid out
//! like the official samples (NOTES.md §5.2), ready to be encrypted and pushed by the simulator.
//!
//! Numbers the samples send bare (`ChangeType`, `MainDepartment`, `Mobile`, `Gender`, `Status`,
//! `Id`, `Order`, `TagId`) stay bare; other values are CDATA. Empty values are left out.
//! `ExtAttr` is rendered as the samples' `<Item>` list (text and web attributes).

use serde_json::Value;

use super::change::DirectoryChange;

/// Elements the official samples send without CDATA.
const BARE: [&str; 8] = [
    "MainDepartment",
    "Mobile",
    "Gender",
    "Status",
    "Id",
    "Order",
    "TagId",
    "CreateTime",
];

fn push_cdata(out: &mut String, text: &str) {
    out.push_str("<![CDATA[");
    // A CDATA section cannot contain "]]>": split it across two sections.
    out.push_str(&text.replace("]]>", "]]]]><![CDATA[>"));
    out.push_str("]]>");
}

fn push_element(out: &mut String, name: &str, text: &str) {
    out.push('<');
    out.push_str(name);
    out.push('>');
    let bare = BARE.contains(&name) && text.bytes().all(|b| b.is_ascii_digit());
    if bare {
        out.push_str(text);
    } else {
        push_cdata(out, text);
    }
    out.push_str("</");
    out.push_str(name);
    out.push('>');
}

fn push_ext_attr(out: &mut String, extattr: &Value) {
    let Some(attrs) = extattr["attrs"].as_array().filter(|a| !a.is_empty()) else {
        return;
    };
    out.push_str("<ExtAttr>");
    for attr in attrs {
        let name = attr["name"].as_str().unwrap_or_default();
        let kind = attr["type"].as_u64().unwrap_or(0);
        out.push_str("<Item>");
        push_element(out, "Name", name);
        out.push_str(&format!("<Type>{kind}</Type>"));
        if kind == 1 {
            out.push_str("<Web>");
            push_element(
                out,
                "Title",
                attr["web"]["title"].as_str().unwrap_or_default(),
            );
            push_element(out, "Url", attr["web"]["url"].as_str().unwrap_or_default());
            out.push_str("</Web>");
        } else {
            out.push_str("<Text>");
            push_element(
                out,
                "Value",
                attr["text"]["value"].as_str().unwrap_or_default(),
            );
            out.push_str("</Text>");
        }
        out.push_str("</Item>");
    }
    out.push_str("</ExtAttr>");
}

impl DirectoryChange {
    /// The callback plaintext: `<xml>` with `ToUserName` (the corp id), `FromUserName` `sys`,
    /// `CreateTime`, `MsgType` event, `Event` change_contact, `ChangeType` and the event fields.
    pub fn to_xml(&self, to_user_name: &str, create_time: u64) -> String {
        let mut out = String::with_capacity(512);
        out.push_str("<xml>");
        push_element(&mut out, "ToUserName", to_user_name);
        push_element(&mut out, "FromUserName", "sys");
        push_element(&mut out, "CreateTime", &create_time.to_string());
        push_element(&mut out, "MsgType", "event");
        push_element(&mut out, "Event", "change_contact");
        out.push_str("<ChangeType>");
        out.push_str(self.change_type());
        out.push_str("</ChangeType>");
        for (name, value) in self.event_fields() {
            push_element(&mut out, name, &value);
        }
        if let DirectoryChange::CreateUser { member } | DirectoryChange::UpdateUser { member, .. } =
            self
        {
            push_ext_attr(&mut out, &member.extattr);
        }
        out.push_str("</xml>");
        out
    }
}
