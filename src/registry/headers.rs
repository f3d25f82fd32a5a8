//! Column headers as offices write them, and finding the header row.

/// A registry column the importer understands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Field {
    /// 序号: a running number; read and ignored.
    Seq,
    Name,
    Platform,
    PlatformId,
    Link,
    OwnerUnit,
    SupervisingUnit,
    Region,
    Contact,
    Phone,
    Email,
    Status,
    OpenedOn,
    ClosingOn,
    PortalUrl,
    IsSource,
    Tags,
    Notes,
}

impl Field {
    /// The order and header text of exports; each is also the first alias.
    pub(crate) const EXPORT_ORDER: [Field; 18] = [
        Field::Seq,
        Field::Name,
        Field::Platform,
        Field::PlatformId,
        Field::Link,
        Field::OwnerUnit,
        Field::SupervisingUnit,
        Field::Region,
        Field::Contact,
        Field::Phone,
        Field::Email,
        Field::Status,
        Field::OpenedOn,
        Field::ClosingOn,
        Field::PortalUrl,
        Field::IsSource,
        Field::Tags,
        Field::Notes,
    ];

    /// Header spellings, already normalised (see [`normalise_header`]). The
    /// first one is the canonical header written on export.
    pub(crate) fn aliases(self) -> &'static [&'static str] {
        match self {
            Field::Seq => &["序号", "编号", "no", "no.", "#"],
            Field::Name => &[
                "账号名称",
                "名称",
                "账号",
                "账户名称",
                "新媒体名称",
                "账号昵称",
                "name",
                "display_name",
                "account_name",
            ],
            Field::Platform => &["平台", "平台类型", "类型", "所属平台", "发布平台", "平台名称", "platform"],
            Field::PlatformId => &["账号id", "id", "平台id", "uid", "微信号", "原始id", "platform_id", "account_id"],
            Field::Link => &[
                "主页链接",
                "链接",
                "网址",
                "主页地址",
                "主页网址",
                "账号链接",
                "账号主页",
                "url",
                "link",
                "profile_url",
                "homepage",
            ],
            Field::OwnerUnit => &["主办单位", "开办单位", "运营单位", "运维单位", "owner_unit", "owner"],
            Field::SupervisingUnit => &["主管单位", "supervising_unit", "supervisor"],
            Field::Region => &["所属地区", "地区", "区县", "所属区县", "县区", "region"],
            Field::Contact => &["责任人", "联系人", "管理员", "contact", "contact_name"],
            Field::Phone => &["联系电话", "电话", "手机", "手机号", "手机号码", "phone", "contact_phone", "tel"],
            Field::Email => &["电子邮箱", "邮箱", "电子邮件", "email", "e-mail", "contact_email"],
            Field::Status => &["状态", "运营状态", "账号状态", "status"],
            Field::OpenedOn => &["开通日期", "开通时间", "opened_on"],
            Field::ClosingOn => &["关停日期", "关停时间", "拟关停日期", "closing_on"],
            Field::PortalUrl => &["上级门户网址", "上级门户", "上级门户网站", "portal", "superior_portal_url"],
            Field::IsSource => &["是否源账号", "源账号", "is_source"],
            Field::Tags => &["标签", "tags"],
            Field::Notes => &["备注", "说明", "notes", "note", "remarks"],
        }
    }

    pub(crate) fn canonical_header(self) -> &'static str {
        self.aliases()[0]
    }

    /// Canonical header as shown in messages (账号ID rather than the
    /// normalised lowercase form).
    pub(crate) fn label(self) -> &'static str {
        match self {
            Field::PlatformId => "账号ID",
            other => other.canonical_header(),
        }
    }

    fn from_normalised(h: &str) -> Option<Field> {
        Field::EXPORT_ORDER.into_iter().find(|f| f.aliases().contains(&h))
    }
}

