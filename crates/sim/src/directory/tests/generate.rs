//! The generator: determinism and the realism promised in its documentation.

use std::collections::HashSet;

use crate::directory::mutate::valid_userid;
use crate::directory::{Directory, GenerateOptions, ROOT_DEPARTMENT};

fn options(members: usize, departments: usize, seed: u64) -> GenerateOptions {
    GenerateOptions {
        corp_id: "wwgentest".to_owned(),
        members,
        departments,
        seed,
    }
}

#[test]
fn same_seed_gives_byte_equal_directories() {
    let a = Directory::generate(&options(800, 60, 7));
    let b = Directory::generate(&options(800, 60, 7));
    assert_eq!(a.to_seed_json(), b.to_seed_json());
}

#[test]
fn different_seeds_give_different_directories() {
    let a = Directory::generate(&options(300, 40, 1));
    let b = Directory::generate(&options(300, 40, 2));
    assert_ne!(a.to_seed_json(), b.to_seed_json());
    let c = Directory::generate(&GenerateOptions {
        corp_id: "wwother".to_owned(),
        ..options(300, 40, 1)
    });
    // Same people, but open_userids (and mail domains) depend on the corp.
    assert_ne!(
        a.members().next().map(|m| &m.open_userid),
        c.members().next().map(|m| &m.open_userid)
    );
}

#[test]
fn generated_corp_is_realistic_and_consistent() {
    let dir = Directory::generate(&options(3000, 200, 42));
    assert_eq!(dir.member_count(), 3000);
    assert_eq!(dir.department_count(), 200);
    assert!(dir.indexes_are_consistent());

    let root = dir.department(ROOT_DEPARTMENT).unwrap();
    assert_eq!(root.parentid, 0);
    let depth = dir
        .departments()
        .map(|d| dir.ancestors(d.id).len())
        .max()
        .unwrap();
    assert!(depth >= 3, "tree only {depth} levels deep");
    assert!(dir.departments().any(|d| d.name.ends_with('组')));
    assert!(dir.departments().all(|d| d.name_en.is_some()));
    for dept in dir.departments() {
        let names: Vec<&str> = dir
            .children(dept.id)
            .iter()
            .map(|c| c.name.as_str())
            .collect();
        let unique: HashSet<&str> = names.iter().copied().collect();
        assert_eq!(
            names.len(),
            unique.len(),
            "sibling names repeat under {}",
            dept.id
        );
    }

    let mut mobiles = HashSet::new();
    let mut multi_department = 0;
    let mut statuses = [0usize; 6];
    let mut with_extattr = 0;
    for m in dir.members() {
        assert!(valid_userid(&m.userid), "{}", m.userid);
        assert!(
            m.userid
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        );
        let chars = m.name.chars().count();
        assert!((2..=4).contains(&chars), "{}", m.name);
        assert!(m.name.chars().all(|c| !c.is_ascii()));
        assert!((1..=3).contains(&m.department.len()));
        if m.department.len() > 1 {
            multi_department += 1;
        }
        assert_eq!(m.order.len(), m.department.len());
        assert_eq!(m.is_leader_in_dept.len(), m.department.len());
        assert!(m.department.contains(&m.main_department));
        assert!(m.department.iter().all(|d| dir.department(*d).is_some()));
        assert!(mobiles.insert(m.mobile.clone()), "duplicate mobile");
        assert_eq!(m.mobile.len(), 11);
        assert!(m.mobile.starts_with('1'));
        assert!(m.email.starts_with(&m.userid) && m.email.contains('@'));
        assert!(matches!(m.gender.as_str(), "1" | "2"));
        statuses[m.status as usize] += 1;
        if m.extattr["attrs"].as_array().is_some_and(|a| !a.is_empty()) {
            with_extattr += 1;
        }
        for leader in &m.direct_leader {
            assert_ne!(leader, &m.userid);
            assert!(dir.member(leader).is_some());
        }
        for (dept, flag) in m.department.iter().zip(&m.is_leader_in_dept) {
            let listed = dir
                .department(*dept)
                .unwrap()
                .department_leader
                .contains(&m.userid);
            assert_eq!(listed, *flag == 1, "{} in {dept}", m.userid);
        }
        assert_eq!(
            dir.member_by_open_userid(&m.open_userid).unwrap().userid,
            m.userid
        );
    }
    assert!(multi_department > 100, "{multi_department}");
    assert!(
        statuses[2] > 20 && statuses[2] < 300,
        "disabled {}",
        statuses[2]
    );
    assert!(
        statuses[4] > 50 && statuses[4] < 400,
        "inactive {}",
        statuses[4]
    );
    assert!(with_extattr > 300);
    assert!(
        dir.members()
            .filter(|m| !m.direct_leader.is_empty())
            .count()
            > 2500
    );
    // Collisions get digits: 3000 people share few pinyin spellings.
    assert!(
        dir.members()
            .any(|m| m.userid.ends_with(|c: char| c.is_ascii_digit()))
    );
    assert!(dir.tags().count() >= 4);
    assert!(dir.tags().any(|t| !t.partylist.is_empty()));
}

#[test]
fn tiny_corps_are_generated_too() {
    let only_root = Directory::generate(&options(5, 1, 3));
    assert_eq!(only_root.department_count(), 1);
    assert!(
        only_root
            .members()
            .all(|m| m.department == vec![ROOT_DEPARTMENT])
    );
    let empty = Directory::generate(&options(0, 0, 3));
    assert_eq!(empty.department_count(), 1);
    assert_eq!(empty.member_count(), 0);
}

/// 100 000 members / 5 000 departments. Ignored in debug runs (about 10 s); in release it takes
/// well under 1 s — see `examples/generate_directory.rs`.
#[test]
#[ignore = "slow in debug builds; run with --release -- --ignored"]
fn generates_a_hundred_thousand_members() {
    let started = std::time::Instant::now();
    let dir = Directory::generate(&options(100_000, 5_000, 1));
    assert_eq!(dir.member_count(), 100_000);
    assert_eq!(dir.department_count(), 5_000);
    assert!(dir.indexes_are_consistent());
    if !cfg!(debug_assertions) {
        assert!(started.elapsed() < std::time::Duration::from_secs(5));
    }
}
