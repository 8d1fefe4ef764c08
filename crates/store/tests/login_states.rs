//! Browser logins in progress on both backends: a state is bound to the browser that started
//! it, usable once, and refused after its expiry.

mod common;

on_both_backends!(state_is_browser_bound_single_use_and_expires);

mod cases {
    use std::sync::Arc;

    use wxgate_store::{NewLoginState, TakenLogin};

    use crate::common::TestDb;

    fn login(browser: &str, ttl_ms: i64) -> NewLoginState {
        NewLoginState {
            browser: browser.into(),
            flow: "wechat_oauth".into(),
            app: "news".into(),
            return_to: "/oauth2/authorize?client_id=a".into(),
            ttl_ms,
        }
    }

    pub async fn state_is_browser_bound_single_use_and_expires(db: Arc<TestDb>) {
        let store = db.store().await;
        let state = store.start_login(&login("nonce-a", 60_000)).await.unwrap();
        assert_eq!(state.len(), 64);
        let other = store.start_login(&login("nonce-a", 60_000)).await.unwrap();
        assert_ne!(state, other, "every login gets its own state");

        // Another browser, or none, cannot use it, and does not burn it.
        assert_eq!(
            store.take_login(&state, Some("nonce-b")).await.unwrap(),
            TakenLogin::OtherBrowser
        );
        assert_eq!(
            store.take_login(&state, None).await.unwrap(),
            TakenLogin::OtherBrowser
        );
        assert_eq!(
            store.take_login("nope", Some("nonce-a")).await.unwrap(),
            TakenLogin::Unknown
        );

        // The right browser takes it once.
        let TakenLogin::Taken(taken) = store.take_login(&state, Some("nonce-a")).await.unwrap()
        else {
            panic!("not taken")
        };
        assert_eq!(taken.state, state);
        assert_eq!(
            (taken.flow.as_str(), taken.app.as_str()),
            ("wechat_oauth", "news")
        );
        assert_eq!(taken.return_to, "/oauth2/authorize?client_id=a");
        assert!(taken.expires_at > taken.created_at);
        assert_eq!(
            store.take_login(&state, Some("nonce-a")).await.unwrap(),
            TakenLogin::Used
        );

        // An expired one is refused; the cookie value itself is never stored.
        let expired = store.start_login(&login("nonce-c", -1)).await.unwrap();
        assert_eq!(
            store.take_login(&expired, Some("nonce-c")).await.unwrap(),
            TakenLogin::Expired
        );
        let browsers = db.raw_texts("SELECT browser FROM login_states").await;
        assert_eq!(browsers.len(), 3);
        assert!(
            browsers
                .iter()
                .all(|b| b.as_deref().is_some_and(|b| !b.contains("nonce")))
        );

        // Concurrent callbacks with one state: exactly one wins.
        let state = store.start_login(&login("nonce-d", 60_000)).await.unwrap();
        let (a, b) = tokio::join!(
            store.take_login(&state, Some("nonce-d")),
            store.take_login(&state, Some("nonce-d"))
        );
        let wins = [a.unwrap(), b.unwrap()]
            .iter()
            .filter(|t| matches!(t, TakenLogin::Taken(_)))
            .count();
        assert_eq!(wins, 1);
    }
}
