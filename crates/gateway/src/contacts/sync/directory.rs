//! A directory is the contact data of one corp as one credential sees it: a `[[wecom]]` corp read
//! with its contacts-sync secret (or, without one, with an app's secret: a restricted view), or a
//! corp that authorised a suite (`suite-name:corp_id`, read with the authorised-corp token). This
//! module turns a directory name into the credential to read it with, and lists every directory
//! the schedule covers.

use wxgate_client::{TokenKey, WecomApi};
use wxgate_store::AuthCorpState;

use crate::registry::AppKind;
use crate::state::Gateway;

/// What a sync reads a directory with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credential {
    /// The corp's contacts-sync secret (通讯录同步): the whole corp, `user/list_id`.
    ContactsSecret,
    /// A self-built app's secret: its visible range, maybe without the privacy fields.
    AppSecret {
        /// The app's name.
        app: String,
    },
    /// The access token of a corp that authorised a suite: the third-party view.
    AuthorisedCorp {
        /// The suite's id.
        suite_id: String,
        /// The suite's configured name.
        suite: String,
    },
}

impl Credential {
    /// A stable name for the API and logs (`contacts_secret`, `app_secret`, `authorised_corp`).
    pub fn kind(&self) -> &'static str {
        match self {
            Credential::ContactsSecret => "contacts_secret",
            Credential::AppSecret { .. } => "app_secret",
            Credential::AuthorisedCorp { .. } => "authorised_corp",
        }
    }
}

/// A directory ready to be synced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncDirectory {
    /// Its name: the `[[wecom]]` name, or `suite-name:corp_id`.
    pub name: String,
    /// The corp whose directory it is.
    pub corp_id: String,
    /// The suite, for an authorised corp.
    pub suite_id: Option<String>,
    /// The entity events are filed under: the `[[wecom]]` corp name or the suite's name.
    pub owner: String,
    /// How it is read.
    pub credential: Credential,
    /// The token the credential uses.
    pub token: TokenKey,
}

impl SyncDirectory {
    /// WeCom API calls with this directory's token (rate limited by the caller).
    pub fn api(&self, gateway: &Gateway) -> WecomApi {
        gateway
            .client
            .wecom(gateway.tokens.clone(), self.token.clone())
    }
}

/// Why a directory name cannot be synced.
#[derive(Debug, thiserror::Error)]
pub enum DirectoryError {
    /// No `[[wecom]]` corp and no suite has this name.
    #[error(
        "no directory named `{0}`: use a [[wecom]] corp name or `suite-name:corp_id` of a corp that authorised a suite"
    )]
    Unknown(String),
    /// The corp has neither a contacts secret nor an app to read with.
    #[error(
        "the corp `{0}` has no [wecom.contacts] secret and no [[wecom.apps]] app to read its directory with"
    )]
    NoCredential(String),
    /// The suite is configured but the corp has not authorised it (or revoked it).
    #[error("the corp `{corp_id}` has not authorised the suite `{suite}` (or revoked it)")]
    NotAuthorised {
        /// The suite's name.
        suite: String,
        /// The corp.
        corp_id: String,
    },
    /// The database failed.
    #[error(transparent)]
    Storage(#[from] wxgate_store::StoreError),
}

/// The directory called `name`.
pub async fn resolve(gateway: &Gateway, name: &str) -> Result<SyncDirectory, DirectoryError> {
    if let Some((suite, corp_id)) = name.split_once(':') {
        return resolve_suite_corp(gateway, name, suite, corp_id).await;
    }
    let corp = gateway
        .config
        .wecom
        .iter()
        .find(|c| c.name == name)
        .ok_or_else(|| DirectoryError::Unknown(name.to_owned()))?;
    let corp_id = corp.corp_id.clone();
    let apps = gateway.registry.all();
    let contacts = apps
        .iter()
        .any(|a| matches!(&a.kind, AppKind::WecomContacts { corp_id: c } if *c == corp_id));
    let (credential, token) = if contacts {
        (
            Credential::ContactsSecret,
            TokenKey::wecom_contacts(&corp_id),
        )
    } else {
        let app = apps
            .iter()
            .filter_map(|a| match &a.kind {
                AppKind::WecomApp {
                    corp_id: c,
                    agent_id,
                } if *c == corp_id => Some((a.name.clone(), *agent_id)),
                _ => None,
            })
            .min_by(|a, b| a.0.cmp(&b.0))
            .ok_or_else(|| DirectoryError::NoCredential(name.to_owned()))?;
        (
            Credential::AppSecret { app: app.0 },
            TokenKey::wecom_app(&corp_id, &app.1.to_string()),
        )
    };
    Ok(SyncDirectory {
        name: name.to_owned(),
        corp_id,
        suite_id: None,
        owner: corp.name.clone(),
        credential,
        token,
    })
}

async fn resolve_suite_corp(
    gateway: &Gateway,
    name: &str,
    suite: &str,
    corp_id: &str,
) -> Result<SyncDirectory, DirectoryError> {
    let entry = gateway
        .registry
        .get(suite)
        .ok_or_else(|| DirectoryError::Unknown(name.to_owned()))?;
    let AppKind::Suite { suite_id, .. } = &entry.kind else {
        return Err(DirectoryError::Unknown(name.to_owned()));
    };
    let not_authorised = || DirectoryError::NotAuthorised {
        suite: suite.to_owned(),
        corp_id: corp_id.to_owned(),
    };
    let corp = gateway
        .store
        .get_auth_corp(suite_id, corp_id)
        .await?
        .ok_or_else(not_authorised)?;
    if corp.state != AuthCorpState::Active {
        return Err(not_authorised());
    }
    Ok(SyncDirectory {
        name: name.to_owned(),
        corp_id: corp_id.to_owned(),
        suite_id: Some(suite_id.clone()),
        owner: suite.to_owned(),
        credential: Credential::AuthorisedCorp {
            suite_id: suite_id.clone(),
            suite: suite.to_owned(),
        },
        token: TokenKey::auth_corp(suite_id, corp_id),
    })
}

/// Every directory the schedule covers: each `[[wecom]]` corp that can be read, and (with
/// `[contacts] sync_suite_corps`) each active corp of each suite.
pub async fn all(gateway: &Gateway) -> Result<Vec<SyncDirectory>, DirectoryError> {
    let mut out = Vec::new();
    for corp in &gateway.config.wecom {
        match resolve(gateway, &corp.name).await {
            Ok(d) => out.push(d),
            Err(DirectoryError::NoCredential(_)) => {}
            Err(e) => return Err(e),
        }
    }
    if gateway.config.contacts.sync_suite_corps {
        for entry in gateway.registry.all() {
            let AppKind::Suite { suite_id, .. } = &entry.kind else {
                continue;
            };
            for corp in gateway.store.list_auth_corps(suite_id).await? {
                if corp.state == AuthCorpState::Active {
                    let name = format!("{}:{}", entry.name, corp.corp_id);
                    out.push(resolve_suite_corp(gateway, &name, &entry.name, &corp.corp_id).await?);
                }
            }
        }
    }
    Ok(out)
}
