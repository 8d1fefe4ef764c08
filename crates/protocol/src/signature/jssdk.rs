//! The JS-SDK page signature (NOTES.md §1.1):
//! `sha1("jsapi_ticket=T&noncestr=N&timestamp=TS&url=URL")`, fields in that fixed order, raw
//! values (no URL-encoding), and the URL without its `#fragment`.
//!
//! One routine serves all three front-end calls; only the ticket differs:
//!
//! | front-end call | ticket |
//! |---|---|
//! | MP `wx.config` | the Official Account jsapi ticket (`/cgi-bin/ticket/getticket?type=jsapi`) |
//! | WeCom `wx.config`, `ww.register` (`getConfigSignature`) | the corp ticket (`/cgi-bin/get_jsapi_ticket`) |
//! | WeCom `wx.agentConfig`, `ww.register` (`getAgentConfigSignature`) | the application ticket (`/cgi-bin/ticket/get?type=agent_config`) |

use sha1::{Digest, Sha1};

use super::Signature;

/// The JS-SDK signature of page `url` (its `#…` fragment is dropped here).
pub fn jssdk_signature(ticket: &str, noncestr: &str, timestamp: &str, url: &str) -> Signature {
    let url = url.split_once('#').map_or(url, |(before, _)| before);
    let mut hasher = Sha1::new();
    for part in [
        "jsapi_ticket=",
        ticket,
        "&noncestr=",
        noncestr,
        "&timestamp=",
        timestamp,
        "&url=",
        url,
    ] {
        hasher.update(part.as_bytes());
    }
    Signature(hasher.finalize().into())
}

#[cfg(test)]
mod tests {
    use super::*;

    const TICKET: &str =
        "sM4AOVdWfPE4DxkXGEs8VMCPGGVi4C3VM0P37wVUCFvkVAy_90u5h9nbSlYy3-Sl-HhTdfl2fzFy1AOcHKP7qg";

    #[test]
    fn official_examples() {
        // NOTES.md §1.1: WeCom doc 96909 / wechatpy test (url with query) and the older MP
        // wiki revision (bare url).
        assert_eq!(
            jssdk_signature(
                TICKET,
                "Wm3WZYTPz0wzccnW",
                "1414587457",
                "http://mp.weixin.qq.com?params=value"
            )
            .to_hex(),
            "0f9de62fce790f9a083d5c99e95740ceb90c27ed"
        );
        assert_eq!(
            jssdk_signature(
                TICKET,
                "Wm3WZYTPz0wzccnW",
                "1414587457",
                "http://mp.weixin.qq.com"
            )
            .to_hex(),
            "f4d90daf4b3bca3078ab155816175ba34c443a7b"
        );
    }

    #[test]
    fn drops_the_fragment() {
        assert_eq!(
            jssdk_signature(
                TICKET,
                "Wm3WZYTPz0wzccnW",
                "1414587457",
                "http://mp.weixin.qq.com?params=value#/page?x=1"
            )
            .to_hex(),
            "0f9de62fce790f9a083d5c99e95740ceb90c27ed"
        );
    }
}
