//! Who may see what in a corp's directory: one function turns the owner of a presented token into
//! the corp it acts for, the [`FieldView`] it gets and its visible range. The suite engineer
//! extends [`resolve_access`] for authorised corps (today they see the whole corp, third-party
//! view).

use crate::api_error::ApiError;
use crate::directory::{FieldView, VisibleRange};
use crate::state::SimState;
use crate::tokens::TokenOwner;
use crate::world::SimAppKind;

/// What one caller may do with one corp's directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactsAccess {
    /// The corp whose directory the caller reads.
    pub corp_id: String,
    /// The calling app's name (`None` for an authorised corp acting through a suite).
    pub app: Option<String>,
    /// The calling app's agent id, if it has one.
    pub agent_id: Option<u32>,
    /// Which member and department fields it sees.
    pub view: FieldView,
    /// Its visible range (empty = the whole corp).
    pub visible: VisibleRange,
    /// The contacts-sync (通讯录同步) secret: sees everything, may write, may call `user/list_id`.
    pub contacts_sync: bool,
    /// Calls come from an IP added after 2022-08-15: a contacts-sync caller may then only call
    /// `user/list_id` and `department/simplelist`.
    pub new_ip: bool,
}

/// The access a token owner has to contacts; 48002 for owners that are no corp (suites,
/// providers, WeChat accounts) and for corp-wide credentials.
pub fn resolve_access(state: &SimState, owner: &TokenOwner) -> Result<ContactsAccess, ApiError> {
    match owner {
        TokenOwner::CorpApp { corp_id, app } => {
            let app = state
                .world
                .corp_app(corp_id, app)
                .ok_or_else(ApiError::api_forbidden)?;
            let contacts_sync = app.kind == SimAppKind::Contacts;
            let view = if !contacts_sync && app.created_after_privacy_rules {
                FieldView::PrivacyRestricted
            } else {
                FieldView::Full
            };
            Ok(ContactsAccess {
                corp_id: corp_id.clone(),
                app: Some(app.name.clone()),
                agent_id: app.agent_id,
                view,
                visible: if contacts_sync {
                    VisibleRange::default()
                } else {
                    app.visible.clone()
                },
                contacts_sync,
                new_ip: app.new_ip,
            })
        }
        TokenOwner::AuthorisedCorp { corp_id, .. } => Ok(ContactsAccess {
            corp_id: corp_id.clone(),
            app: None,
            agent_id: None,
            view: FieldView::ThirdParty,
            visible: VisibleRange::default(),
            contacts_sync: false,
            new_ip: false,
        }),
        _ => Err(ApiError::api_forbidden()),
    }
}

impl ContactsAccess {
    /// 60020 when a contacts-sync caller on a new IP calls anything but `user/list_id` and
    /// `department/simplelist` (the 2022-08-15 rule, NOTES §3.3).
    pub fn check_old_ip_read(&self) -> Result<(), ApiError> {
        if self.contacts_sync && self.new_ip {
            return Err(ApiError::ip_not_allowed());
        }
        Ok(())
    }

    /// 60011 unless the caller holds the contacts-sync secret (the only writer).
    pub fn check_writer(&self) -> Result<(), ApiError> {
        if self.contacts_sync {
            Ok(())
        } else {
            Err(ApiError::no_privilege())
        }
    }
}
