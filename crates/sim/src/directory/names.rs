//! Word lists the generator draws from: Chinese surnames and given-name characters with their
//! pinyin (for userids), department names with English names, job titles and cities.

/// Common surnames with pinyin, most frequent first.
pub(crate) const SURNAMES: &[(&str, &str)] = &[
    ("王", "wang"),
    ("李", "li"),
    ("张", "zhang"),
    ("刘", "liu"),
    ("陈", "chen"),
    ("杨", "yang"),
    ("黄", "huang"),
    ("赵", "zhao"),
    ("吴", "wu"),
    ("周", "zhou"),
    ("徐", "xu"),
    ("孙", "sun"),
    ("马", "ma"),
    ("朱", "zhu"),
    ("胡", "hu"),
    ("郭", "guo"),
    ("何", "he"),
    ("高", "gao"),
    ("林", "lin"),
    ("罗", "luo"),
    ("郑", "zheng"),
    ("梁", "liang"),
    ("谢", "xie"),
    ("宋", "song"),
    ("唐", "tang"),
    ("许", "xu"),
    ("韩", "han"),
    ("冯", "feng"),
    ("邓", "deng"),
    ("曹", "cao"),
    ("彭", "peng"),
    ("曾", "zeng"),
    ("肖", "xiao"),
    ("田", "tian"),
    ("董", "dong"),
    ("袁", "yuan"),
    ("潘", "pan"),
    ("于", "yu"),
    ("蒋", "jiang"),
    ("蔡", "cai"),
    ("余", "yu"),
    ("杜", "du"),
    ("叶", "ye"),
    ("程", "cheng"),
    ("苏", "su"),
    ("魏", "wei"),
    ("吕", "lv"),
    ("丁", "ding"),
    ("任", "ren"),
    ("沈", "shen"),
    ("姚", "yao"),
    ("卢", "lu"),
    ("姜", "jiang"),
    ("崔", "cui"),
    ("钟", "zhong"),
    ("谭", "tan"),
    ("陆", "lu"),
    ("汪", "wang"),
    ("范", "fan"),
    ("欧阳", "ouyang"),
    ("司马", "sima"),
];

/// Characters used in given names, with pinyin.
pub(crate) const GIVEN: &[(&str, &str)] = &[
    ("伟", "wei"),
    ("芳", "fang"),
    ("娜", "na"),
    ("敏", "min"),
    ("静", "jing"),
    ("丽", "li"),
    ("强", "qiang"),
    ("磊", "lei"),
    ("军", "jun"),
    ("洋", "yang"),
    ("勇", "yong"),
    ("艳", "yan"),
    ("杰", "jie"),
    ("娟", "juan"),
    ("涛", "tao"),
    ("明", "ming"),
    ("超", "chao"),
    ("秀", "xiu"),
    ("霞", "xia"),
    ("平", "ping"),
    ("刚", "gang"),
    ("桂", "gui"),
    ("英", "ying"),
    ("华", "hua"),
    ("文", "wen"),
    ("建", "jian"),
    ("国", "guo"),
    ("玲", "ling"),
    ("雪", "xue"),
    ("晨", "chen"),
    ("宇", "yu"),
    ("浩", "hao"),
    ("子", "zi"),
    ("轩", "xuan"),
    ("欣", "xin"),
    ("怡", "yi"),
    ("佳", "jia"),
    ("嘉", "jia"),
    ("思", "si"),
    ("雨", "yu"),
    ("博", "bo"),
    ("昊", "hao"),
    ("梓", "zi"),
    ("涵", "han"),
    ("晓", "xiao"),
    ("婷", "ting"),
    ("鹏", "peng"),
    ("辉", "hui"),
    ("志", "zhi"),
    ("海", "hai"),
    ("峰", "feng"),
    ("琳", "lin"),
    ("颖", "ying"),
    ("俊", "jun"),
    ("凯", "kai"),
    ("瑞", "rui"),
    ("天", "tian"),
    ("一", "yi"),
    ("诗", "shi"),
    ("泽", "ze"),
];

