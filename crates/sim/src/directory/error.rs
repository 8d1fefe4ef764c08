//! The errors the simulated directory answers with, each carrying the WeCom `errcode` the real
//! platform returns for the same mistake, so the HTTP layer can reply `{"errcode":…,"errmsg":…}`.
//!
//! Codes come from the official global error-code list (developer.work.weixin.qq.com path/90313,
//! 全局错误码, read through a verbatim transcription of its 排查方法 column) and the member/department
//! API pages; see NOTES.md §3.7. Where no code is documented the variant says so.

use thiserror::Error;

/// A directory operation the platform would refuse, with the platform's errcode.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DirectoryError {
    /// 40003 不合法的UserID: 1–64 bytes of letters, digits, `_-@.`, starting with a letter or digit.
    #[error(
        "invalid userid {0:?}: use 1-64 letters, digits or _-@. starting with a letter or digit"
    )]
    InvalidUserId(String),
    /// 60111 UserID不存在.
    #[error("userid {0:?} not found: create the member first or check the spelling")]
    UserNotFound(String),
    /// 60102 UserID已存在 (the check ignores case, as the platform's does).
    #[error(
        "userid {0:?} already exists (userids are compared ignoring case): choose another userid"
    )]
    UserIdExists(String),
    /// 60112 成员name参数不合法: 1–64 characters.
    #[error("invalid member name {0:?}: the name must be 1-64 characters")]
    InvalidMemberName(String),
    /// 60103 手机号码不合法: up to 32 characters of digits, `+`, `-` and spaces.
    #[error("invalid mobile {0:?}: use at most 32 digits, '+', '-' or spaces")]
    InvalidMobile(String),
    /// 60104 手机号码已存在.
    #[error("mobile {mobile:?} already belongs to {owner:?}: mobiles are unique within a corp")]
    MobileExists {
        /// The mobile number that is taken.
        mobile: String,
        /// The member that has it.
        owner: String,
    },
    /// 60105 邮箱不合法: 6–64 bytes with an `@`.
    #[error("invalid email {0:?}: use a 6-64 byte address containing '@'")]
    InvalidEmail(String),
    /// 60106 邮箱已存在.
    #[error("email {email:?} already belongs to {owner:?}: emails are unique within a corp")]
    EmailExists {
        /// The address that is taken.
        email: String,
        /// The member that has it.
        owner: String,
    },
    /// 60129 成员手机和邮箱都为空.
    #[error("member {0:?} has neither mobile nor email: give at least one")]
    MissingMobileAndEmail(String),
    /// 41019 缺少 department 参数.
    #[error("member {0:?} has no department: list at least one department id")]
    MissingDepartment(String),
    /// 60110 用户所属部门数量超过限制 (the current create-member page allows 100).
    #[error("member {userid:?} is in {count} departments: at most 100 are allowed")]
    TooManyDepartments {
        /// The member.
        userid: String,
        /// How many departments were given.
        count: usize,
    },
    /// 60132 is_leader_in_dept和department的元素个数不一致.
    #[error(
        "is_leader_in_dept has {leaders} entries but department has {departments}: give one per department"
    )]
    LeaderFlagsMismatch {
        /// Length of `is_leader_in_dept`.
        leaders: usize,
        /// Length of `department`.
        departments: usize,
    },
    /// 60003 部门不存在.
    #[error("department {0} not found: create it first or check the id")]
    DepartmentNotFound(u32),
    /// 60004 父部门不存在.
    #[error("parent department {0} not found: create the parent first")]
    ParentNotFound(u32),
    /// 60005 部门下存在成员.
    #[error("department {0} still has members: move or delete them first")]
    DepartmentHasMembers(u32),
    /// 60006 部门下存在子部门.
    #[error("department {0} still has sub-departments: delete or move them first")]
    DepartmentHasChildren(u32),
    /// 60007 不允许删除根部门.
    #[error("the root department 1 cannot be deleted or moved")]
    RootDepartment,
    /// 60008 部门已存在: the id is taken, or a sibling already has the name.
    #[error(
        "department {0} already exists (same id, or same name under the same parent): pick another"
    )]
    DepartmentExists(String),
    /// 60001 部门长度不符合限制: 1–32 characters.
    #[error("invalid department name {0:?}: the name must be 1-32 characters")]
    InvalidDepartmentName(String),
    /// 60009 部门名称含有非法字符 (`\:?*"<>|` and the Chinese quotes).
    #[error("department name {0:?} contains one of \\:?*\"<>|: remove it")]
    DepartmentNameIllegalChars(String),
    /// 60010 部门存在循环关系: the new parent is the department itself or one of its descendants.
    #[error(
        "moving department {id} under {parentid} would create a cycle: choose a parent outside its subtree"
    )]
    DepartmentCycle {
        /// The department being moved.
        id: u32,
        /// The requested parent.
        parentid: u32,
    },
    /// 81002 部门最多15层.
    #[error("department {0} would be deeper than 15 levels: attach it higher up")]
    TooDeep(u32),
    /// 40068 不合法的标签ID.
    #[error("tag {0} not found: create it first or check the id")]
    TagNotFound(u32),
    /// 40068 as well: creating a tag with an id that is taken (no dedicated code is documented).
    #[error("tag id {0} is already used: omit the id to get a free one")]
    TagIdExists(u32),
    /// 40071 不合法的标签名字: 标签名字已经存在.
    #[error("tag name {0:?} already exists: tag names are unique")]
    TagNameExists(String),
    /// 40072 不合法的标签名字长度: 1–32 characters.
    #[error("invalid tag name {0:?}: the name must be 1-32 characters")]
    InvalidTagName(String),
    /// 40035 不合法的参数 (tag calls: userlist and partylist both empty, or more than 1000 users /
    /// 100 departments).
    #[error("invalid tag member list: {0}")]
    TagItemsInvalid(String),
    /// 40070 指定的标签范围结点全部无效.
    #[error("none of the given users or departments exist: check the ids")]
    TagItemsAllInvalid,
    /// 50100 分页查询的游标无效.
    #[error("invalid cursor: pass the next_cursor of the previous page, or none to start over")]
    InvalidCursor,
    /// 40058 不合法的参数. user/list_id documents limit 1–10000 but not the errcode for a value
    /// outside it; 40058 is the platform's generic "invalid parameter".
    #[error("limit {0} is out of range: use 1-10000")]
    InvalidLimit(usize),
    /// 40058 不合法的参数, for other malformed input (the message says which).
    #[error("invalid parameter: {0}")]
    InvalidParameter(String),
}

