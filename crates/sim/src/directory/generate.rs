//! A deterministic generator of realistic corporate directories, so tests and demos get a
//! believable corp of any size (up to 100 000 members and more) from one seed.
//!
//! Same options, same directory, on every machine: the only randomness is a `ChaCha8Rng` seeded
//! from [`GenerateOptions::seed`], and hash maps are only used for lookups, never iterated.

use std::collections::{BTreeMap, HashMap, HashSet};

use rand::seq::IndexedRandom;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::json;

use super::model::{Department, Directory, Member, ROOT_DEPARTMENT, Tag};
use super::names::{
    CITIES, DEPARTMENTS, DIVISIONS, GIVEN, LEADER_POSITIONS, POSITIONS, SURNAMES, TEAMS,
    chinese_number,
};

/// Departments deeper than this (root = depth 0) are not generated.
const MAX_DEPTH: usize = 7;

/// What to generate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GenerateOptions {
    /// The corp id (ww…); it also seeds open_userids and the mail domain.
    pub corp_id: String,
    /// Number of members.
    pub members: usize,
    /// Number of departments including the root (at least 1 is made).
    pub departments: usize,
    /// The random seed.
    pub seed: u64,
}

impl Default for GenerateOptions {
    fn default() -> Self {
        GenerateOptions {
            corp_id: "wwsim0000000000001".to_owned(),
            members: 200,
            departments: 30,
            seed: 1,
        }
    }
}

impl Directory {
    /// Generates a directory: a department tree several levels deep with names like 研发中心 /
    /// 后端开发部 / 华南销售一组, members with Chinese names and pinyin userids in 1–3 departments,
    /// leaders, direct leaders, unique mobiles and emails, a few disabled and not-yet-activated
    /// members, extended attributes on some, and a handful of tags.
    pub fn generate(options: &GenerateOptions) -> Directory {
        let mut rng = ChaCha8Rng::seed_from_u64(options.seed);
        let mut departments = generate_departments(&mut rng, options.departments.max(1));
        let mut members = generate_members(&mut rng, options, &departments);
        assign_leaders(&mut rng, &mut departments, &mut members);
        let tags = generate_tags(&mut rng, &departments, &members);
        let members = into_sorted_map(members);
        Directory::from_records(&options.corp_id, departments, members, tags)
    }
}

fn generate_departments(rng: &mut ChaCha8Rng, count: usize) -> BTreeMap<u32, Department> {
    let mut departments = BTreeMap::new();
    departments.insert(
        ROOT_DEPARTMENT,
        Department {
            id: ROOT_DEPARTMENT,
            name: "模拟科技有限公司".to_owned(),
            name_en: Some("Sim Technology Co., Ltd.".to_owned()),
            parentid: 0,
            order: 100_000_000,
            department_leader: Vec::new(),
        },
    );
    let mut depth: HashMap<u32, usize> = HashMap::from([(ROOT_DEPARTMENT, 0)]);
    // Departments that may still get children (the root only gets the divisions).
    let mut open: Vec<u32> = Vec::new();
    // Second-level names already used under a parent, and team counters per (parent, prefix).
    let mut used_names: HashMap<u32, Vec<usize>> = HashMap::new();
    let mut team_counter: HashMap<(u32, usize), usize> = HashMap::new();
    let mut next_id = ROOT_DEPARTMENT + 1;

    let divisions = (count - 1).min(DIVISIONS.len());
    for (name, name_en) in DIVISIONS.iter().take(divisions) {
        let id = next_id;
        next_id += 1;
        departments.insert(
            id,
            Department {
                id,
                name: (*name).to_owned(),
                name_en: Some((*name_en).to_owned()),
                parentid: ROOT_DEPARTMENT,
                order: rng.random_range(0..1000),
                department_leader: Vec::new(),
            },
        );
        depth.insert(id, 1);
        open.push(id);
    }

    while departments.len() < count {
        let Some(&parent) = open.choose(rng) else {
            break;
        };
        let parent_depth = depth[&parent];
        let id = next_id;
        next_id += 1;
        let used = used_names.entry(parent).or_default();
        let free: Vec<usize> = (0..DEPARTMENTS.len())
            .filter(|i| !used.contains(i))
            .collect();
        let (name, name_en) = match free.choose(rng) {
            Some(&i) if parent_depth == 1 => {
                used.push(i);
                (DEPARTMENTS[i].0.to_owned(), DEPARTMENTS[i].1.to_owned())
            }
            _ => {
                let prefix = rng.random_range(0..TEAMS.len());
                let n = team_counter.entry((parent, prefix)).or_insert(0);
                *n += 1;
                let (zh, en) = TEAMS[prefix];
                (format!("{zh}{}组", chinese_number(*n)), format!("{en} {n}"))
            }
        };
        departments.insert(
            id,
            Department {
                id,
                name,
                name_en: Some(name_en),
                parentid: parent,
                order: rng.random_range(0..1000),
                department_leader: Vec::new(),
            },
        );
        depth.insert(id, parent_depth + 1);
        if parent_depth + 1 < MAX_DEPTH {
            open.push(id);
        }
    }
    departments
}