/// First-level units under the root, with English names.
pub(crate) const DIVISIONS: &[(&str, &str)] = &[
    ("研发中心", "R&D Center"),
    ("产品中心", "Product Center"),
    ("销售中心", "Sales Center"),
    ("市场部", "Marketing"),
    ("客户服务中心", "Customer Service Center"),
    ("运营中心", "Operations Center"),
    ("人力资源部", "Human Resources"),
    ("财务部", "Finance"),
    ("行政部", "Administration"),
    ("法务部", "Legal"),
    ("供应链中心", "Supply Chain Center"),
    ("数据中心", "Data Center"),
];

/// Second-level departments, with English names.
pub(crate) const DEPARTMENTS: &[(&str, &str)] = &[
    ("产品部", "Product"),
    ("后端开发部", "Backend Engineering"),
    ("前端开发部", "Frontend Engineering"),
    ("移动开发部", "Mobile Engineering"),
    ("测试部", "QA"),
    ("运维部", "Site Reliability"),
    ("基础架构部", "Infrastructure"),
    ("数据平台部", "Data Platform"),
    ("安全部", "Security"),
    ("设计部", "Design"),
    ("华南销售部", "South China Sales"),
    ("华东销售部", "East China Sales"),
    ("华北销售部", "North China Sales"),
    ("西南销售部", "Southwest Sales"),
    ("大客户部", "Key Accounts"),
    ("渠道部", "Channels"),
    ("品牌部", "Brand"),
    ("招聘部", "Recruiting"),
    ("培训部", "Training"),
    ("会计部", "Accounting"),
    ("采购部", "Procurement"),
    ("物流部", "Logistics"),
];

/// Prefixes of numbered teams (华南销售一组), with English names.
pub(crate) const TEAMS: &[(&str, &str)] = &[
    ("华南销售", "South China Sales Team"),
    ("华东销售", "East China Sales Team"),
    ("华北销售", "North China Sales Team"),
    ("后端", "Backend Team"),
    ("前端", "Frontend Team"),
    ("测试", "QA Team"),
    ("运维", "SRE Team"),
    ("客服", "Support Team"),
    ("产品", "Product Team"),
    ("算法", "Algorithms Team"),
    ("数据", "Data Team"),
    ("增长", "Growth Team"),
];

/// Job titles for members who lead nothing.
pub(crate) const POSITIONS: &[&str] = &[
    "后端工程师",
    "前端工程师",
    "测试工程师",
    "运维工程师",
    "产品经理",
    "设计师",
    "销售代表",
    "客户经理",
    "客服专员",
    "数据分析师",
    "算法工程师",
    "运营专员",
    "招聘专员",
    "会计",
    "行政专员",
    "法务专员",
    "采购专员",
    "实习生",
];

/// Job titles for department leaders.
pub(crate) const LEADER_POSITIONS: &[&str] = &["经理", "总监", "组长", "主管", "负责人"];

/// Office cities with a landline area code.
pub(crate) const CITIES: &[(&str, &str)] = &[
    ("广州市天河区珠江新城", "020"),
    ("深圳市南山区科技园", "0755"),
    ("北京市海淀区中关村", "010"),
    ("上海市浦东新区张江", "021"),
    ("杭州市西湖区文三路", "0571"),
    ("成都市高新区天府大道", "028"),
];

/// `n` (≥ 1) in Chinese numerals for names like 一组 or 二十三组; digits above 99.
pub(crate) fn chinese_number(n: usize) -> String {
    const DIGITS: [&str; 10] = ["零", "一", "二", "三", "四", "五", "六", "七", "八", "九"];
    match n {
        0..=9 => DIGITS[n].to_owned(),
        10 => "十".to_owned(),
        11..=19 => format!("十{}", DIGITS[n % 10]),
        20..=99 if n.is_multiple_of(10) => format!("{}十", DIGITS[n / 10]),
        20..=99 => format!("{}十{}", DIGITS[n / 10], DIGITS[n % 10]),
        _ => n.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::chinese_number;

    #[test]
    fn chinese_numbers() {
        assert_eq!(chinese_number(1), "一");
        assert_eq!(chinese_number(10), "十");
        assert_eq!(chinese_number(12), "十二");
        assert_eq!(chinese_number(20), "二十");
        assert_eq!(chinese_number(35), "三十五");
        assert_eq!(chinese_number(100), "100");
    }
}
