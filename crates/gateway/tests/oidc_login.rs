//! The whole thing as a business app sees it, on SQLite and PostgreSQL: a real OIDC client
//! library (`openidconnect`) discovers wxgate, sends a WeCom member's browser to the authorize
//! endpoint, wxgate sends it through `/login` — WeCom OAuth on the simulator's page, the member
//! consents — and back, the code is exchanged with PKCE, the ID token validated against the
//! JWKS, userinfo read, the tokens refreshed.

mod common;
mod login_common;
mod oidc_env;

gateway_on_both_backends!(wecom_member_signs_in_to_a_business_app_through_login);

mod cases {
    use std::sync::Arc;

    use openidconnect::core::{
        CoreAuthenticationFlow, CoreClient, CoreProviderMetadata, CoreUserInfoClaims,
    };
    use openidconnect::{
        AuthorizationCode, ClientId, ClientSecret, CsrfToken, IssuerUrl, Nonce,
        OAuth2TokenResponse, PkceCodeChallenge, RedirectUrl, Scope, TokenResponse,
    };
    use reqwest::StatusCode;
    use serde_json::json;

    use crate::common::TestDb;
    use crate::login_common::{CORP, DESKTOP_UA, Env, LOGIN, PUBLIC, WECOM_UA, query_value};
    use crate::oidc_env::mapped_http_client;

    const SECRET: &str = "crm-oidc-secret-0123456789";
    const CALLBACK: &str = "https://app.example.test/oidc/callback";

    pub async fn wecom_member_signs_in_to_a_business_app_through_login(db: Arc<TestDb>) {
        let oidc = format!(
            "\n[oidc]\n[[oidc.clients]]\nclient_id = \"crm-web\"\nclient_secret = \"{SECRET}\"\nredirect_uris = [\"{CALLBACK}\"]\n"
        );
        let env = Env::with_login(db, &format!("{LOGIN}{oidc}")).await;
        let http = mapped_http_client(Some((PUBLIC.to_owned(), env.gateway.base_url.clone())));
        let metadata =
            CoreProviderMetadata::discover_async(IssuerUrl::new(PUBLIC.into()).unwrap(), &http)
                .await
                .expect("discovery at the public URL");
        let client = CoreClient::from_provider_metadata(
            metadata,
            ClientId::new("crm-web".into()),
            Some(ClientSecret::new(SECRET.into())),
        )
        .set_redirect_uri(RedirectUrl::new(CALLBACK.into()).unwrap());
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let (auth_url, csrf, nonce) = client
            .authorize_url(
                CoreAuthenticationFlow::AuthorizationCode,
                CsrfToken::new_random,
                Nonce::new_random,
            )
            .add_scope(Scope::new("profile".into()))
            .add_scope(Scope::new("email".into()))
            .add_scope(Scope::new("phone".into()))
            .add_scope(Scope::new("identities".into()))
            .set_pkce_challenge(challenge)
            .url();

        // The member opens the app in WeCom: authorize → /login → WeCom OAuth → back.
        let browser = env.browser(WECOM_UA);
        let page = browser.get(auth_url.as_str()).await;
        assert_eq!(page.status, StatusCode::FOUND, "{}", page.body);
        let login = page.location().to_owned();
        assert!(login.starts_with("/login?return_to="), "{login}");
        let back = browser.login(&login, "sim_user=u-zhang").await;
        assert_eq!(back.status, StatusCode::FOUND, "{}", back.body);
        let return_to = back.location().to_owned();
        assert!(return_to.contains("/oidc/authorize?"), "{return_to}");
        let page = browser.get(&return_to).await;
        assert_eq!(page.status, StatusCode::FOUND, "{}", page.body);
        let redirect = page.location().to_owned();
        assert!(redirect.starts_with(CALLBACK), "{redirect}");
        assert_eq!(
            query_value(&redirect, "state").as_deref(),
            Some(csrf.secret().as_str())
        );
        let code = query_value(&redirect, "code").expect("a code");

        let tokens = client
            .exchange_code(AuthorizationCode::new(code))
            .unwrap()
            .set_pkce_verifier(verifier)
            .request_async(&http)
            .await
            .expect("code exchange");
        let id_token = tokens.id_token().expect("an ID token");
        let claims = id_token
            .claims(&client.id_token_verifier(), &nonce)
            .expect("ID token verifies");
        let sub = claims.subject().as_str().to_owned();
        assert!(
            sub.starts_with("usr_"),
            "sub is the wxgate user, not the userid: {sub}"
        );
        assert_eq!(
            claims.name().and_then(|n| n.get(None)).map(|n| n.as_str()),
            Some("张三")
        );
        assert_eq!(
            claims.email().map(|e| e.as_str()),
            Some("u-zhang@acme.test"),
            "consented (snsapi_privateinfo)"
        );
        let info: CoreUserInfoClaims = client
            .user_info(tokens.access_token().clone(), None)
            .unwrap()
            .request_async(&http)
            .await
            .expect("userinfo");
        assert_eq!(info.subject().as_str(), sub);
        assert_eq!(info.phone_number().map(|p| p.as_str()), Some("13800000001"));
        let raw: serde_json::Value = env
            .http
            .get(format!("{}/oidc/userinfo", env.gateway.base_url))
            .bearer_auth(tokens.access_token().secret())
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(
            raw["identities"],
            json!([{"kind": "wecom_user", "scope": CORP, "subject": "u-zhang"}])
        );
        let refreshed = client
            .exchange_refresh_token(tokens.refresh_token().unwrap())
            .unwrap()
            .request_async(&http)
            .await
            .expect("refresh");
        assert_ne!(
            refreshed.access_token().secret(),
            tokens.access_token().secret()
        );

        // Signed in now: the next authorization needs no login, even silently.
        let (challenge, _) = PkceCodeChallenge::new_random_sha256();
        let (again, _, _) = client
            .authorize_url(
                CoreAuthenticationFlow::AuthorizationCode,
                CsrfToken::new_random,
                Nonce::new_random,
            )
            .add_prompt(openidconnect::core::CoreAuthPrompt::None)
            .set_pkce_challenge(challenge)
            .url();
        let page = browser.get(again.as_str()).await;
        assert!(
            page.location().starts_with(CALLBACK) && page.location().contains("code="),
            "{}",
            page.location()
        );

        // A desktop browser with a provider hint: /login gets it and goes to WeCom's page.
        let desktop = env.browser(DESKTOP_UA);
        let (challenge, _) = PkceCodeChallenge::new_random_sha256();
        let (hinted, _, _) = client
            .authorize_url(
                CoreAuthenticationFlow::AuthorizationCode,
                CsrfToken::new_random,
                Nonce::new_random,
            )
            .add_extra_param("provider", "wecom:acme-oa")
            .set_pkce_challenge(challenge)
            .url();
        let page = desktop.get(hinted.as_str()).await;
        let login = page.location().to_owned();
        assert_eq!(
            query_value(&login, "provider").as_deref(),
            Some("wecom:acme-oa")
        );
        let platform = desktop.start(&login).await;
        assert!(
            platform.contains(CORP),
            "the WeCom login of acme: {platform}"
        );
    }
}
