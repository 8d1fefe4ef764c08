//! MP / Mini Program token and ticket fetches (NOTES §4). `stable_token` is the one to use: it
//! returns the same token while valid, so several instances do not invalidate each other;
//! the legacy `token` endpoint invalidates the previous token on every call.

use serde_json::json;

use crate::credential::{AccessToken, Ticket};
use crate::error::{CallContext, ClientError};
use crate::http::{Base, Client};

/// Which JS-SDK ticket `getticket` returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MpTicketType {
    /// `jsapi`: for `wx.config`.
    Jsapi,
    /// `wx_card`: for card APIs.
    WxCard,
}

impl MpTicketType {
    /// The `type=` value.
    pub fn as_str(self) -> &'static str {
        match self {
            MpTicketType::Jsapi => "jsapi",
            MpTicketType::WxCard => "wx_card",
        }
    }
}

impl Client {
    /// `POST /cgi-bin/stable_token`. `force_refresh` invalidates the current token (≤20/day,
    /// ≥30 s apart); use it only after the platform rejected the token.
    pub async fn mp_stable_token(
        &self,
        appid: &str,
        secret: &str,
        force_refresh: bool,
    ) -> Result<AccessToken, ClientError> {
        let body = json!({
            "grant_type": "client_credential",
            "appid": appid,
            "secret": secret,
            "force_refresh": force_refresh,
        });
        self.call_with_busy_retry(|| {
            let req = self.post(Base::Wechat, "/cgi-bin/stable_token").json(&body);
            self.execute("stable_token", CallContext::TokenFetch, req)
        })
        .await
    }

    /// `GET /cgi-bin/token?grant_type=client_credential` (legacy; prefer
    /// [`Client::mp_stable_token`]).
    pub async fn mp_token(&self, appid: &str, secret: &str) -> Result<AccessToken, ClientError> {
        self.call_with_busy_retry(|| {
            let req = self.get(Base::Wechat, "/cgi-bin/token").query(&[
                ("grant_type", "client_credential"),
                ("appid", appid),
                ("secret", secret),
            ]);
            self.execute("token", CallContext::TokenFetch, req)
        })
        .await
    }

    /// `GET /cgi-bin/ticket/getticket?access_token=&type=`.
    pub async fn mp_get_ticket(
        &self,
        access_token: &str,
        ticket_type: MpTicketType,
    ) -> Result<Ticket, ClientError> {
        self.call_with_busy_retry(|| {
            let req = self.get(Base::Wechat, "/cgi-bin/ticket/getticket").query(&[
                ("access_token", access_token),
                ("type", ticket_type.as_str()),
            ]);
            self.execute("ticket/getticket", CallContext::TokenBearing, req)
        })
        .await
    }
}