fn mail_domain(corp_id: &str) -> String {
    let slug: String = corp_id
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect();
    if slug.is_empty() {
        "simcorp".to_owned()
    } else {
        slug
    }
}

fn generate_members(
    rng: &mut ChaCha8Rng,
    options: &GenerateOptions,
    departments: &BTreeMap<u32, Department>,
) -> Vec<Member> {
    let domain = mail_domain(&options.corp_id);
    let mut candidates: Vec<u32> = departments
        .keys()
        .copied()
        .filter(|id| *id != ROOT_DEPARTMENT)
        .collect();
    if candidates.is_empty() {
        candidates.push(ROOT_DEPARTMENT);
    }
    let mut userid_counts: HashMap<String, u32> = HashMap::new();
    let mut mobiles: HashSet<u64> = HashSet::with_capacity(options.members);
    let mut members = Vec::with_capacity(options.members);
    for serial in 0..options.members {
        let (surname, surname_py) = SURNAMES[rng.random_range(0..SURNAMES.len())];
        let given_len = if rng.random_bool(0.7) { 2 } else { 1 };
        let mut name = surname.to_owned();
        let mut base = surname_py.to_owned();
        for _ in 0..given_len {
            let (ch, py) = GIVEN[rng.random_range(0..GIVEN.len())];
            name.push_str(ch);
            base.push_str(py);
        }
        let seen = userid_counts.entry(base.clone()).or_insert(0);
        *seen += 1;
        let userid = if *seen == 1 {
            base
        } else {
            format!("{base}{seen}")
        };

        let dept_count = match rng.random_range(0..100) {
            0..=84 => 1,
            85..=96 => 2,
            _ => 3,
        }
        .min(candidates.len());
        let mut department: Vec<u32> = Vec::with_capacity(dept_count);
        while department.len() < dept_count {
            let d = candidates[rng.random_range(0..candidates.len())];
            if !department.contains(&d) {
                department.push(d);
            }
        }
        let order: Vec<u32> = department
            .iter()
            .map(|_| {
                if rng.random_bool(0.3) {
                    rng.random_range(0..10_000)
                } else {
                    0
                }
            })
            .collect();

        let mobile = loop {
            let prefix: u64 = [13, 15, 17, 18, 19][rng.random_range(0..5)];
            let candidate = prefix * 1_000_000_000 + rng.random_range(0..1_000_000_000u64);
            if mobiles.insert(candidate) {
                break candidate.to_string();
            }
        };
        let status = match rng.random_range(0..100) {
            0..=2 => 2,
            3..=7 => 4,
            _ => 1,
        };
        let (city, area) = CITIES[rng.random_range(0..CITIES.len())];
        let picture: u64 = rng.random();
        let mut member = Member::new(&userid, &name, department);
        member.main_department = member.department[0];
        member.order = order;
        member.position = POSITIONS[rng.random_range(0..POSITIONS.len())].to_owned();
        member.mobile = mobile;
        member.gender = if rng.random_bool(0.5) { "1" } else { "2" }.to_owned();
        member.email = format!("{userid}@{domain}.com");
        member.biz_mail = format!("{userid}@{domain}.wecom.work");
        member.status = status;
        if status != 4 {
            member.avatar = format!("https://wework.qpic.cn/wwpic/sim{picture:016x}/0");
            member.thumb_avatar = format!("https://wework.qpic.cn/wwpic/sim{picture:016x}/100");
        }
        member.qr_code = format!(
            "https://open.work.weixin.qq.com/wwopen/userQRCode?vcode=vc{:016x}",
            picture.rotate_left(17)
        );
        if rng.random_bool(0.3) {
            member.telephone = format!("{area}-{:08}", rng.random_range(0..100_000_000u32));
        }
        if rng.random_bool(0.6) {
            member.address = city.to_owned();
        }
        if rng.random_bool(0.1) {
            let mut english = surname_py.to_owned();
            if let Some(first) = english.get_mut(0..1) {
                first.make_ascii_uppercase();
            }
            member.english_name = english.clone();
            member.alias = english;
        }
        if rng.random_bool(0.2) {
            member.extattr = json!({ "attrs": [
                { "type": 0, "name": "工号", "text": { "value": format!("E{:06}", serial + 1) } }
            ]});
        }
        members.push(member);
    }
    members
}