impl DirectoryError {
    /// The WeCom errcode for this error.
    pub fn errcode(&self) -> i64 {
        use DirectoryError::*;
        match self {
            InvalidUserId(_) => 40003,
            UserNotFound(_) => 60111,
            UserIdExists(_) => 60102,
            InvalidMemberName(_) => 60112,
            InvalidMobile(_) => 60103,
            MobileExists { .. } => 60104,
            InvalidEmail(_) => 60105,
            EmailExists { .. } => 60106,
            MissingMobileAndEmail(_) => 60129,
            MissingDepartment(_) => 41019,
            TooManyDepartments { .. } => 60110,
            LeaderFlagsMismatch { .. } => 60132,
            DepartmentNotFound(_) => 60003,
            ParentNotFound(_) => 60004,
            DepartmentHasMembers(_) => 60005,
            DepartmentHasChildren(_) => 60006,
            RootDepartment => 60007,
            DepartmentExists(_) => 60008,
            InvalidDepartmentName(_) => 60001,
            DepartmentNameIllegalChars(_) => 60009,
            DepartmentCycle { .. } => 60010,
            TooDeep(_) => 81002,
            TagItemsInvalid(_) => 40035,
            TagNotFound(_) | TagIdExists(_) => 40068,
            TagNameExists(_) => 40071,
            InvalidTagName(_) => 40072,
            TagItemsAllInvalid => 40070,
            InvalidCursor => 50100,
            InvalidLimit(_) | InvalidParameter(_) => 40058,
        }
    }

    /// The errmsg to send with [`errcode`](Self::errcode) (the platform's own strings vary; clients
    /// must compare errcodes only).
    pub fn errmsg(&self) -> String {
        self.to_string()
    }
}
