//! The account system's storage: users, the platform identities behind them, manual roles and
//! browser sessions.
//!
//! WeChat keys a person by openid per app and unionid per open platform, WeCom by userid per corp
//! and open_userid per suite. Each of those is an [`Identity`] `(kind, scope, subject)` that points
//! at exactly one live [`User`]; [`Store::sign_in`](crate::Store::sign_in) turns the identities a login proved into one
//! user, creating it on first sight and **merging** two users when a login proves they are one
//! person (an openid's user meets a unionid's user).

mod identities;
mod roles;
mod sessions;
mod sign_in;
mod users;

pub use identities::{Identity, IdentityKey, IdentityKind};
pub use sessions::{NewSession, Session};
pub use sign_in::{Merge, SignIn, SignInOutcome};
pub use users::{User, UserFilter, UserStatus};

/// A new user or identity id: a prefix and a ULID (time-ordered, unguessable).
pub(crate) fn new_id(prefix: &str) -> String {
    let ulid = ulid::Ulid::from_parts(
        u64::try_from(crate::clock::now_ms()).unwrap_or(0),
        rand::random::<u128>(),
    );
    let mut buf = [0u8; ulid::ULID_LEN];
    format!(
        "{prefix}{}",
        ulid.array_to_str(&mut buf).to_ascii_lowercase()
    )
}
