//! wxgate as an OpenID Connect provider, end to end over real HTTP on SQLite and PostgreSQL.
//!
//! A real OIDC client library — the `openidconnect` crate, used as any business app would —
//! discovers wxgate, runs the authorization-code flow with PKCE for a WeCom member signed in to
//! wxgate, validates the ID token against the JWKS (RS256 and ES256 clients), refreshes and calls
//! userinfo. Then the failures: used codes, foreign redirect URIs, missing or wrong PKCE
//! verifiers, refresh-token reuse, revoked tokens, logout to a foreign URI; key rotation; the
//! clients admin API; the token endpoint's rate limit.
//!
//! Until the browser login flows land, the person is signed in in-process (the WeCom login's
//! `sign_in` + `start_session`) and the browser carries that session cookie back to the
//! `return_to` that the authorize endpoint gave `/login`.

mod common;
mod oidc_env;

gateway_on_both_backends!(
    code_flow_with_a_real_oidc_client,
    es256_public_client_with_pkce,
    authorization_failures,
    token_failures_and_used_codes,
    refresh_reuse_revokes_the_family,
    revocation_logout_and_disabled_users,
    key_rotation,
    clients_admin_api,
    token_endpoint_rate_limit,
);

mod cases {
    use std::sync::Arc;

    use base64::Engine as _;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use openidconnect::core::{
        CoreAuthenticationFlow, CoreClient, CoreErrorResponseType, CoreJwsSigningAlgorithm,
        CoreProviderMetadata, CoreUserInfoClaims,
    };
    use openidconnect::{
        AccessTokenHash, AuthorizationCode, ClientId, ClientSecret, CsrfToken, IssuerUrl,
        LogoutRequest, Nonce, OAuth2TokenResponse, PkceCodeChallenge, PostLogoutRedirectUrl,
        ProviderMetadataWithLogout, RedirectUrl, RefreshToken, RequestTokenError, Scope,
        TokenResponse,
    };
    use reqwest::Method;
    use serde_json::{Value, json};
    use wxgate_store::UserStatus;

    use crate::common::TestDb;
    use crate::oidc_env::{
        CRM_CALLBACK, CRM_SECRET, Env, FormBody, SPA_CALLBACK, http_client, members, oidc_toml,
        query,
    };