/// Header text reduced to one spelling: no spaces (ASCII or full-width) or
/// line breaks, full-width letters and signs as half-width (`账号ＩＤ`,
/// `（必填）`), no required-marks (`*`, `(必填)`), ASCII lowercase.
pub(crate) fn normalise_header(raw: &str) -> String {
    let mut h: String = super::platform::fold_word(raw);
    loop {
        let before = h.len();
        for mark in ["(必填)", "(必填项)", "(选填)", "(可选)", "*"] {
            if let Some(rest) = h.strip_suffix(mark) {
                h = rest.to_string();
            }
            if let Some(rest) = h.strip_prefix(mark) {
                h = rest.to_string();
            }
        }
        if h.len() == before {
            return h;
        }
    }
}

pub(crate) fn field_for_header(raw: &str) -> Option<Field> {
    Field::from_normalised(&normalise_header(raw))
}

/// The field an unrecognised header most likely means (`账号ID/UID`,
/// `联系人邮箱`, `账号1D`): one that contains a known header, or is one
/// edit away from one. `None` when nothing is close (`粉丝数`).
pub(crate) fn suggest_field(raw: &str) -> Option<Field> {
    let h = normalise_header(raw);
    if h.chars().count() < 2 {
        return None;
    }
    // Closest first, then the longest (most specific) known header.
    let mut best: Option<(usize, std::cmp::Reverse<usize>, Field)> = None;
    for field in Field::EXPORT_ORDER.into_iter().filter(|f| *f != Field::Seq) {
        for alias in field.aliases() {
            let len = alias.chars().count();
            // Two CJK characters say something; two ASCII letters ("id",
            // "no") are inside too many unrelated words.
            let long_enough = if alias.is_ascii() { len >= 3 } else { len >= 2 };
            // Containing a known header costs the extra characters; else one
            // typo away from it costs one.
            let distance = if long_enough && h.contains(alias) {
                h.chars().count() - len
            } else if len >= 3 && edit_distance(&h, alias) <= 1 {
                1
            } else {
                continue;
            };
            let rank = (distance, std::cmp::Reverse(len));
            if best.is_none_or(|(d, l, _)| rank < (d, l)) {
                best = Some((rank.0, rank.1, field));
            }
        }
    }
    best.map(|(_, _, f)| f)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            current.push((previous[j] + cost).min(previous[j + 1] + 1).min(current[j] + 1));
        }
        previous = current;
    }
    previous[b.len()]
}

/// Where each field is in the sheet, by column index.
#[derive(Debug, Clone)]
pub(crate) struct HeaderMap {
    /// Index into the grid rows of the header row.
    pub(crate) row_index: usize,
    /// (column, field, header as written).
    pub(crate) columns: Vec<(usize, Field, String)>,
    /// Columns whose header is not known: (column, header as written).
    pub(crate) unknown: Vec<(usize, String)>,
    /// Two columns that mean the same field: (field, first header, second header).
    pub(crate) duplicates: Vec<(Field, String, String)>,
}

impl HeaderMap {
    pub(crate) fn column(&self, field: Field) -> Option<(usize, &str)> {
        self.columns.iter().find(|(_, f, _)| *f == field).map(|(c, _, h)| (*c, h.as_str()))
    }
}

/// How many rows from the top may hold titles before the header row.
pub(crate) const HEADER_SCAN_ROWS: usize = 10;