/// Keys the members by userid. Sorting indices instead of the (large) members themselves keeps
/// the sort from moving half-kilobyte records around.
fn into_sorted_map(members: Vec<Member>) -> BTreeMap<String, Member> {
    let mut order: Vec<usize> = (0..members.len()).collect();
    order.sort_unstable_by(|a, b| members[*a].userid.cmp(&members[*b].userid));
    let mut slots: Vec<Option<Member>> = members.into_iter().map(Some).collect();
    order
        .into_iter()
        .filter_map(|i| slots[i].take())
        .map(|m| (m.userid.clone(), m))
        .collect()
}

fn assign_leaders(
    rng: &mut ChaCha8Rng,
    departments: &mut BTreeMap<u32, Department>,
    members: &mut [Member],
) {
    let mut by_dept: BTreeMap<u32, Vec<usize>> = BTreeMap::new();
    for (i, member) in members.iter().enumerate() {
        for dept in &member.department {
            by_dept.entry(*dept).or_default().push(i);
        }
    }
    for (dept_id, list) in &by_dept {
        let Some(dept) = departments.get_mut(dept_id) else {
            continue;
        };
        let leaders = if list.len() > 3 && rng.random_bool(0.1) {
            2
        } else {
            1
        };
        for _ in 0..leaders {
            let i = list[rng.random_range(0..list.len())];
            let member = &mut members[i];
            if dept.department_leader.contains(&member.userid) {
                continue;
            }
            dept.department_leader.push(member.userid.clone());
            if let Some(slot) = member.department.iter().position(|d| d == dept_id) {
                member.is_leader_in_dept[slot] = 1;
                if slot == 0 {
                    let title = LEADER_POSITIONS[rng.random_range(0..LEADER_POSITIONS.len())];
                    member.position = format!("{}{}", dept.name, title);
                }
            }
        }
    }
    // Direct leader: the first leader other than oneself, from the main department upwards.
    for member in members.iter_mut() {
        let mut current = Some(member.main_department);
        let mut hops = 0;
        while let Some(id) = current.filter(|id| *id != 0 && hops <= MAX_DEPTH + 1) {
            let Some(dept) = departments.get(&id) else {
                break;
            };
            if let Some(leader) = dept.department_leader.iter().find(|l| **l != member.userid) {
                member.direct_leader = vec![leader.clone()];
                break;
            }
            current = Some(dept.parentid);
            hops += 1;
        }
    }
}

fn generate_tags(
    rng: &mut ChaCha8Rng,
    departments: &BTreeMap<u32, Department>,
    members: &[Member],
) -> BTreeMap<u32, Tag> {
    let mut tags = BTreeMap::new();
    if members.is_empty() {
        return tags;
    }
    let mut leaders: Vec<String> = departments
        .values()
        .flat_map(|d| d.department_leader.iter().cloned())
        .collect();
    leaders.sort();
    leaders.dedup();
    let mut sample = |share: f64| -> Vec<String> {
        members
            .iter()
            .filter(|_| rng.random_bool(share))
            .map(|m| m.userid.clone())
            .collect()
    };
    let newcomers = sample(0.02);
    let ambassadors = sample(0.005);
    let project = sample(0.003);
    let first_division: Vec<u32> = departments
        .keys()
        .copied()
        .filter(|id| *id != ROOT_DEPARTMENT)
        .take(1)
        .collect();
    let later_departments: Vec<u32> = departments.keys().copied().skip(5).take(2).collect();
    let specs = [
        ("管理层", leaders, Vec::new()),
        ("新员工", newcomers, Vec::new()),
        ("技术委员会", Vec::new(), first_division),
        ("内推大使", ambassadors, Vec::new()),
        ("跨部门项目组", project, later_departments),
    ];
    for (i, (tagname, userlist, partylist)) in specs.into_iter().enumerate() {
        let tagid = i as u32 + 1;
        tags.insert(
            tagid,
            Tag {
                tagid,
                tagname: tagname.to_owned(),
                userlist,
                partylist,
            },
        );
    }
    tags
}