    /// The JSON payload of a JWT (not verified: for looking at claims the library ignores).
    fn payload(jwt: &str) -> Value {
        let part = jwt.split('.').nth(1).unwrap();
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).unwrap()).unwrap()
    }

    fn header(jwt: &str) -> Value {
        let part = jwt.split('.').next().unwrap();
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).unwrap()).unwrap()
    }

    async fn discover(env: &Env) -> CoreProviderMetadata {
        CoreProviderMetadata::discover_async(
            IssuerUrl::new(env.base.clone()).unwrap(),
            &http_client(),
        )
        .await
        .expect("discovery")
    }

    /// An authorization URL built by hand: (url, PKCE verifier).
    fn authorize_url(
        env: &Env,
        client_id: &str,
        redirect: &str,
        extra: &[(&str, &str)],
    ) -> (String, String) {
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let mut url = url::Url::parse(&env.url("/oidc/authorize")).unwrap();
        url.query_pairs_mut()
            .append_pair("client_id", client_id)
            .append_pair("redirect_uri", redirect)
            .append_pair("response_type", "code")
            .append_pair("scope", "openid profile")
            .append_pair("state", "st4te")
            .append_pair("nonce", "n0nce")
            .append_pair("code_challenge", challenge.as_str())
            .append_pair("code_challenge_method", "S256");
        for (k, v) in extra {
            url.query_pairs_mut().append_pair(k, v);
        }
        (url.to_string(), verifier.secret().clone())
    }

    /// Runs authorize with `cookie` and returns the code (asserting the redirect).
    async fn code_for(
        env: &Env,
        cookie: &str,
        client_id: &str,
        redirect: &str,
    ) -> (String, String) {
        let (url, verifier) = authorize_url(env, client_id, redirect, &[]);
        let (status, location, body) = env.visit(&url, Some(cookie)).await;
        assert_eq!(status, 302, "{body}");
        let location = location.unwrap();
        assert!(location.starts_with(redirect), "{location}");
        let q = query(&location);
        assert_eq!(q["state"], "st4te");
        (q["code"].clone(), verifier)
    }

    /// Signs member `index` in and runs the whole code flow for `crm`; returns the token body.
    async fn crm_tokens(env: &Env, cookie: &str) -> Value {
        let (code, verifier) = code_for(env, cookie, "crm", CRM_CALLBACK).await;
        let (status, body) = env
            .token(
                &[
                    ("grant_type", "authorization_code"),
                    ("code", &code),
                    ("redirect_uri", CRM_CALLBACK),
                    ("code_verifier", &verifier),
                ],
                Some(("crm", CRM_SECRET)),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        body
    }

    pub async fn code_flow_with_a_real_oidc_client(db: Arc<TestDb>) {
        let env = Env::start(&db, &oidc_toml("")).await;
        let http = http_client();
        let metadata = discover(&env).await;
        let client = CoreClient::from_provider_metadata(
            metadata,
            ClientId::new("crm".into()),
            Some(ClientSecret::new(CRM_SECRET.into())),
        )
        .set_redirect_uri(RedirectUrl::new(CRM_CALLBACK.into()).unwrap());
        let (challenge, pkce_verifier) = PkceCodeChallenge::new_random_sha256();
        let (auth_url, csrf, nonce) = client
            .authorize_url(
                CoreAuthenticationFlow::AuthorizationCode,
                CsrfToken::new_random,
                Nonce::new_random,
            )
            .add_scope(Scope::new("profile".into()))
            .add_scope(Scope::new("email".into()))
            .add_scope(Scope::new("roles".into()))
            .add_scope(Scope::new("identities".into()))
            .set_pkce_challenge(challenge)
            .url();

        // Not signed in: the browser goes to /login with this request as return_to.
        let (status, location, _) = env.visit(auth_url.as_str(), None).await;
        assert_eq!(status, 302);
        let location = location.unwrap();
        assert!(location.starts_with("/login?return_to="), "{location}");
        let return_to = query(&location)["return_to"].clone();
        assert!(return_to.starts_with("/oidc/authorize?"), "{return_to}");

        // The WeCom member signs in; the browser comes back to return_to with the session.
        let member = members()[0].clone();
        let (user_id, cookie) = env.signed_in(&member).await;
        env.gw
            .gateway
            .store
            .grant_role(&user_id, "sales")
            .await
            .unwrap();
        let (status, location, _) = env.visit(&env.url(&return_to), Some(&cookie)).await;
        assert_eq!(status, 302);
        let location = location.unwrap();
        assert!(location.starts_with(CRM_CALLBACK), "{location}");
        let q = query(&location);
        assert_eq!(&q["state"], csrf.secret());
        assert_eq!(q["iss"], env.base, "RFC 9207 iss parameter");

        let tokens = client
            .exchange_code(AuthorizationCode::new(q["code"].clone()))
            .unwrap()
            .set_pkce_verifier(pkce_verifier)
            .request_async(&http)
            .await
            .expect("code exchange");
        let id_token = tokens.id_token().expect("an ID token");
        let verifier = client.id_token_verifier();
        let claims = id_token
            .claims(&verifier, &nonce)
            .expect("ID token verifies against the JWKS");
        assert_eq!(
            claims.subject().as_str(),
            user_id,
            "sub is the wxgate user id"
        );
        assert!(user_id.starts_with("usr_"));
        assert_eq!(
            claims
                .name()
                .and_then(|n| n.get(None))
                .map(|n| n.as_str().to_owned()),
            Some(format!("Member {member}"))
        );
        assert_eq!(
            claims.email().map(|e| e.as_str().to_owned()),
            Some(format!("{member}@acme.example"))
        );
        let expected = claims.access_token_hash().expect("at_hash");
        let actual = AccessTokenHash::from_token(
            tokens.access_token(),
            id_token.signing_alg().unwrap(),
            id_token.signing_key(&verifier).unwrap(),
        )
        .unwrap();
        assert_eq!(&actual, expected);
        let raw_id = payload(&id_token.to_string());
        assert!(
            raw_id.get("roles").is_none() && raw_id.get("identities").is_none(),
            "ID tokens stay small: {raw_id}"
        );

        // The access token is an RFC 9068 JWT carrying the requested roles and identities.
        let access = tokens.access_token().secret();
        assert_eq!(header(access)["typ"], "at+jwt");
        let at = payload(access);
        assert_eq!(at["sub"], user_id.as_str());
        assert_eq!(at["client_id"], "crm");
        assert_eq!(at["roles"], json!(["sales"]));
        assert_eq!(at["identities"][0]["kind"], "wecom_user");

        // userinfo through the library, and raw for the extra claims.
        let info: CoreUserInfoClaims = client
            .user_info(tokens.access_token().clone(), None)
            .unwrap()
            .request_async(&http)
            .await
            .expect("userinfo");
        assert_eq!(info.subject().as_str(), user_id);
        let (status, raw) = env.userinfo(access).await;
        assert_eq!(status, 200);
        assert_eq!(raw["roles"], json!(["sales"]));
        assert_eq!(
            raw["identities"],
            json!([{"kind": "wecom_user", "scope": crate::oidc_env::CORP, "subject": member}])
        );

        // Refresh: new tokens, the old refresh token is spent.
        let refresh = tokens.refresh_token().expect("a refresh token").clone();
        let refreshed = client
            .exchange_refresh_token(&refresh)
            .unwrap()
            .request_async(&http)
            .await
            .expect("refresh");
        assert_ne!(refreshed.access_token().secret(), access);
        assert_ne!(
            refreshed.refresh_token().unwrap().secret(),
            refresh.secret()
        );
        assert_eq!(env.userinfo(refreshed.access_token().secret()).await.0, 200);
        let refreshed_id = refreshed.id_token().expect("an ID token on refresh");
        let refreshed_claims = refreshed_id
            .claims(&verifier, |_: Option<&Nonce>| Ok(()))
            .expect("refreshed ID token verifies");
        assert_eq!(refreshed_claims.subject().as_str(), user_id);
    }

    pub async fn es256_public_client_with_pkce(db: Arc<TestDb>) {
        let env = Env::start(&db, &oidc_toml("")).await;
        let http = http_client();
        let client = CoreClient::from_provider_metadata(
            discover(&env).await,
            ClientId::new("spa".into()),
            None,
        )
        .set_redirect_uri(RedirectUrl::new(SPA_CALLBACK.into()).unwrap());
        let (challenge, pkce_verifier) = PkceCodeChallenge::new_random_sha256();
        let (auth_url, _, nonce) = client
            .authorize_url(
                CoreAuthenticationFlow::AuthorizationCode,
                CsrfToken::new_random,
                Nonce::new_random,
            )
            .set_pkce_challenge(challenge)
            .url();
        let (_, cookie) = env.signed_in(&members()[1]).await;
        let (status, location, _) = env.visit(auth_url.as_str(), Some(&cookie)).await;
        assert_eq!(status, 302);
        let code = query(&location.unwrap())["code"].clone();
        let tokens = client
            .exchange_code(AuthorizationCode::new(code))
            .unwrap()
            .set_pkce_verifier(pkce_verifier)
            .request_async(&http)
            .await
            .expect("public client exchange (client_id in the body, no secret)");
        let id_token = tokens.id_token().unwrap();
        assert_eq!(header(&id_token.to_string())["alg"], "ES256");
        let verifier = client
            .id_token_verifier()
            .set_allowed_algs(vec![CoreJwsSigningAlgorithm::EcdsaP256Sha256]);
        id_token
            .claims(&verifier, &nonce)
            .expect("ES256 ID token verifies");
        let rs256_only = client
            .id_token_verifier()
            .set_allowed_algs(vec![CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256]);
        assert!(
            id_token.claims(&rs256_only, &nonce).is_err(),
            "the alg is really ES256"
        );
    }

    pub async fn authorization_failures(db: Arc<TestDb>) {
        let env = Env::start(&db, &oidc_toml("")).await;
        let (_, cookie) = env.signed_in(&members()[0]).await;

        // Unknown client, foreign redirect URI: an error page, never a redirect.
        let (url, _) = authorize_url(&env, "nobody", CRM_CALLBACK, &[]);
        let (status, location, body) = env.visit(&url, Some(&cookie)).await;
        assert_eq!((status, location), (400, None));
        assert!(body.contains("no OIDC client"), "{body}");
        for foreign in [
            "https://evil.example/callback",
            "https://crm.example.test/callback/x",
            "https://crm.example.test/callback?x=1",
        ] {
            let (url, _) = authorize_url(&env, "crm", foreign, &[]);
            let (status, location, body) = env.visit(&url, Some(&cookie)).await;
            assert_eq!((status, location), (400, None), "{foreign}");
            assert!(body.contains("is not registered"), "{body}");
        }

        // Errors the redirect URI may hear, with the state.
        let error_of = |location: Option<String>| {
            let location = location.expect("a redirect");
            assert!(location.starts_with(SPA_CALLBACK), "{location}");
            let q = query(&location);
            assert_eq!(q["state"], "st4te");
            (
                q["error"].clone(),
                q.get("error_description").cloned().unwrap_or_default(),
            )
        };
        let (url, _) = authorize_url(&env, "spa", SPA_CALLBACK, &[]);
        let plain = url.replace("code_challenge_method=S256", "code_challenge_method=plain");
        let (error, description) = error_of(env.visit(&plain, Some(&cookie)).await.1);
        assert_eq!(error, "invalid_request");
        assert!(description.contains("plain is refused"), "{description}");
        let mut no_pkce = url::Url::parse(&url).unwrap();
        let kept: Vec<(String, String)> = no_pkce
            .query_pairs()
            .filter(|(k, _)| !k.starts_with("code_challenge"))
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        no_pkce.query_pairs_mut().clear().extend_pairs(kept);
        let (error, description) = error_of(env.visit(no_pkce.as_str(), Some(&cookie)).await.1);
        assert_eq!(error, "invalid_request");
        assert!(
            description.contains("public clients must use PKCE"),
            "{description}"
        );
        let bad_scope = url.replace("scope=openid+profile", "scope=profile");
        assert_eq!(
            error_of(env.visit(&bad_scope, Some(&cookie)).await.1).0,
            "invalid_scope"
        );
        let token_flow = url.replace("response_type=code", "response_type=token");
        assert_eq!(
            error_of(env.visit(&token_flow, Some(&cookie)).await.1).0,
            "unsupported_response_type"
        );
        let (url, _) = authorize_url(&env, "spa", SPA_CALLBACK, &[("prompt", "none")]);
        assert_eq!(error_of(env.visit(&url, None).await.1).0, "login_required");

        // Without a session, the login page gets the provider hint.
        for hint in [
            ("provider", "wecom:acme"),
            ("login_hint", "provider:wecom:acme"),
        ] {
            let (url, _) = authorize_url(&env, "spa", SPA_CALLBACK, &[hint]);
            let (status, location, _) = env.visit(&url, None).await;
            assert_eq!(status, 302);
            assert_eq!(query(&location.unwrap())["provider"], "wecom:acme");
        }
        // prompt=login sends a signed-in browser to /login, and the way back drops the prompt.
        let (url, _) = authorize_url(&env, "spa", SPA_CALLBACK, &[("prompt", "login")]);
        let (status, location, _) = env.visit(&url, Some(&cookie)).await;
        assert_eq!(status, 302);
        let return_to = query(&location.unwrap())["return_to"].clone();
        assert!(!return_to.contains("prompt"), "{return_to}");
        let (status, location, _) = env.visit(&env.url(&return_to), Some(&cookie)).await;
        assert_eq!(status, 302);
        assert!(query(&location.unwrap()).contains_key("code"));
    }

    pub async fn token_failures_and_used_codes(db: Arc<TestDb>) {
        let env = Env::start(&db, &oidc_toml("")).await;
        let (_, cookie) = env.signed_in(&members()[0]).await;
        let (code, verifier) = code_for(&env, &cookie, "crm", CRM_CALLBACK).await;
        let crm = Some(("crm", CRM_SECRET));
        let attempt = |redirect: &'static str, verifier: Option<String>| {
            let code = code.clone();
            let env = &env;
            async move {
                let mut form = vec![
                    ("grant_type", "authorization_code".to_owned()),
                    ("code", code),
                    ("redirect_uri", redirect.to_owned()),
                ];
                if let Some(v) = verifier {
                    form.push(("code_verifier", v));
                }
                let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
                env.token(&form, crm).await
            }
        };
        // Client authentication comes first.
        let (status, body) = env
            .token(
                &[
                    ("grant_type", "authorization_code"),
                    ("code", &code),
                    ("redirect_uri", CRM_CALLBACK),
                ],
                Some(("crm", "wrong-secret-0123456789")),
            )
            .await;
        assert_eq!(
            (status, body["error"].as_str()),
            (401, Some("invalid_client"))
        );
        // Failed attempts do not spend the code.
        let (status, body) =
            attempt("https://crm.example.test/other", Some(verifier.clone())).await;
        assert_eq!(
            (status, body["error"].as_str()),
            (400, Some("invalid_grant")),
            "wrong redirect_uri"
        );
        let (status, body) = attempt(CRM_CALLBACK, None).await;
        assert_eq!(
            (status, body["error"].as_str()),
            (400, Some("invalid_grant")),
            "missing verifier"
        );
        assert!(
            body["error_description"]
                .as_str()
                .unwrap()
                .contains("code_verifier is missing")
        );
        let (status, body) = attempt(CRM_CALLBACK, Some("x".repeat(43))).await;
        assert_eq!(
            (status, body["error"].as_str()),
            (400, Some("invalid_grant")),
            "wrong verifier"
        );
        // Another client cannot redeem it.
        let (status, body) = env
            .token(
                &[
                    ("grant_type", "authorization_code"),
                    ("code", &code),
                    ("redirect_uri", CRM_CALLBACK),
                    ("code_verifier", &verifier),
                    ("client_id", "spa"),
                ],
                None,
            )
            .await;
        assert_eq!(
            (status, body["error"].as_str()),
            (400, Some("invalid_grant"))
        );
        // The right request works once.
        let (status, first) = attempt(CRM_CALLBACK, Some(verifier.clone())).await;
        assert_eq!(status, 200, "{first}");
        let access = first["access_token"].as_str().unwrap();
        assert_eq!(env.userinfo(access).await.0, 200);
        // Used again: refused, and what the first redemption issued is revoked.
        let (status, body) = attempt(CRM_CALLBACK, Some(verifier.clone())).await;
        assert_eq!(
            (status, body["error"].as_str()),
            (400, Some("invalid_grant"))
        );
        assert!(
            body["error_description"]
                .as_str()
                .unwrap()
                .contains("already used")
        );
        let (status, body) = env.userinfo(access).await;
        assert_eq!(
            (status, body["error"].as_str()),
            (401, Some("invalid_token"))
        );
        let (status, _) = env
            .token(
                &[
                    ("grant_type", "refresh_token"),
                    ("refresh_token", first["refresh_token"].as_str().unwrap()),
                ],
                crm,
            )
            .await;
        assert_eq!(status, 400);
        // Unknown grant types and repeated parameters.
        let (status, body) = env.token(&[("grant_type", "password")], crm).await;
        assert_eq!(
            (status, body["error"].as_str()),
            (400, Some("unsupported_grant_type"))
        );
        let (status, body) = env
            .token(
                &[
                    ("grant_type", "authorization_code"),
                    ("grant_type", "refresh_token"),
                ],
                crm,
            )
            .await;
        assert_eq!(
            (status, body["error"].as_str()),
            (400, Some("invalid_request"))
        );
        // A public client must not present a secret.
        let (status, body) = env
            .token(
                &[("grant_type", "refresh_token"), ("refresh_token", "x")],
                Some(("spa", "some-secret")),
            )
            .await;
        assert_eq!(
            (status, body["error"].as_str()),
            (401, Some("invalid_client"))
        );
    }

    pub async fn refresh_reuse_revokes_the_family(db: Arc<TestDb>) {
        let env = Env::start(&db, &oidc_toml("")).await;
        let http = http_client();
        let client = CoreClient::from_provider_metadata(
            discover(&env).await,
            ClientId::new("crm".into()),
            Some(ClientSecret::new(CRM_SECRET.into())),
        );
        let (_, cookie) = env.signed_in(&members()[0]).await;
        let first = crm_tokens(&env, &cookie).await;
        let r1 = RefreshToken::new(first["refresh_token"].as_str().unwrap().to_owned());
        let second = client
            .exchange_refresh_token(&r1)
            .unwrap()
            .request_async(&http)
            .await
            .expect("refresh");
        let r2 = second.refresh_token().unwrap().clone();
        let third = client
            .exchange_refresh_token(&r2)
            .unwrap()
            .request_async(&http)
            .await
            .expect("refresh again");
        assert_eq!(env.userinfo(third.access_token().secret()).await.0, 200);
        // r1 again: it leaked. The family goes: every token of this sign-in.
        let reuse = client
            .exchange_refresh_token(&r1)
            .unwrap()
            .request_async(&http)
            .await;
        match reuse {
            Err(RequestTokenError::ServerResponse(e)) => {
                assert_eq!(e.error(), &CoreErrorResponseType::InvalidGrant)
            }
            other => panic!("reuse must be refused, got {other:?}"),
        }
        assert_eq!(env.userinfo(third.access_token().secret()).await.0, 401);
        assert_eq!(env.userinfo(second.access_token().secret()).await.0, 401);
        let live = third.refresh_token().unwrap();
        let (status, body) = env
            .token(
                &[
                    ("grant_type", "refresh_token"),
                    ("refresh_token", live.secret()),
                ],
                Some(("crm", CRM_SECRET)),
            )
            .await;
        assert_eq!(
            (status, body["error"].as_str()),
            (400, Some("invalid_grant"))
        );
        // Another sign-in of the same user is unaffected.
        let other = crm_tokens(&env, &cookie).await;
        assert_eq!(
            env.userinfo(other["access_token"].as_str().unwrap())
                .await
                .0,
            200
        );
        // Narrowing the scope on refresh; widening is refused.
        let (status, narrowed) = env
            .token(
                &[
                    ("grant_type", "refresh_token"),
                    ("refresh_token", other["refresh_token"].as_str().unwrap()),
                    ("scope", "openid"),
                ],
                Some(("crm", CRM_SECRET)),
            )
            .await;
        assert_eq!((status, narrowed["scope"].as_str()), (200, Some("openid")));
        let (status, body) = env
            .token(
                &[
                    ("grant_type", "refresh_token"),
                    ("refresh_token", narrowed["refresh_token"].as_str().unwrap()),
                    ("scope", "openid phone"),
                ],
                Some(("crm", CRM_SECRET)),
            )
            .await;
        assert_eq!(
            (status, body["error"].as_str()),
            (400, Some("invalid_scope"))
        );
    }

    pub async fn revocation_logout_and_disabled_users(db: Arc<TestDb>) {
        let env = Env::start(&db, &oidc_toml("")).await;
        let (user_id, cookie) = env.signed_in(&members()[0]).await;
        let crm = ("crm", CRM_SECRET);
        let revoke =
            |token: String, hint: Option<&'static str>, basic: (&'static str, &'static str)| {
                let env = &env;
                async move {
                    let mut form = vec![("token", token)];
                    if let Some(h) = hint {
                        form.push(("token_type_hint", h.to_owned()));
                    }
                    env.browser
                        .post(env.url("/oidc/revoke"))
                        .basic_auth(basic.0, Some(basic.1))
                        .form_pairs(&form)
                        .send()
                        .await
                        .unwrap()
                        .status()
                        .as_u16()
                }
            };
        // An access token alone.
        let tokens = crm_tokens(&env, &cookie).await;
        let access = tokens["access_token"].as_str().unwrap().to_owned();
        assert_eq!(revoke(access.clone(), Some("access_token"), crm).await, 200);
        let (status, body) = env.userinfo(&access).await;
        assert_eq!(
            (status, body["error"].as_str()),
            (401, Some("invalid_token"))
        );
        let (status, refreshed) = env
            .token(
                &[
                    ("grant_type", "refresh_token"),
                    ("refresh_token", tokens["refresh_token"].as_str().unwrap()),
                ],
                Some(crm),
            )
            .await;
        assert_eq!(status, 200, "the grant lives on: {refreshed}");
        // A refresh token revokes its grant; unknown tokens are answered 200 too.
        let refresh = refreshed["refresh_token"].as_str().unwrap().to_owned();
        assert_eq!(revoke(refresh.clone(), None, crm).await, 200);
        assert_eq!(
            env.userinfo(refreshed["access_token"].as_str().unwrap())
                .await
                .0,
            401
        );
        let (status, _) = env
            .token(
                &[("grant_type", "refresh_token"), ("refresh_token", &refresh)],
                Some(crm),
            )
            .await;
        assert_eq!(status, 400);
        assert_eq!(revoke("not-a-token".into(), None, crm).await, 200);

        // Logout to a foreign URI: refused, no redirect, the session lives on.
        let tokens = crm_tokens(&env, &cookie).await;
        let id_token = tokens["id_token"].as_str().unwrap().to_owned();
        let mut foreign = url::Url::parse(&env.url("/oidc/logout")).unwrap();
        foreign
            .query_pairs_mut()
            .append_pair("id_token_hint", &id_token)
            .append_pair("post_logout_redirect_uri", "https://evil.example/bye");
        let (status, location, body) = env.visit(foreign.as_str(), Some(&cookie)).await;
        assert_eq!((status, location), (400, None));
        assert!(body.contains("is not registered"), "{body}");
        assert_eq!(
            env.userinfo(tokens["access_token"].as_str().unwrap())
                .await
                .0,
            200
        );

        // Logout as the library builds it: back to the registered URI with the state; the
        // session ends and its grants are revoked.
        let metadata = ProviderMetadataWithLogout::discover_async(
            IssuerUrl::new(env.base.clone()).unwrap(),
            &http_client(),
        )
        .await
        .unwrap();
        let end_session = metadata
            .additional_metadata()
            .end_session_endpoint
            .clone()
            .expect("end_session_endpoint");
        let id = openidconnect::core::CoreIdToken::from_str_checked(&id_token);
        let logout = LogoutRequest::from(end_session)
            .set_id_token_hint(&id)
            .set_post_logout_redirect_uri(
                PostLogoutRedirectUrl::new("https://crm.example.test/bye".into()).unwrap(),
            )
            .set_state(CsrfToken::new("bye-state".into()))
            .http_get_url();
        let response = env
            .browser
            .get(logout.as_str())
            .header("cookie", &cookie)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 302);
        assert_eq!(
            response.headers()["location"],
            "https://crm.example.test/bye?state=bye-state"
        );
        let cleared = response.headers()["set-cookie"].to_str().unwrap();
        assert!(cleared.starts_with("wxgate_session=;"), "{cleared}");
        assert_eq!(
            env.userinfo(tokens["access_token"].as_str().unwrap())
                .await
                .0,
            401
        );
        let (url, _) = authorize_url(&env, "crm", CRM_CALLBACK, &[]);
        let (status, location, _) = env.visit(&url, Some(&cookie)).await;
        assert_eq!(status, 302);
        assert!(
            location.unwrap().starts_with("/login?"),
            "the old cookie no longer signs in"
        );

        // A disabled user: refresh and userinfo refuse.
        let (_, cookie) = env.signed_in(&members()[0]).await;
        let tokens = crm_tokens(&env, &cookie).await;
        env.gw
            .gateway
            .store
            .set_user_status(&user_id, UserStatus::Disabled)
            .await
            .unwrap();
        assert_eq!(
            env.userinfo(tokens["access_token"].as_str().unwrap())
                .await
                .0,
            401
        );
        let (status, body) = env
            .token(
                &[
                    ("grant_type", "refresh_token"),
                    ("refresh_token", tokens["refresh_token"].as_str().unwrap()),
                ],
                Some(crm),
            )
            .await;
        assert_eq!(
            (status, body["error"].as_str()),
            (400, Some("invalid_grant"))
        );
        assert!(
            body["error_description"]
                .as_str()
                .unwrap()
                .contains("disabled")
        );
    }

    trait FromStrChecked: Sized {
        fn from_str_checked(s: &str) -> Self;
    }
    impl FromStrChecked for openidconnect::core::CoreIdToken {
        fn from_str_checked(s: &str) -> Self {
            s.parse().expect("an ID token")
        }
    }

    pub async fn key_rotation(db: Arc<TestDb>) {
        let env = Env::start(&db, &oidc_toml("")).await;
        let (_, cookie) = env.signed_in(&members()[0]).await;
        let before = crm_tokens(&env, &cookie).await;
        let old_kid = header(before["access_token"].as_str().unwrap())["kid"]
            .as_str()
            .unwrap()
            .to_owned();
        let jwks: Value = env
            .browser
            .get(env.url("/oidc/jwks"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(
            jwks["keys"].as_array().unwrap().len(),
            2,
            "one RS256 and one ES256 key: {jwks}"
        );

        let (status, rotated) = env
            .admin(
                Method::POST,
                "/api/v1/oidc/keys/rotate",
                Some(json!({"alg": "RS256"})),
            )
            .await;
        assert_eq!(status, 200, "{rotated}");
        let new_kid = rotated["rotated"][0]["kid"].as_str().unwrap().to_owned();
        assert_ne!(new_kid, old_kid);
        let jwks: Value = env
            .browser
            .get(env.url("/oidc/jwks"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let kids: Vec<&str> = jwks["keys"]
            .as_array()
            .unwrap()
            .iter()
            .map(|k| k["kid"].as_str().unwrap())
            .collect();
        assert!(
            kids.contains(&old_kid.as_str()) && kids.contains(&new_kid.as_str()),
            "{kids:?}"
        );
        let (_, keys) = env.admin(Method::GET, "/api/v1/oidc/keys", None).await;
        let old = keys["keys"]
            .as_array()
            .unwrap()
            .iter()
            .find(|k| k["kid"] == old_kid.as_str())
            .unwrap();
        assert_eq!(old["active"], false);
        assert!(old["published_until"].as_i64().is_some());

        // Old tokens keep working until they expire; new ones carry the new key.
        assert_eq!(
            env.userinfo(before["access_token"].as_str().unwrap())
                .await
                .0,
            200
        );
        let after = crm_tokens(&env, &cookie).await;
        assert_eq!(
            header(after["access_token"].as_str().unwrap())["kid"],
            new_kid.as_str()
        );
        assert_eq!(
            header(after["id_token"].as_str().unwrap())["kid"],
            new_kid.as_str()
        );
        // A relying party that re-reads the JWKS verifies both ID tokens.
        let client = CoreClient::from_provider_metadata(
            discover(&env).await,
            ClientId::new("crm".into()),
            Some(ClientSecret::new(CRM_SECRET.into())),
        );
        for body in [&before, &after] {
            let id = openidconnect::core::CoreIdToken::from_str_checked(
                body["id_token"].as_str().unwrap(),
            );
            id.claims(&client.id_token_verifier(), |_: Option<&Nonce>| Ok(()))
                .expect("ID token verifies after rotation");
        }
        // Once every token of the old key has expired, the key leaves the JWKS.
        let store = &env.gw.gateway.store;
        let until = old["published_until"].as_i64().unwrap();
        let later: Vec<String> = store
            .published_signing_keys(until + 1)
            .await
            .unwrap()
            .into_iter()
            .map(|k| k.kid)
            .collect();
        assert!(
            !later.contains(&old_kid) && later.contains(&new_kid),
            "{later:?}"
        );
        // Rotating both algorithms.
        let (status, rotated) = env
            .admin(Method::POST, "/api/v1/oidc/keys/rotate", Some(json!({})))
            .await;
        assert_eq!(
            (status, rotated["rotated"].as_array().unwrap().len()),
            (200, 2)
        );
        let (status, _) = env
            .admin(
                Method::POST,
                "/api/v1/oidc/keys/rotate",
                Some(json!({"alg": "HS256"})),
            )
            .await;
        assert_eq!(status, 400);
    }

    pub async fn clients_admin_api(db: Arc<TestDb>) {
        let env = Env::start(&db, &oidc_toml("")).await;
        let (status, created) = env
            .admin(
                Method::POST,
                "/api/v1/oidc/clients",
                Some(json!({
                    "client_id": "erp",
                    "name": "ERP",
                    "redirect_uris": ["https://erp.example.test/cb"],
                    "post_logout_redirect_uris": ["https://erp.example.test/"],
                    "scopes": ["openid", "profile", "roles"],
                })),
            )
            .await;
        assert_eq!(status, 201, "{created}");
        let secret = created["client_secret"].as_str().unwrap().to_owned();
        assert_eq!(created["client"]["type"], "confidential");
        let (_, list) = env.admin(Method::GET, "/api/v1/oidc/clients", None).await;
        let sources: Vec<(String, String)> = list["clients"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                (
                    c["client_id"].as_str().unwrap().to_owned(),
                    c["source"].as_str().unwrap().to_owned(),
                )
            })
            .collect();
        assert!(
            sources.contains(&("crm".into(), "config".into()))
                && sources.contains(&("erp".into(), "api".into())),
            "{sources:?}"
        );
        assert!(
            !list.to_string().contains(&secret),
            "secrets are never listed"
        );

        // The stored client signs users in (client_secret_post).
        let (_, cookie) = env.signed_in(&members()[0]).await;
        let (code, verifier) = code_for(&env, &cookie, "erp", "https://erp.example.test/cb").await;
        let form = [
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", "https://erp.example.test/cb"),
            ("code_verifier", verifier.as_str()),
            ("client_id", "erp"),
            ("client_secret", secret.as_str()),
        ];
        let (status, tokens) = env.token(&form, None).await;
        assert_eq!(status, 200, "{tokens}");
        assert_eq!(tokens["scope"], "openid profile");

        // A new secret replaces the old one.
        let (status, reset) = env
            .admin(Method::POST, "/api/v1/oidc/clients/erp/secret", None)
            .await;
        assert_eq!(status, 200);
        let new_secret = reset["client_secret"].as_str().unwrap();
        let refresh = tokens["refresh_token"].as_str().unwrap();
        let (status, _) = env
            .token(
                &[("grant_type", "refresh_token"), ("refresh_token", refresh)],
                Some(("erp", &secret)),
            )
            .await;
        assert_eq!(status, 401);
        let (status, _) = env
            .token(
                &[("grant_type", "refresh_token"), ("refresh_token", refresh)],
                Some(("erp", new_secret)),
            )
            .await;
        assert_eq!(status, 200);

        // Update, validation, read-only configured clients, delete.
        let (status, updated) = env
            .admin(
                Method::PUT,
                "/api/v1/oidc/clients/erp",
                Some(json!({"redirect_uris": ["https://erp2.example.test/cb"]})),
            )
            .await;
        assert_eq!(status, 200, "{updated}");
        assert_eq!(
            updated["client"]["redirect_uris"],
            json!(["https://erp2.example.test/cb"])
        );
        let (status, body) = env
            .admin(
                Method::POST,
                "/api/v1/oidc/clients",
                Some(json!({"client_id": "bad", "redirect_uris": ["https://x.example/cb#frag"]})),
            )
            .await;
        assert_eq!(status, 400);
        assert!(body.to_string().contains("fragment"), "{body}");
        let (status, body) = env
            .admin(Method::POST, "/api/v1/oidc/clients", Some(json!({"client_id": "mini2", "type": "public", "token_exchange_apps": ["acme-app"]})))
            .await;
        assert_eq!(status, 400, "acme-app is not a mini program: {body}");
        let (status, _) = env
            .admin(
                Method::POST,
                "/api/v1/oidc/clients",
                Some(json!({"client_id": "crm", "redirect_uris": ["https://x.example/cb"]})),
            )
            .await;
        assert_eq!(status, 409);
        let (status, _) = env
            .admin(
                Method::PUT,
                "/api/v1/oidc/clients/crm",
                Some(json!({"redirect_uris": ["https://x.example/cb"]})),
            )
            .await;
        assert_eq!(status, 409);
        let (status, _) = env
            .admin(
                Method::POST,
                "/api/v1/oidc/clients",
                Some(json!({"client_id": "erp", "redirect_uris": ["https://x.example/cb"]})),
            )
            .await;
        assert_eq!(status, 409, "ids are unique");
        let (status, _) = env
            .admin(Method::DELETE, "/api/v1/oidc/clients/erp", None)
            .await;
        assert_eq!(status, 204);
        assert_eq!(
            env.userinfo(tokens["access_token"].as_str().unwrap())
                .await
                .0,
            401,
            "deleting a client revokes its grants"
        );
        let (status, _) = env
            .admin(Method::GET, "/api/v1/oidc/clients/erp", None)
            .await;
        assert_eq!(status, 404);
        let unauthenticated = env
            .browser
            .get(env.url("/api/v1/oidc/clients"))
            .send()
            .await
            .unwrap();
        assert_eq!(unauthenticated.status().as_u16(), 401);
    }

    pub async fn token_endpoint_rate_limit(db: Arc<TestDb>) {
        let env = Env::start(&db, &oidc_toml("token_requests_per_minute = 3")).await;
        for _ in 0..3 {
            let (status, _) = env
                .token(
                    &[("grant_type", "refresh_token"), ("refresh_token", "x")],
                    Some(("crm", CRM_SECRET)),
                )
                .await;
            assert_eq!(status, 400);
        }
        let response = env
            .browser
            .post(env.url("/oidc/token"))
            .basic_auth("crm", Some(CRM_SECRET))
            .form_pairs(&[("grant_type", "refresh_token"), ("refresh_token", "x")])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 429);
        let retry: u64 = response.headers()["retry-after"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!((1..=61).contains(&retry), "{retry}");
        let body: Value = response.json().await.unwrap();
        assert!(
            body["error_description"]
                .as_str()
                .unwrap()
                .contains("retry after")
        );
        // Discovery and JWKS are not limited.
        assert_eq!(
            env.browser
                .get(env.url("/.well-known/openid-configuration"))
                .send()
                .await
                .unwrap()
                .status()
                .as_u16(),
            200
        );
    }
}
