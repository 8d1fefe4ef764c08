//! The event JSON: the contract with business backends. Every webhook delivery, the pull API and
//! the event stream send an event in exactly this shape, built here and nowhere else:
//!
//! `{"id","type","source":{kind, name, corp_id / app_id, agent_id},"received_at","data","raw"}`.

use serde_json::{Map, Value, json};
use wxgate_store::StoredEvent;

use crate::callback::event::derive_data;
use crate::events::timestamp::rfc3339_utc;

/// The public JSON of a stored event. `source` is the stored source object with the app's `name`
/// added when absent; `received_at` is RFC 3339 UTC; `data` is derived from `raw` when it was not
/// stored; `raw` is `null` when withheld or absent. Passive-reply requests send it too.
pub fn event_json(event: &StoredEvent) -> Value {
    let mut source = match &event.source {
        Value::Object(map) => map.clone(),
        Value::Null => Map::new(),
        other => {
            let mut map = Map::new();
            map.insert("value".to_owned(), other.clone());
            map
        }
    };
    source
        .entry("name")
        .or_insert_with(|| Value::String(event.app.clone()));
    json!({
        "id": event.id,
        "type": event.event_type,
        "source": Value::Object(source),
        "received_at": rfc3339_utc(event.received_at),
        "data": data(event),
        // Withheld (credentials) or none (wxgate's own events): null, not an empty string.
        "raw": if event.raw.is_empty() { Value::Null } else { Value::String(event.raw.clone()) },
    })
}

/// The event's `data`: as stored, or derived from `raw` by its source's kind when it was stored
/// without it (`callback::event::derive_data`).
fn data(event: &StoredEvent) -> Value {
    if let Some(data) = &event.data {
        return data.clone();
    }
    event
        .source
        .get("kind")
        .and_then(Value::as_str)
        .and_then(|kind| derive_data(kind, &event.raw))
        .map_or(Value::Null, |text| text.to_value())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shape_of_an_event() {
        let event = StoredEvent {
            seq: 7,
            id: "evt_01".into(),
            app: "hr".into(),
            event_type: "wecom.message.text".into(),
            source: json!({"kind": "wecom_app", "corp_id": "ww1", "agent_id": 1000002}),
            dedup_key: "msg:1".into(),
            received_at: 1_700_000_000_123,
            data: Some(json!({"content": "hi"})),
            raw: "<xml/>".into(),
        };
        assert_eq!(
            event_json(&event),
            json!({
                "id": "evt_01",
                "type": "wecom.message.text",
                "source": {"kind": "wecom_app", "name": "hr", "corp_id": "ww1", "agent_id": 1000002},
                "received_at": "2023-11-14T22:13:20.123Z",
                "data": {"content": "hi"},
                "raw": "<xml/>",
            })
        );
    }

    #[test]
    fn a_stored_name_is_kept() {
        let event = StoredEvent {
            seq: 1,
            id: "evt_02".into(),
            app: "oa".into(),
            event_type: "mp.event.subscribe".into(),
            source: json!({"kind": "official_account", "name": "shop", "app_id": "wx1"}),
            dedup_key: "k".into(),
            received_at: 0,
            data: Some(json!({})),
            raw: String::new(),
        };
        assert_eq!(event_json(&event)["source"]["name"], "shop");
        assert_eq!(event_json(&event)["raw"], Value::Null);
    }
}
