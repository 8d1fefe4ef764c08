//! Who may log in where: resolves an app name / appid / suite id and a user into a code audience
//! and a [`LoginSubject`], applying the platform's rules (member exists, active on the login
//! pages), then mints the code. Shared by the browser pages and the control API.

use crate::identity::codes::{CodeKind, LoginSubject};
use crate::state::SimState;
use crate::world::{MpAccount, MpKind, SimAppKind};

/// Where a code may be exchanged and who it names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Audience {
    /// Corp id, suite id, provider corp id or appid (see [`crate::identity::codes::LoginCode`]).
    pub audience: String,
    /// The WeCom app's name, when there is one.
    pub app: Option<String>,
    /// The corp whose directory the user comes from (WeCom kinds).
    pub corp_id: Option<String>,
}

/// Whether the login is done on the simulated page (the platform's rules) or forced through the
/// control API (a disabled member may get a code, to test the gateway's handling).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    /// A login page: disabled members are refused.
    Page,
    /// The control API.
    Control,
}

/// The WeChat account called `name_or_id` (name or appid).
pub fn mp_account<'a>(state: &'a SimState, name_or_id: &str) -> Option<MpAccount<'a>> {
    let world = &state.world;
    if let Some(account) = world.mp_account(name_or_id) {
        return Some(account);
    }
    let id = world
        .official_accounts
        .iter()
        .find(|a| a.name == name_or_id)
        .map(|a| a.app_id.as_str())
        .or_else(|| {
            world
                .miniprograms
                .iter()
                .find(|a| a.name == name_or_id)
                .map(|a| a.app_id.as_str())
        })
        .or_else(|| {
            world
                .websites
                .iter()
                .find(|a| a.name == name_or_id)
                .map(|a| a.app_id.as_str())
        })?;
    world.mp_account(id)
}

/// The first corp whose directory holds `userid` (for third-party codes named without a corp).
fn corp_of_member(state: &SimState, userid: &str) -> Option<String> {
    state.directories.corp_ids().into_iter().find(|corp_id| {
        state.directories.get(corp_id).is_some_and(|dir| {
            dir.read()
                .unwrap_or_else(|e| e.into_inner())
                .member(userid)
                .is_some()
        })
    })
}

/// Resolves the audience of a code of `kind` for `app` (app name, corp id, appid, suite id or
/// provider corp id); `corp` names the user's corp for third-party kinds.
pub fn audience(
    state: &SimState,
    kind: CodeKind,
    app: &str,
    corp: Option<&str>,
    user: &str,
) -> Result<Audience, String> {
    let world = &state.world;
    match kind {
        CodeKind::WecomOauth | CodeKind::WecomWeb => {
            if let Some(corp) = world.corp(app) {
                return Ok(Audience {
                    audience: corp.corp_id.clone(),
                    app: None,
                    corp_id: Some(corp.corp_id.clone()),
                });
            }
            let (corp, sim_app) = world
                .app_by_name(app)
                .ok_or_else(|| format!("no WeCom app or corp is called {app:?}"))?;
            Ok(Audience {
                audience: corp.corp_id.clone(),
                app: Some(sim_app.name.clone()),
                corp_id: Some(corp.corp_id.clone()),
            })
        }
        CodeKind::Wecom3rd | CodeKind::WecomMini
            if world.suite(app).is_some()
                || world
                    .suites
                    .iter()
                    .any(|s| s.provider_corp_id.as_deref() == Some(app)) =>
        {
            let corp_id = match corp {
                Some(corp) => corp.to_owned(),
                None => corp_of_member(state, user).ok_or_else(|| {
                    format!("no corp has a member {user:?}; name the corp with \"corp\"")
                })?,
            };
            Ok(Audience {
                audience: app.to_owned(),
                app: None,
                corp_id: Some(corp_id),
            })
        }
        CodeKind::Wecom3rd => Err(format!("no suite or provider corp id is {app:?}")),
        CodeKind::WecomMini => {
            let found = world.corp_app_by_mini_app_id(app).or_else(|| {
                world
                    .app_by_name(app)
                    .filter(|(_, a)| matches!(a.kind, SimAppKind::MiniProgram { .. }))
            });
            let (corp, sim_app) =
                found.ok_or_else(|| format!("no WeCom mini-program app is {app:?}"))?;
            let SimAppKind::MiniProgram { app_id } = &sim_app.kind else {
                return Err(format!("{app:?} is not a mini-program app"));
            };
            Ok(Audience {
                audience: app_id.clone(),
                app: Some(sim_app.name.clone()),
                corp_id: Some(corp.corp_id.clone()),
            })
        }
        CodeKind::WechatOauth | CodeKind::WechatQr | CodeKind::Mini => {
            let account =
                mp_account(state, app).ok_or_else(|| format!("no WeChat account is {app:?}"))?;
            let expected = match kind {
                CodeKind::WechatOauth => MpKind::OfficialAccount,
                CodeKind::WechatQr => MpKind::Website,
                _ => MpKind::MiniProgram,
            };
            if account.kind != expected {
                return Err(format!(
                    "{app:?} is a {:?}, a {kind:?} code needs a {expected:?}",
                    account.kind
                ));
            }
            Ok(Audience {
                audience: account.app_id.to_owned(),
                app: None,
                corp_id: None,
            })
        }
    }
}

