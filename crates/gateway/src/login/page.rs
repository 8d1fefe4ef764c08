//! The few HTML pages a browser login shows (a failure, a signed-out notice): plain,
//! server-rendered, escaped, no scripts, readable on a phone inside WeChat or WeCom.

use axum::http::HeaderMap;
use axum::http::header::ACCEPT;

/// Escapes text for HTML element content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A whole page: `title` as heading, `body` already HTML.
pub fn render(title: &str, body: &str) -> String {
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{t}</title>\
         <style>body{{font-family:system-ui,sans-serif;max-width:36rem;margin:2rem auto;padding:0 1rem;line-height:1.5}}\
         .code{{color:#666;font-size:.9em}}</style></head>\
         <body><h1>{t}</h1>{body}<p class=\"code\">wxgate</p></body></html>",
        t = escape(title)
    )
}

/// Whether the client asked for JSON (`Accept: application/json` preferred over HTML).
pub fn wants_json(headers: &HeaderMap) -> bool {
    let accept = headers
        .get_all(ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect::<Vec<_>>()
        .join(",");
    let mut json_q = None;
    let mut html_q = None;
    for part in accept.split(',') {
        let mut pieces = part.split(';');
        let media = pieces
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase();
        let q = pieces
            .filter_map(|p| p.trim().strip_prefix("q="))
            .find_map(|q| q.parse::<f32>().ok())
            .unwrap_or(1.0);
        match media.as_str() {
            "application/json" => json_q = Some(json_q.map_or(q, |old: f32| old.max(q))),
            "text/html" => html_q = Some(html_q.map_or(q, |old: f32| old.max(q))),
            _ => {}
        }
    }
    match (json_q, html_q) {
        (Some(j), Some(h)) => j > h,
        (Some(j), None) => j > 0.0,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn accept(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(ACCEPT, HeaderValue::from_str(value).unwrap());
        headers
    }

    #[test]
    fn negotiates_json_only_when_preferred() {
        assert!(wants_json(&accept("application/json")));
        assert!(wants_json(&accept("application/json, text/plain, */*")));
        assert!(!wants_json(&accept(
            "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
        )));
        assert!(!wants_json(&accept("text/html, application/json;q=0.5")));
        assert!(wants_json(&accept("text/html;q=0.1, application/json")));
        assert!(!wants_json(&HeaderMap::new()));
        assert!(!wants_json(&accept("*/*")));
    }

    #[test]
    fn escapes_markup() {
        assert_eq!(
            escape("<a href=\"x\">'&'</a>"),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
        let page = render("Login <failed>", "<p>x</p>");
        assert!(page.contains("<title>Login &lt;failed&gt;</title>"));
        assert!(page.contains("<p>x</p>"));
    }
}
