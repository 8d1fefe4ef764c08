//! [`AppRef`]: one view over the seven kinds of configured application, so the gateway can route
//! `/callback/{name}` and `/api/v1/apps/{name}` without caring where in the file the app lives.

use crate::suite::Suite;
use crate::wechat::{MiniProgram, OfficialAccount, Website};
use crate::wecom::{WecomApp, WecomContacts, WecomCorp, WecomMiniProgram};

/// A configured application, borrowed from a [`crate::Config`].
#[derive(Debug, Clone, Copy)]
pub enum AppRef<'a> {
    /// A WeCom self-built app and its corp.
    WecomApp {
        /// The owning corp.
        corp: &'a WecomCorp,
        /// The app.
        app: &'a WecomApp,
    },
    /// A corp's contacts-sync secret.
    Contacts {
        /// The owning corp.
        corp: &'a WecomCorp,
        /// The contacts settings.
        contacts: &'a WecomContacts,
    },
    /// A mini program linked to a WeCom corp.
    WecomMiniProgram {
        /// The owning corp.
        corp: &'a WecomCorp,
        /// The mini program.
        mini: &'a WecomMiniProgram,
    },
    /// A third-party suite.
    Suite(&'a Suite),
    /// A WeChat official account.
    OfficialAccount(&'a OfficialAccount),
    /// A WeChat mini program.
    MiniProgram(&'a MiniProgram),
    /// An open-platform website app.
    Website(&'a Website),
}

impl<'a> AppRef<'a> {
    /// The app's configured `name`.
    pub fn name(&self) -> &'a str {
        match *self {
            AppRef::WecomApp { app, .. } => &app.name,
            AppRef::Contacts { contacts, .. } => &contacts.name,
            AppRef::WecomMiniProgram { mini, .. } => &mini.name,
            AppRef::Suite(s) => &s.name,
            AppRef::OfficialAccount(a) => &a.name,
            AppRef::MiniProgram(m) => &m.name,
            AppRef::Website(w) => &w.name,
        }
    }

    /// A stable, snake_case label of the kind of app (for APIs, logs and metrics).
    pub fn kind(&self) -> &'static str {
        match self {
            AppRef::WecomApp { .. } => "wecom_app",
            AppRef::Contacts { .. } => "wecom_contacts",
            AppRef::WecomMiniProgram { .. } => "wecom_miniprogram",
            AppRef::Suite(_) => "suite",
            AppRef::OfficialAccount(_) => "official_account",
            AppRef::MiniProgram(_) => "miniprogram",
            AppRef::Website(_) => "website",
        }
    }
}