/// Picks the header row among the first non-empty rows: the one with the
/// most known headers that names the account (账号名称) and says where the
/// platform comes from (平台 or a link). Rows above it are titles.
///
/// `rows` are (grid index, cell texts); the returned `row_index` is the grid
/// index of the header row.
pub(crate) fn find_header(rows: &[(usize, Vec<String>)]) -> Option<HeaderMap> {
    let mut best: Option<(usize, usize)> = None; // (position in `rows`, known count)
    let non_empty = rows.iter().enumerate().filter(|(_, (_, cells))| cells.iter().any(|c| !c.trim().is_empty()));
    for (pos, (_, row)) in non_empty.take(HEADER_SCAN_ROWS) {
        let fields: Vec<Field> = row.iter().filter_map(|c| field_for_header(c)).collect();
        let has = |f: Field| fields.contains(&f);
        if !(has(Field::Name) && (has(Field::Platform) || has(Field::Link))) {
            continue;
        }
        if best.is_none_or(|(_, n)| fields.len() > n) {
            best = Some((pos, fields.len()));
        }
    }
    let (pos, _) = best?;
    let (row_index, cells) = &rows[pos];
    let mut map = HeaderMap { row_index: *row_index, columns: Vec::new(), unknown: Vec::new(), duplicates: Vec::new() };
    for (col, raw) in cells.iter().enumerate() {
        let written = raw.trim().to_string();
        if written.is_empty() {
            continue;
        }
        match field_for_header(raw) {
            Some(f) => match map.column(f) {
                Some((_, first)) if f != Field::Seq => {
                    let first = first.to_string();
                    map.duplicates.push((f, first, written));
                }
                Some(_) => {}
                None => map.columns.push((col, f, written)),
            },
            None => map.unknown.push((col, written)),
        }
    }
    Some(map)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(cells: &[&str]) -> Vec<String> {
        cells.iter().map(|s| s.to_string()).collect()
    }

    fn numbered(rows: Vec<Vec<String>>) -> Vec<(usize, Vec<String>)> {
        rows.into_iter().enumerate().collect()
    }

    #[test]
    fn header_spellings_normalise() {
        assert_eq!(field_for_header(" 账号名称（必填）"), Some(Field::Name));
        assert_eq!(field_for_header("*平台"), Some(Field::Platform));
        assert_eq!(field_for_header("账号\nID"), Some(Field::PlatformId));
        assert_eq!(field_for_header("主页\u{3000}链接 *"), Some(Field::Link));
        assert_eq!(field_for_header("Profile_URL"), Some(Field::Link));
        assert_eq!(field_for_header("UID"), Some(Field::PlatformId));
        assert_eq!(field_for_header("是否源账号"), Some(Field::IsSource));
        assert_eq!(field_for_header("粉丝数"), None);
        assert_eq!(field_for_header("账号ＩＤ"), Some(Field::PlatformId));
        assert_eq!(field_for_header("账号名称（必填）＊"), Some(Field::Name));
    }

    #[test]
    fn unknown_headers_get_the_nearest_known_one() {
        assert_eq!(suggest_field("账号ID/UID"), Some(Field::PlatformId));
        assert_eq!(suggest_field("账号1D"), Some(Field::PlatformId));
        assert_eq!(suggest_field("邮箱地址"), Some(Field::Email));
        assert_eq!(suggest_field("粉丝数"), None);
        assert_eq!(suggest_field("x"), None);
    }

    #[test]
    fn header_row_found_below_titles() {
        let rows = vec![
            row(&["安康市政务新媒体台账", "", ""]),
            row(&["", "", ""]),
            row(&["填报单位：市政府办", "", "填报日期：2026-03-01"]),
            row(&["序号", "账号名称", "平台", "账号ID", "粉丝数"]),
            row(&["1", "安康发布", "微博", "123", "100"]),
        ];
        let map = find_header(&numbered(rows)).expect("header");
        assert_eq!(map.row_index, 3);
        assert_eq!(map.column(Field::Name), Some((1, "账号名称")));
        assert_eq!(map.column(Field::PlatformId), Some((3, "账号ID")));
        assert_eq!(map.unknown, vec![(4, "粉丝数".to_string())]);
    }

    #[test]
    fn header_needs_name_and_platform_or_link() {
        assert!(find_header(&numbered(vec![row(&["平台", "账号ID", "状态"])])).is_none());
        assert!(find_header(&numbered(vec![row(&["账号名称", "账号ID"])])).is_none());
        assert!(find_header(&numbered(vec![row(&["名称", "主页链接"])])).is_some());
    }

    #[test]
    fn same_field_twice_is_recorded() {
        let map = find_header(&numbered(vec![row(&["账号名称", "平台", "电话", "手机"])])).unwrap();
        assert_eq!(map.duplicates, vec![(Field::Phone, "电话".to_string(), "手机".to_string())]);
    }
}