/// The subject for `user` in `corp_id`: a member (must exist; on a page it must be active) or,
/// with `non_member`, a WeChat person outside the corp.
pub fn wecom_subject(
    state: &SimState,
    corp_id: &str,
    user: &str,
    non_member: bool,
    via: Via,
) -> Result<LoginSubject, String> {
    if non_member {
        return Ok(LoginSubject::NonMember {
            corp_id: corp_id.to_owned(),
            person: user.to_owned(),
        });
    }
    let directory = state
        .directories
        .get(corp_id)
        .ok_or_else(|| format!("corp {corp_id} has no directory"))?;
    let directory = directory.read().unwrap_or_else(|e| e.into_inner());
    let member = directory
        .member(user)
        .ok_or_else(|| format!("{user:?} is not a member of {corp_id}"))?;
    if via == Via::Page && member.status != 1 {
        return Err(format!(
            "{user:?} is not an active member (status {}): WeCom refuses the login",
            member.status
        ));
    }
    Ok(LoginSubject::Member {
        corp_id: corp_id.to_owned(),
        userid: member.userid.clone(),
    })
}

/// A request for a login code.
#[derive(Debug, Clone, Copy)]
pub struct MintRequest<'a> {
    /// The flow.
    pub kind: CodeKind,
    /// App name, corp id, appid, suite id or provider corp id.
    pub app: &'a str,
    /// The user's corp, for third-party kinds (default: the corp whose directory has the user).
    pub corp: Option<&'a str>,
    /// Userid (WeCom) or person id (WeChat, WeCom non-members).
    pub user: &'a str,
    /// A WeChat person outside the corp (WeCom OAuth non-member path).
    pub non_member: bool,
    /// The OAuth scope.
    pub scope: &'a str,
    /// Page or control API.
    pub via: Via,
}

/// Mints the code `request` describes; returns the code or why the platform would refuse.
pub fn mint(state: &SimState, request: &MintRequest<'_>) -> Result<String, String> {
    let MintRequest {
        kind,
        app,
        corp,
        user,
        non_member,
        scope,
        via,
    } = *request;
    if user.is_empty() {
        return Err("the user / person id is empty".into());
    }
    let target = audience(state, kind, app, corp, user)?;
    let subject = match &target.corp_id {
        Some(corp_id) => wecom_subject(state, corp_id, user, non_member, via)?,
        None => LoginSubject::Person {
            person: user.to_owned(),
        },
    };
    Ok(state.identity.issue_code(
        kind,
        &target.audience,
        target.app.as_deref(),
        subject,
        scope,
        state.clock.now(),
    ))
}
