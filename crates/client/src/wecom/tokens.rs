//! WeCom token and ticket fetches (NOTES §3.1, §3.5). These *produce* tokens, so they take
//! secrets or an explicit token instead of a [`crate::TokenProvider`]; the gateway's token
//! service calls them.

use serde_json::json;

use crate::credential::{AccessToken, Ticket};
use crate::error::{CallContext, ClientError};
use crate::http::{Base, Client};

impl Client {
    /// `GET /cgi-bin/gettoken?corpid=&corpsecret=`: an app's (or the contacts secret's)
    /// access_token. A wrong secret is 40001/40091 → [`crate::ErrorKind::InvalidCredential`].
    pub async fn wecom_get_token(
        &self,
        corp_id: &str,
        secret: &str,
    ) -> Result<AccessToken, ClientError> {
        self.call_with_busy_retry(|| {
            let req = self
                .get(Base::Wecom, "/cgi-bin/gettoken")
                .query(&[("corpid", corp_id), ("corpsecret", secret)]);
            self.execute("gettoken", CallContext::TokenFetch, req)
        })
        .await
    }

    /// `GET /cgi-bin/get_jsapi_ticket?access_token=`: the corp jsapi_ticket for `wx.config`.
    pub async fn wecom_get_jsapi_ticket(&self, access_token: &str) -> Result<Ticket, ClientError> {
        self.call_with_busy_retry(|| {
            let req = self
                .get(Base::Wecom, "/cgi-bin/get_jsapi_ticket")
                .query(&[("access_token", access_token)]);
            self.execute("get_jsapi_ticket", CallContext::TokenBearing, req)
        })
        .await
    }

    /// `GET /cgi-bin/ticket/get?access_token=&type=agent_config`: the app ticket for
    /// `wx.agentConfig`.
    pub async fn wecom_get_agent_ticket(&self, access_token: &str) -> Result<Ticket, ClientError> {
        self.call_with_busy_retry(|| {
            let req = self
                .get(Base::Wecom, "/cgi-bin/ticket/get")
                .query(&[("access_token", access_token), ("type", "agent_config")]);
            self.execute("ticket/get", CallContext::TokenBearing, req)
        })
        .await
    }

    /// `POST /cgi-bin/service/get_suite_token`: a suite_access_token from the newest
    /// suite_ticket. A stale ticket is 40085 → [`crate::ErrorKind::InvalidSuiteTicket`].
    pub async fn get_suite_token(
        &self,
        suite_id: &str,
        suite_secret: &str,
        suite_ticket: &str,
    ) -> Result<AccessToken, ClientError> {
        let body = json!({
            "suite_id": suite_id,
            "suite_secret": suite_secret,
            "suite_ticket": suite_ticket,
        });
        self.call_with_busy_retry(|| {
            let req = self
                .post(Base::Wecom, "/cgi-bin/service/get_suite_token")
                .json(&body);
            self.execute("service/get_suite_token", CallContext::TokenFetch, req)
        })
        .await
    }

    /// `POST /cgi-bin/service/get_provider_token`: the provider_access_token.
    pub async fn get_provider_token(
        &self,
        corp_id: &str,
        provider_secret: &str,
    ) -> Result<AccessToken, ClientError> {
        let body = json!({ "corpid": corp_id, "provider_secret": provider_secret });
        self.call_with_busy_retry(|| {
            let req = self
                .post(Base::Wecom, "/cgi-bin/service/get_provider_token")
                .json(&body);
            self.execute("service/get_provider_token", CallContext::TokenFetch, req)
        })
        .await
    }

    /// `POST /cgi-bin/service/get_corp_token?suite_access_token=`: an authorised corp's
    /// access_token from its permanent code.
    pub async fn get_corp_token(
        &self,
        suite_access_token: &str,
        auth_corpid: &str,
        permanent_code: &str,
    ) -> Result<AccessToken, ClientError> {
        let body = json!({ "auth_corpid": auth_corpid, "permanent_code": permanent_code });
        self.call_with_busy_retry(|| {
            let req = self
                .post(Base::Wecom, "/cgi-bin/service/get_corp_token")
                .query(&[("suite_access_token", suite_access_token)])
                .json(&body);
            self.execute("service/get_corp_token", CallContext::TokenBearing, req)
        })
        .await
    }
}
