//! What the console shows first: the effective configuration with every secret redacted
//! (`GET /api/v1/config`) and a few counts (`GET /api/v1/overview`).

use std::collections::BTreeMap;

use serde_json::{Value, json};
use wxgate_config::REDACTED;
use wxgate_store::{Backend, StoreError};

use crate::admin::apps::view;
use crate::admin::definition::AppDefinition;
use crate::state::Gateway;

/// The effective configuration: the file's sections and every app (file and API), secrets
/// replaced by `**redacted**`. The `[sim]` section is left out (the gateway ignores it).
pub async fn effective_config(gateway: &Gateway) -> Result<Value, StoreError> {
    let c = &gateway.config;
    let mut apps = Vec::new();
    for stored in gateway.store.list_apps().await? {
        let Ok(def) = AppDefinition::from_stored(&stored) else {
            continue;
        };
        let mut fields = def.redacted();
        fields.insert(
            "source".into(),
            view(c, &stored, false).source.to_owned().into(),
        );
        apps.push(Value::Object(fields));
    }
    Ok(json!({
        "server": {
            "listen": c.server.listen,
            "public_url": c.server.public_url,
            "base_url": c.server.base_url(),
            "admin_keys": c.server.admin_keys.iter().map(|_| REDACTED).collect::<Vec<_>>(),
            "callback_timestamp_window_secs": c.server.callback_timestamp_window_secs,
            "max_body_bytes": c.server.max_body_bytes,
        },
        "storage": { "url": c.storage.redacted_url() },
        "upstream": { "wecom": c.upstream.wecom, "wechat": c.upstream.wechat },
        "webhooks": c.webhooks.iter().map(|w| json!({
            "name": w.name,
            "url": w.url,
            "secret": REDACTED,
            "events": w.events,
            "timeout_ms": w.timeout_ms,
        })).collect::<Vec<_>>(),
        "robots": c.robots.iter().map(|r| json!({ "name": r.name, "key": REDACTED })).collect::<Vec<_>>(),
        "apps": apps,
    }))
}

/// Counts for the console's first page.
pub fn overview(gateway: &Gateway) -> Value {
    let mut by_kind: BTreeMap<&'static str, usize> = BTreeMap::new();
    let apps = gateway.registry.all();
    for app in &apps {
        *by_kind.entry(app.kind.name()).or_default() += 1;
    }
    json!({
        "version": env!("CARGO_PKG_VERSION"),
        "storage": match gateway.store.backend() {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        },
        "apps": { "total": apps.len(), "by_kind": by_kind },
        "webhooks": gateway.config.webhooks.len(),
        "robots": gateway.config.robots.len(),
    })
}
