//! Tests of the directory as a whole, one file per concern, sharing a small hand-written corp.

mod events;
mod generate;
mod mutate;
mod paging;
mod properties;
mod seed;
mod views;
mod visibility;

use super::Directory;

/// A small corp:
///
/// ```text
/// 1 模拟科技
/// ├── 2 研发中心          zhangsan (leader)
/// │   └── 3 后端开发部    lisi
/// │       └── 4 后端一组  wangwu
/// └── 5 销售中心          lisi, zhaoliu
/// tags: 1 管理层 = [zhangsan], 2 华南 = departments [5]
/// ```
pub(super) const SMALL_SEED: &str = r#"{
  "departments": [
    {"id": 1, "name": "模拟科技", "name_en": "Sim Tech", "parentid": 0, "order": 100},
    {"id": 2, "name": "研发中心", "name_en": "R&D", "parentid": 1, "order": 10, "department_leader": ["zhangsan"]},
    {"id": 3, "name": "后端开发部", "parentid": 2, "order": 5},
    {"id": 4, "name": "后端一组", "parentid": 3, "order": 1},
    {"id": 5, "name": "销售中心", "parentid": 1, "order": 20}
  ],
  "members": [
    {"userid": "zhangsan", "name": "张三", "department": [2], "order": [10], "is_leader_in_dept": [1],
     "position": "研发总监", "mobile": "13800000001", "gender": "1", "email": "zhangsan@sim.example",
     "status": 1},
    {"userid": "lisi", "name": "李四", "department": [3, 5], "order": [1, 2], "is_leader_in_dept": [0, 0],
     "main_department": 3, "direct_leader": ["zhangsan"], "mobile": "13800000002", "gender": "2",
     "status": 1},
    {"userid": "wangwu", "name": "王五", "department": [4], "mobile": "13800000003", "status": 4},
    {"userid": "zhaoliu", "name": "赵六", "department": [5], "email": "zhaoliu@sim.example", "status": 2}
  ],
  "tags": [
    {"tagid": 1, "tagname": "管理层", "userlist": ["zhangsan"]},
    {"tagid": 2, "tagname": "华南", "partylist": [5]}
  ]
}"#;

pub(super) fn small() -> Directory {
    Directory::from_seed_json("wwsmallcorp", SMALL_SEED).expect("the small seed is valid")
}
