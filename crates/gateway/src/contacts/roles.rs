//! Departments as roles: every department of every active directory member linked to a user
//! becomes a role claim, so applications authorise by the WeCom org chart.
//!
//! A role is `{role_prefix}{directory}:{path}`, where `path` is the department ids from the root
//! down joined by `/`, e.g. `dept:acme:1/2/5` for department 5 under 2 under the root 1 of
//! directory `acme`. Each ancestor yields its own role too (`dept:acme:1/2`, `dept:acme:1`), so
//! a check for a parent department also matches members of its children: "is in R&D (2)" is
//! `roles contains "dept:acme:1/2"`, whatever sub-department the member sits in. Ids, not names,
//! keep roles stable across renames; a move changes them on the next token.

use std::collections::BTreeSet;

use wxgate_store::StoreError;

use crate::state::Gateway;

/// The department roles of wxgate user `user_id`, sorted and deduplicated (see the module docs).
pub async fn department_roles(gateway: &Gateway, user_id: &str) -> Result<Vec<String>, StoreError> {
    let prefix = &gateway.config.contacts.role_prefix;
    let paths = gateway.store.member_department_paths(user_id).await?;
    Ok(roles_of_paths(
        prefix,
        paths
            .iter()
            .map(|p| (p.directory.as_str(), p.path.as_slice())),
    ))
}

/// The roles of department paths (each path and each of its ancestors), sorted, once each.
pub fn roles_of_paths<'a>(
    prefix: &str,
    paths: impl IntoIterator<Item = (&'a str, &'a [i64])>,
) -> Vec<String> {
    let mut roles = BTreeSet::new();
    for (directory, path) in paths {
        for end in 1..=path.len() {
            let ids: Vec<String> = path[..end].iter().map(i64::to_string).collect();
            roles.insert(format!("{prefix}{directory}:{}", ids.join("/")));
        }
    }
    roles.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::roles_of_paths;

    #[test]
    fn each_department_and_its_ancestors_once() {
        let roles = roles_of_paths(
            "dept:",
            [
                ("acme", &[1, 2, 5][..]),
                ("acme", &[1, 3][..]),
                ("crm:ww1", &[1][..]),
            ],
        );
        assert_eq!(
            roles,
            vec![
                "dept:acme:1",
                "dept:acme:1/2",
                "dept:acme:1/2/5",
                "dept:acme:1/3",
                "dept:crm:ww1:1",
            ]
        );
    }
}
