//! Chinese account names: normalisation, decorations, search terms and
//! similarity — what the impostor rule (001 第二十七条) and the
//! unregistered-account rule search and compare with.
//!
//! Impostors imitate a registered name in ways a plain string comparison
//! misses: traditional characters (西安發布), full-width letters and digits,
//! spaces and brackets (【西安发布】), decorations (西安发布官方, ××文旅推荐官,
//! ××官方直播间), the region with or without 市/县/区 (宝鸡公安局 for 宝鸡市公安局),
//! and same-sound characters (溪安发布). Every comparison here works on
//! [`normalize_name`] forms.
//!
//! Traditional → simplified is character by character from OpenCC's
//! `TSCharacters` table (Apache-2.0), vendored below. Not `zhconv`: that crate
//! is GPL-2.0-or-later, which this MIT/Apache-2.0 program cannot take on, and
//! names need no phrase-level conversion. Pinyin comes from the `pinyin`
//! crate (MIT, no dependencies, `plain` feature only): one reading per
//! character, no context — enough for a "sounds the same" key.

use pinyin::ToPinyin;
use std::sync::LazyLock;

/// Words that decorate a name without changing whose it is: impostors add
/// them (“××发布官方”, “××推荐官”, “××官方直播间”), and registered names carry
/// some of them too (“××发布”, “××政务”). The default of `[rules.impostor]
/// decorations`.
pub const DEFAULT_DECORATIONS: [&str; 11] = [
    "官方",
    "官微",
    "发布",
    "在线",
    "之声",
    "推荐官",
    "直播间",
    "政务",
    "微博",
    "频道",
    "账号",
];

/// [`DEFAULT_DECORATIONS`] as owned strings (the settings' type).
pub fn default_decorations() -> Vec<String> {
    DEFAULT_DECORATIONS.iter().map(|s| s.to_string()).collect()
}

/// Administrative suffixes that a region is written with or without
/// (宝鸡市 / 宝鸡).
const REGION_SUFFIXES: [char; 4] = ['省', '市', '县', '区'];

/// At most this many search terms per account and platform: each is a
/// request to a platform that rate-limits us.
pub const MAX_QUERIES: usize = 5;

/// The simplified form of one character (itself when it has none).
pub fn to_simplified(c: char) -> char {
    if (c as u32) < 0x3400 {
        return c; // below CJK Extension A: nothing to convert
    }
    match T2S.binary_search_by_key(&c, |&(t, _)| t) {
        Ok(i) => T2S[i].1,
        Err(_) => c,
    }
}

/// The table as (traditional, simplified) pairs sorted by the traditional
/// character, for a binary search: every check normalises every registered
/// name, and this is faster than hashing each character (in debug builds
/// several times so).
static T2S: LazyLock<Vec<(char, char)>> = LazyLock::new(|| {
    let mut chars = T2S_PAIRS.chars();
    let mut pairs = Vec::with_capacity(T2S_PAIRS.len() / 6);
    while let (Some(t), Some(s)) = (chars.next(), chars.next()) {
        pairs.push((t, s));
    }
    pairs.sort_unstable_by_key(|&(t, _)| t);
    pairs
});

/// The form names are compared in: traditional → simplified, full-width →
/// half-width, latin lower-case, and only letters and digits kept — spaces,
/// punctuation (「」“”·・•|｜-—_【】 …), symbols and emoji dropped.
///
/// `normalize_name("【西安發布】 ")` = `"西安发布"`.
pub fn normalize_name(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            // Full-width ASCII forms: ０-９, Ａ-Ｚ, ａ-ｚ, ！-～.
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            c => to_simplified(c),
        })
        // Letters (CJK ideographs are letters, category Lo) and digits
        // (including 〇 and circled numbers) carry the name; everything else
        // — punctuation, symbols, emoji, joiners, variation selectors — is
        // decoration a person reads past.
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// The region as it may appear in a name: as registered (宝鸡市) and bare
/// (宝鸡), longest first. A bare form of one character (陇 from 陇县) is left
/// out: it would match inside unrelated names.
fn region_forms(region: Option<&str>) -> Vec<String> {
    let Some(r) = region.map(normalize_name).filter(|r| !r.is_empty()) else {
        return Vec::new();
    };
    let mut forms = vec![r.clone()];
    if let Some(last) = r.chars().last()
        && REGION_SUFFIXES.contains(&last)
    {
        let bare: String = r.chars().take(r.chars().count() - 1).collect();
        if bare.chars().count() >= 2 {
            forms.push(bare);
        }
    }
    forms
}

/// Decorations in normalised form, longest first (so 推荐官 goes before any
/// shorter word inside it), blanks dropped.
fn decoration_words(decorations: &[String]) -> Vec<String> {
    let mut words: Vec<String> = decorations
        .iter()
        .map(|d| normalize_name(d))
        .filter(|d| !d.is_empty())
        .collect();
    words.sort_by(|a, b| b.chars().count().cmp(&a.chars().count()).then(a.cmp(b)));
    words.dedup();
    words
}

/// A normalised name split into its core and the decorations found in it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Decomposed {
    /// The name with the region written bare (宝鸡市 → 宝鸡), as compared.
    canonical: String,
    /// `canonical` without any decoration.
    core: String,
    /// The decorations removed, sorted, each once.
    decorations: Vec<String>,
    /// `core` with the region removed too: what is left to tell the
    /// account apart from every other in its region.
    bare_core: String,
}

fn decompose(normalized: &str, region: &[String], words: &[String]) -> Decomposed {
    let mut canonical = normalized.to_string();
    if let [full, bare] = region {
        canonical = canonical.replace(full.as_str(), bare);
    }
    let mut core = canonical.clone();
    let mut found = Vec::new();
    for w in words {
        if core.contains(w.as_str()) {
            core = core.replace(w.as_str(), "");
            found.push(w.clone());
        }
    }
    found.sort();
    let mut bare_core = core.clone();
    for form in region {
        bare_core = bare_core.replace(form.as_str(), "");
    }
    Decomposed {
        canonical,
        core,
        decorations: found,
        bare_core,
    }
}

/// The name without decorations and without the region (with or without
/// its 市/县/区/省 suffix), normalised: what is particular to the account.
/// Empty when nothing is left (西安发布 in 西安).
///
/// `strip_decorations("宝鸡市公安局官方", Some("宝鸡市"), &default_decorations())` = `"公安局"`.
pub fn strip_decorations(name: &str, region: Option<&str>, decorations: &[String]) -> String {
    decompose(
        &normalize_name(name),
        &region_forms(region),
        &decoration_words(decorations),
    )
    .bare_core
}

/// The search terms to look for impostors of an account with: the
/// registered name, its normalised form, the name with the region written
/// the other way (宝鸡市… ↔ 宝鸡…), and — when something particular is left
/// once decorations and region are gone (two characters; three when the
/// region is unknown) — the undecorated core with each way of writing the
/// region. Deduplicated, in that order, at most
/// [`MAX_QUERIES`]. A core that is only the region (西安发布 → 西安) is never
/// searched for on its own: it would find every account of the city.
pub fn search_queries(
    display_name: &str,
    region: Option<&str>,
    decorations: &[String],
) -> Vec<String> {
    let forms = region_forms(region);
    let words = decoration_words(decorations);
    let normalized = normalize_name(display_name);
    let mut out: Vec<String> = Vec::new();
    // Deduplicated as written, not as normalised: a platform's search may
    // not fold 發 into 发 or ignore the space in 宝鸡 公安, so both spellings
    // are worth a request.
    let mut push = |q: String| {
        if !q.is_empty() && !out.contains(&q) {
            out.push(q);
        }
    };
    push(display_name.trim().to_string());
    push(normalized.clone());
    if let [full, bare] = forms.as_slice() {
        if normalized.contains(full.as_str()) {
            push(normalized.replace(full.as_str(), bare));
        } else if normalized.contains(bare.as_str()) {
            push(normalized.replacen(bare.as_str(), full, 1));
        }
    }
    let d = decompose(&normalized, &forms, &words);
    if informative(&d, !forms.is_empty()) {
        // The core as the name writes it (region untouched), then with each
        // way of writing the region in front.
        let mut core = normalized.clone();
        for w in &words {
            core = core.replace(w.as_str(), "");
        }
        push(core);
        for form in &forms {
            push(format!("{form}{}", d.bare_core));
        }
    }
    out.truncate(MAX_QUERIES);
    out
}

/// How two names were found alike.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MatchBasis {
    /// Identical once normalised (traditional, full-width, punctuation).
    Same,
    /// Identical but for the region written with or without 市/县/区/省.
    RegionVariant,
    /// Same sound: every character has the same pinyin (溪安发布).
    Homophone,
    /// The same core, one name carrying all the other's decorations and
    /// more (西安发布官方, 宝鸡公安局推荐官).
    Decorated,
    /// As `Decorated`, the cores only sounding the same (溪安发布官方).
    DecoratedHomophone,
    /// Only string similarity (Levenshtein on characters or pinyin).
    Fuzzy,
}

impl MatchBasis {
    pub fn code(self) -> &'static str {
        match self {
            MatchBasis::Same => "same",
            MatchBasis::RegionVariant => "region_variant",
            MatchBasis::Homophone => "homophone",
            MatchBasis::Decorated => "decorated",
            MatchBasis::DecoratedHomophone => "decorated_homophone",
            MatchBasis::Fuzzy => "fuzzy",
        }
    }

    /// For sentences: “与登记名称{display_name}”.
    pub fn display_name(self) -> &'static str {
        match self {
            MatchBasis::Same => "一致（不计繁简、全半角和标点差异）",
            MatchBasis::RegionVariant => "仅地名写法不同",
            MatchBasis::Homophone => "同音",
            MatchBasis::Decorated => "仅多出修饰词",
            MatchBasis::DecoratedHomophone => "同音且多出修饰词",
            MatchBasis::Fuzzy => "相似",
        }
    }
}

/// The similarity of two names and why.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NameMatch {
    /// In [0, 1].
    pub score: f64,
    pub basis: MatchBasis,
}

/// Scores of the structural matches. They sit above anything string
/// similarity alone gives ([`FUZZY_CAP`]): a name that differs only by
/// sound-alike characters or an added 官方 is a deliberate imitation, while
/// two names a few characters apart may be neighbours (西安公安, 西安发布).
const SCORE_SAME: f64 = 1.0;
const SCORE_REGION_VARIANT: f64 = 0.97;
const SCORE_HOMOPHONE: f64 = 0.95;
const SCORE_DECORATED: f64 = 0.95;
const SCORE_DECORATED_HOMOPHONE: f64 = 0.92;
/// String similarity never counts for more than this.
pub const FUZZY_CAP: f64 = 0.9;

/// One syllable of a pinyin key: a Han character's toneless reading, or any
/// other character as itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Syllable {
    Han(&'static str),
    Other(char),
}

fn pinyin_key(s: &str) -> Vec<Syllable> {
    s.chars()
        .zip(s.to_pinyin())
        .map(|(c, p)| match p {
            Some(p) => Syllable::Han(p.plain()),
            None => Syllable::Other(c),
        })
        .collect()
}

/// Two different strings that read the same and contain Han characters.
fn same_sound(a: &str, b: &str) -> bool {
    let (ka, kb) = (pinyin_key(a), pinyin_key(b));
    !ka.is_empty() && ka == kb && ka.iter().any(|s| matches!(s, Syllable::Han(_)))
}

/// Normalised Levenshtein similarity of two sequences: 1 − edits / longer
/// length. Not Jaro-Winkler: it rewards a shared beginning, and Chinese
/// names of one place share theirs — 某某县人民法院 and 某某县人民政府发布 score
/// 0.89 (as much as a one-character variant), 西安 and 西安发布 0.87, where
/// Levenshtein gives 0.56 and 0.5 and keeps 0.8 for 西安发布厅.
// `&Vec`, not a slice: strsim's generic function wants a sized collection
// whose reference iterates.
#[allow(clippy::ptr_arg)]
fn string_similarity<T: PartialEq>(a: &Vec<T>, b: &Vec<T>) -> f64 {
    let longest = a.len().max(b.len());
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    1.0 - strsim::generic_levenshtein(a, b) as f64 / longest as f64
}

fn chars(s: &str) -> Vec<char> {
    s.chars().collect()
}

/// Whether a core tells an account apart from the rest of its region: at
/// least two characters once the region is removed; without a known region,
/// at least three (a bare place name is two characters, usually).
fn informative(d: &Decomposed, region_known: bool) -> bool {
    let n = d.bare_core.chars().count();
    if region_known { n >= 2 } else { n >= 3 }
}

fn subset(a: &[String], b: &[String]) -> bool {
    a.iter().all(|x| b.contains(x))
}

/// Compares two names under an account's region and the configured
/// decorations. The score is the best of:
///
/// * 1.0 — identical once normalised;
/// * 0.97 — identical once the region is written the same way;
/// * 0.95 — same pinyin throughout (homophones);
/// * 0.95 — same core, one name adding decorations to all of the other's
///   (0.92 when the cores only sound the same);
/// * string similarity of the normalised names, of their pinyin, and of
///   the informative cores, capped at [`FUZZY_CAP`].
///
/// A core is informative when something other than the region is left:
/// 西安之声 and 西安发布 both reduce to 西安 and are not thereby alike.
pub fn compare_names(a: &str, b: &str, region: Option<&str>, decorations: &[String]) -> NameMatch {
    let (na, nb) = (normalize_name(a), normalize_name(b));
    let none = NameMatch {
        score: 0.0,
        basis: MatchBasis::Fuzzy,
    };
    if na.is_empty() || nb.is_empty() {
        return none;
    }
    if na == nb {
        return NameMatch {
            score: SCORE_SAME,
            basis: MatchBasis::Same,
        };
    }
    let forms = region_forms(region);
    let words = decoration_words(decorations);
    let (da, db) = (
        decompose(&na, &forms, &words),
        decompose(&nb, &forms, &words),
    );
    if da.canonical == db.canonical {
        return NameMatch {
            score: SCORE_REGION_VARIANT,
            basis: MatchBasis::RegionVariant,
        };
    }
    if same_sound(&da.canonical, &db.canonical) {
        return NameMatch {
            score: SCORE_HOMOPHONE,
            basis: MatchBasis::Homophone,
        };
    }
    let region_known = !forms.is_empty();
    let cores_count = informative(&da, region_known) && informative(&db, region_known);
    // One name carries every decoration of the other, and more. When the
    // cores say nothing beyond the region (西安发布 → 西安), the smaller set
    // must not be empty: 西安发布官方 keeps all of 西安发布, while a bare 西安
    // keeps only the place name.
    let (small, large) = if da.decorations.len() <= db.decorations.len() {
        (&da.decorations, &db.decorations)
    } else {
        (&db.decorations, &da.decorations)
    };
    let nested = subset(small, large) && (cores_count || !small.is_empty());
    if nested {
        if da.core == db.core {
            return NameMatch {
                score: SCORE_DECORATED,
                basis: MatchBasis::Decorated,
            };
        }
        if same_sound(&da.core, &db.core) {
            return NameMatch {
                score: SCORE_DECORATED_HOMOPHONE,
                basis: MatchBasis::DecoratedHomophone,
            };
        }
    }
    let mut fuzzy = string_similarity(&chars(&da.canonical), &chars(&db.canonical)).max(
        string_similarity(&pinyin_key(&da.canonical), &pinyin_key(&db.canonical)),
    );
    if cores_count {
        fuzzy = fuzzy.max(string_similarity(&chars(&da.core), &chars(&db.core)));
    }
    NameMatch {
        score: fuzzy.min(FUZZY_CAP),
        basis: MatchBasis::Fuzzy,
    }
}

/// [`compare_names`] with the default decorations and no region: a
/// similarity in [0, 1].
pub fn name_similarity(a: &str, b: &str) -> f64 {
    compare_names(a, b, None, &default_decorations()).score
}

/// How alike two descriptions (bios) are, in [0, 1]: normalised Levenshtein
/// of the normalised texts, or 1.0 when one contains the other and the
/// shorter has at least 8 characters (a copied bio with something added).
/// `None` when either is empty: nothing to compare.
pub fn text_similarity(a: &str, b: &str) -> Option<f64> {
    let (na, nb) = (normalize_name(a), normalize_name(b));
    if na.is_empty() || nb.is_empty() {
        return None;
    }
    let shorter = na.chars().count().min(nb.chars().count());
    if shorter >= 8 && (na.contains(&nb) || nb.contains(&na)) {
        return Some(1.0);
    }
    Some(strsim::normalized_levenshtein(&na, &nb))
}

/// OpenCC `TSCharacters.txt` (https://github.com/BYVoid/OpenCC, Apache-2.0),
/// as packaged in the ferrous-opencc 0.4.0 crate: every traditional
/// character followed by its first (default) simplified form; entries whose
/// default is the character itself are left out. Character level on
/// purpose: 乾 becomes 干 here although 乾县 keeps it — harmless, because both
/// sides of every comparison go through the same table.
#[rustfmt::skip]
const T2S_PAIRS: &str = "\
㑮𫝈㑯㑔㑳㑇㑶㐹㒓𠉂㓄𪠟㓨刾㔋𪟎㖮𪠵㗲𠵾㗿𪡛㘉𠰱㘓𪢌㘔𫬐㘚㘎㛝𫝦㜄㚯㜏㛣㜐𫝧㜗𡞋㜢𡞱㜷𡝠㞞𪨊㟺𪩇㠏㟆㠣𫵷㢗𪪑㢝𢋈㥮㤘㦎𢛯㦛𢗓㦞𪫷\
㨻𪮃㩋𪮋㩜㨫㩳㧐㩵擜㪎𪯋㯤𣘐㰙𣗙㵗𣳆㵾𪷍㶆𫞛㷍𤆢㷿𤈷㸇𤎺㹽𫞣㺏𤠋㺜𪺻㻶𪼋㿖𪽮㿗𤻊㿧𤽯䀉𥁢䀹𥅴䁪𥇢䁻䀥䂎𥎝䃮鿎䅐𫀨䅳𫀬䆉𫁂䉑𫁲䉙𥬀\
䉬𫂈䉲𥮜䉶𫁷䊭𥺅䊷䌶䊺𫄚䋃𫄜䋔𫄞䋙䌺䋚䌻䋦𫄩䋹䌿䋻䌾䋼𫄮䋿𦈓䌈𦈖䌋𦈘䌖𦈜䌝𦈟䌟𦈞䌥𦈠䌰𦈙䍤𫅅䍦䍠䍽𦍠䎙𫅭䎱䎬䓣𬜯䕤𫟕䕳𦰴䖅𫟑䗅𫊪\
䗿𧉞䙔𫋲䙡䙌䙱𧜭䚩𫌯䛄𫍠䛳𫍫䜀䜧䜖𫟢䝭𫎧䝻𧹕䝼䞍䞈𧹑䞋𫎪䞓𫎭䟃𫎺䟆𫎳䟐𫎱䠆𫏃䠱𨅛䡐𫟤䡩𫟥䡵𫟦䢨𨑹䤤𫟺䥄𫠀䥇䦂䥑鿏䥕𬭯䥗𫔋䥩𨱖䥯𫔆\
䥱䥾䦘𨸄䦛䦶䦟䦷䦯𫔵䦳𨷿䧢𨸟䪊𫖅䪏𩏼䪗𩐀䪘𩏿䪴𫖫䪾𫖬䫀𫖱䫂𫖰䫟𫖲䫴𩖗䫶𫖺䫻𫗇䫾𫠈䬓𫗊䬘𩙮䬝𩙯䬞𩙧䬧𫗟䭀𩠇䭃𩠈䭑𫗱䭔𫗰䭿𩧭䮄𫠊䮝𩧰\
䮞𩨁䮠𩧿䮫𩨇䮰𫘮䮳𩨏䮾𩧪䯀䯅䯤𩩈䰾鲃䱀𫚐䱁𫚏䱙𩾈䱧𫚠䱬𩾊䱰𩾋䱷䲣䱸𫠑䱽䲝䲁鳚䲅𫚜䲖𩾂䲘鳤䲰𪉂䳜𫛬䳢𫛰䳤𫛮䳧𫛺䳫𫛼䴉鹮䴋𫜅䴬𪎈䴱𫜒\
䴴𪎋䴽𫜔䵳𪑅䵴𫜙䶕𫜨䶲𫜳丟丢並并乾干亂乱亙亘亞亚佇伫佈布佔占併并來来侖仑侶侣侷局俁俣係系俓𠇹俔伣俠侠俥伡俬私倀伥倆俩倈俫倉仓個个\
們们倖幸倫伦倲㑈偉伟偑㐽側侧偵侦偽伪傌㐷傑杰傖伧傘伞備备傢家傭佣傯偬傳传傴伛債债傷伤傾倾僂偻僅仅僉佥僑侨僕仆僞伪僤𫢸僥侥僨偾僱雇\
價价儀仪儁俊儂侬億亿儈侩儉俭儎傤儐傧儔俦儕侪儘尽償偿儣𠆲優优儭𠋆儲储儷俪儸㑩儺傩儻傥儼俨兇凶兌兑兒儿兗兖內内兩两冊册冑胄冪幂凈净\
凍冻凙𪞝凜凛凱凯別别刪删剄刭則则剋克剎刹剗刬剛刚剝剥剮剐剴剀創创剷铲剾𠛅劃划劇剧劉刘劊刽劌刿劍剑劏㓥劑剂劚㔉勁劲勑𠡠動动務务勛勋\
勝胜勞劳勢势勣𪟝勩勚勱劢勳勋勵励勸劝勻匀匭匦匯汇匱匮區区協协卹恤卻却卽即厙厍厠厕厤历厭厌厲厉厴厣參参叄叁叢丛吒咤吳吴吶呐呂吕咼呙\
員员哯𠯟唄呗唓𪠳唸念問问啓启啞哑啟启啢唡喎㖞喚唤喪丧喫吃喬乔單单喲哟嗆呛嗇啬嗊唝嗎吗嗚呜嗩唢嗰𠮶嗶哔嗹𪡏嘆叹嘍喽嘓啯嘔呕嘖啧嘗尝\
嘜唛嘩哗嘪𪡃嘮唠嘯啸嘰叽嘳𪡞嘵哓嘸呒嘺𪡀嘽啴噁恶噅𠯠噓嘘噚㖊噝咝噞𪡋噠哒噥哝噦哕噯嗳噲哙噴喷噸吨噹当嚀咛嚇吓嚌哜嚐尝嚕噜嚙啮嚛𪠸\
嚥咽嚦呖嚧𠰷嚨咙嚮向嚲亸嚳喾嚴严嚶嘤嚽𪢕囀啭囁嗫囂嚣囃𠱞囅冁囈呓囉啰囌苏囑嘱囒𪢠囪囱圇囵國国圍围園园圓圆圖图團团圞𪢮垻坝埡垭埨𫭢\
埬𪣆埰采執执堅坚堊垩堖垴堚𪣒堝埚堯尧報报場场塊块塋茔塏垲塒埘塗涂塚冢塢坞塤埙塵尘塸𫭟塹堑塿𪣻墊垫墜坠墠𫮃墮堕墰坛墲𪢸墳坟墶垯墻墙\
墾垦壇坛壈𡒄壋垱壎埙壓压壗𡋤壘垒壙圹壚垆壜坛壞坏壟垄壠垅壢坜壣𪤚壩坝壪塆壯壮壺壶壼壸壽寿夠够夢梦夥伙夾夹奐奂奧奥奩奁奪夺奬奖奮奋\
奼姹妝妆姍姗姦奸娙𫰛娛娱婁娄婡𫝫婦妇婭娅媈𫝨媧娲媯妫媰㛀媼媪媽妈嫋袅嫗妪嫵妩嫺娴嫻娴嫿婳嬀妫嬃媭嬇𫝬嬈娆嬋婵嬌娇嬙嫱嬡嫒嬣𪥰嬤嬷\
嬦𫝩嬪嫔嬰婴嬸婶嬻𪥿孃娘孄𫝮孆𫝭孇𪥫孋㛤孌娈孎𡠟孫孙學学孻𡥧孾𪧀孿孪宮宫寀采寠𪧘寢寝實实寧宁審审寫写寬宽寵宠寶宝將将專专尋寻對对\
導导尷尴屆届屍尸屓屃屜屉屢屡層层屨屦屩𪨗屬属岡冈峯峰峴岘島岛峽峡崍崃崑昆崗岗崙仑崢峥崬岽嵐岚嵗岁嵼𡶴嵽𫶇嵾㟥嶁嵝嶄崭嶇岖嶈𡺃嶔嵚\
嶗崂嶘𡺄嶠峤嶢峣嶧峄嶨峃嶮崄嶸嵘嶹𫝵嶺岭嶼屿嶽岳巊𪩎巋岿巒峦巔巅巖岩巗𪨷巘𪩘巰巯巹卺帥帅師师帳帐帶带幀帧幃帏幓㡎幗帼幘帻幝𪩷幟帜\
幣币幩𪩸幫帮幬帱幹干幾几庫库廁厕廂厢廄厩廈厦廎庼廕荫廚厨廝厮廞𫷷廟庙廠厂廡庑廢废廣广廧𪪞廩廪廬庐廳厅弒弑弔吊弳弪張张強强彃𪪼彄𫸩\
彆别彈弹彌弥彎弯彔录彙汇彠彟彥彦彫雕彲彨彿佛後后徑径從从徠徕復复徵征徹彻徿𪫌恆恒恥耻悅悦悞悮悵怅悶闷悽凄惡恶惱恼惲恽惻恻愛爱愜惬\
愨悫愴怆愷恺愻𢙏愾忾慄栗態态慍愠慘惨慚惭慟恸慣惯慤悫慪怄慫怂慮虑慳悭慶庆慺㥪慼戚慾欲憂忧憊惫憐怜憑凭憒愦憖慭憚惮憢𢙒憤愤憫悯憮怃\
憲宪憶忆憸𪫺憹𢙐懀𢙓懇恳應应懌怿懍懔懎𢠁懞蒙懟怼懣懑懤㤽懨恹懲惩懶懒懷怀懸悬懺忏懼惧懾慑戀恋戇戆戔戋戧戗戩戬戰战戱戯戲戏戶户拋抛\
挩捝挱挲挾挟捨舍捫扪捱挨捲卷掃扫掄抡掆㧏掗挜掙挣掚𪭵掛挂採采揀拣揚扬換换揮挥揯搄損损搖摇搗捣搵揾搶抢摋𢫬摐𪭢摑掴摜掼摟搂摯挚摳抠\
摶抟摺折摻掺撈捞撊𪭾撏挦撐撑撓挠撝㧑撟挢撣掸撥拨撧𪮖撫抚撲扑撳揿撻挞撾挝撿捡擁拥擄掳擇择擊击擋挡擓㧟擔担據据擟𪭧擠挤擣捣擫𢬍擬拟\
擯摈擰拧擱搁擲掷擴扩擷撷擺摆擻擞擼撸擽㧰擾扰攄摅攆撵攋𪮶攏拢攔拦攖撄攙搀攛撺攜携攝摄攢攒攣挛攤摊攪搅攬揽敎教敓敚敗败敘叙敵敌數数\
斂敛斃毙斅𢽾斆敩斕斓斬斩斷断斸𣃁於于旂旗旣既昇升時时晉晋晛𬀪晝昼暈晕暉晖暐𬀩暘旸暢畅暫暂曄晔曆历曇昙曉晓曊𪰶曏向曖暧曠旷曥𣆐曨昽\
曬晒書书會会朥𦛨朧胧朮术東东枴拐柵栅柺拐査查桱𣐕桿杆梔栀梖𪱷梘枧梜𬂩條条梟枭梲棁棄弃棊棋棖枨棗枣棟栋棡㭎棧栈棲栖棶梾椏桠椲㭏楇𣒌\
楊杨楓枫楨桢業业極极榘矩榦干榪杩榮荣榲榅榿桤構构槍枪槓杠槤梿槧椠槨椁槫𣏢槮椮槳桨槶椢槼椝樁桩樂乐樅枞樑梁樓楼標标樞枢樠𣗊樢㭤樣样\
樤𣔌樧榝樫㭴樳桪樸朴樹树樺桦樿椫橈桡橋桥機机橢椭橫横橯𣓿檁檩檉柽檔档檜桧檟槚檢检檣樯檭𣘴檮梼檯台檳槟檵𪲛檸柠檻槛櫃柜櫅𪲎櫍𬃊櫓橹\
櫚榈櫛栉櫝椟櫞橼櫟栎櫠𪲮櫥橱櫧槠櫨栌櫪枥櫫橥櫬榇櫱蘖櫳栊櫸榉櫻樱欄栏欅榉欇𪳍權权欍𣐤欏椤欐𪲔欑𪴙欒栾欓𣗋欖榄欘𣚚欞棂欽钦歎叹歐欧\
歟欤歡欢歲岁歷历歸归歿殁殘残殞殒殢𣨼殤殇殨㱮殫殚殭僵殮殓殯殡殰㱩殲歼殺杀殻壳殼壳毀毁毆殴毊𪵑毿毵氂牦氈毡氌氇氣气氫氢氬氩氭𣱝氳氲\
氾泛汎泛汙污決决沒没沖冲況况泝溯洩泄洶汹浹浃浿𬇙涇泾涗涚涼凉淒凄淚泪淥渌淨净淩凌淪沦淵渊淶涞淺浅渙涣減减渢沨渦涡測测渾浑湊凑湋𣲗\
湞浈湧涌湯汤溈沩準准溝沟溡𪶄溫温溮浉溳涢溼湿滄沧滅灭滌涤滎荥滙汇滬沪滯滞滲渗滷卤滸浒滻浐滾滚滿满漁渔漊溇漍𬇹漚沤漢汉漣涟漬渍漲涨\
漵溆漸渐漿浆潁颍潑泼潔洁潕𣲘潙沩潚㴋潛潜潣𫞗潤润潯浔潰溃潷滗潿涠澀涩澅𣶩澆浇澇涝澐沄澗涧澠渑澤泽澦滪澩泶澫𬇕澬𫞚澮浍澱淀澾㳠濁浊\
濃浓濄㳡濆𣸣濕湿濘泞濚溁濛蒙濜浕濟济濤涛濧㳔濫滥濰潍濱滨濺溅濼泺濾滤濿𪵱瀂澛瀃𣽷瀅滢瀆渎瀇㲿瀉泻瀋沈瀏浏瀕濒瀘泸瀝沥瀟潇瀠潆瀦潴\
瀧泷瀨濑瀰弥瀲潋瀾澜灃沣灄滠灍𫞝灑洒灒𪷽灕漓灘滩灙𣺼灝灏灡㳕灣湾灤滦灧滟灩滟災灾為为烏乌烴烃無无煇𪸩煉炼煒炜煙烟煢茕煥焕煩烦煬炀\
煱㶽熂𪸕熅煴熉𤈶熌𤇄熒荧熓𤆡熗炝熚𤇹熡𤋏熰𬉼熱热熲颎熾炽燀𬊤燁烨燈灯燉炖燒烧燖𬊈燙烫燜焖營营燦灿燬毁燭烛燴烩燶㶶燻熏燼烬燾焘爃𫞡\
爄𤇃爇𦶟爍烁爐炉爖𤇭爛烂爥𪹳爧𫞠爭争爲为爺爷爾尔牀床牆墙牘牍牽牵犖荦犛牦犞𪺭犢犊犧牺狀状狹狭狽狈猌𪺽猙狰猶犹猻狲獁犸獃呆獄狱獅狮\
獊𪺷獎奖獨独獩𤞃獪狯獫猃獮狝獰狞獱㺍獲获獵猎獷犷獸兽獺獭獻献獼猕玀猡玁𤞤珼𫞥現现琱雕琺珐琿珲瑋玮瑒玚瑣琐瑤瑶瑩莹瑪玛瑲玱瑻𪻲瑽𪻐\
璉琏璊𫞩璕𬍤璗𬍡璝𪻺璡琎璣玑璦瑷璫珰璯㻅環环璵玙璸瑸璼𫞨璽玺璾𫞦璿璇瓄𪻨瓅𬍛瓊琼瓏珑瓔璎瓕𤦀瓚瓒瓛𤩽甌瓯甕瓮產产産产甦苏甯宁畝亩\
畢毕畫画異异畵画當当畼𪽈疇畴疊叠痙痉痠酸痮𪽪痾疴瘂痖瘋疯瘍疡瘓痪瘞瘗瘡疮瘧疟瘮瘆瘱𪽷瘲疭瘺瘘瘻瘘療疗癆痨癇痫癉瘅癐𤶊癒愈癘疠癟瘪\
癡痴癢痒癤疖癥症癧疬癩癞癬癣癭瘿癮瘾癰痈癱瘫癲癫發发皁皂皚皑皟𤾀皰疱皸皲皺皱盃杯盜盗盞盏盡尽監监盤盘盧卢盨𪾔盪荡眝𪾣眞真眥眦眾众\
睍𪾢睏困睜睁睞睐瞘眍瞜䁖瞞瞒瞤𥆧瞶瞆瞼睑矇蒙矉𪾸矑𪾦矓眬矚瞩矯矫硃朱硜硁硤硖硨砗硯砚碕埼碙𥐻碩硕碭砀碸砜確确碼码碽䂵磑硙磚砖磠硵\
磣碜磧碛磯矶磽硗磾䃅礄硚礆硷礎础礐𬒈礒𥐟礙碍礦矿礪砺礫砾礬矾礮𪿫礱砻祕秘祿禄禍祸禎祯禕祎禡祃禦御禪禅禮礼禰祢禱祷禿秃秈籼稅税稈秆\
稏䅉稜棱稟禀種种稱称穀谷穇䅟穌稣積积穎颖穠秾穡穑穢秽穩稳穫获穭穞窩窝窪洼窮穷窯窑窵窎窶窭窺窥竄窜竅窍竇窦竈灶竊窃竚𥩟竪竖竱𫁟競竞\
筆笔筍笋筧笕筴䇲箇个箋笺箏筝節节範范築筑篋箧篔筼篘𥬠篠筿篢𬕂篤笃篩筛篳筚篸𥮾簀箦簂𫂆簍篓簑蓑簞箪簡简簢𫂃簣篑簫箫簹筜簽签簾帘籃篮\
籅𥫣籋𥬞籌筹籔䉤籙箓籛篯籜箨籟籁籠笼籤签籩笾籪簖籬篱籮箩籲吁粵粤糉粽糝糁糞粪糧粮糰团糲粝糴籴糶粜糹纟糺𫄙糾纠紀纪紂纣紃𬘓約约紅红\
紆纡紇纥紈纨紉纫紋纹納纳紐纽紓纾純纯紕纰紖纼紗纱紘纮紙纸級级紛纷紜纭紝纴紞𬘘紟𫄛紡纺紬䌷紮扎細细紱绂紲绁紳绅紵纻紹绍紺绀紼绋紿绐\
絀绌絁𫄟終终絃弦組组絅䌹絆绊絍𫟃絎绗結结絕绝絙𫄠絛绦絝绔絞绞絡络絢绚絥𫄢給给絧𫄡絨绒絪𬘡絰绖統统絲丝絳绛絶绝絹绢絺𫄨綀𦈌綁绑綃绡\
綄𬘫綆绠綇𦈋綈绨綉绣綋𫟄綌绤綎𬘩綏绥綐䌼綑捆經经綖𫄧綜综綝𬘭綞缍綟𫄫綠绿綡𫟅綢绸綣绻綧𬘯綪𬘬綫线綬绶維维綯绹綰绾綱纲網网綳绷綴缀\
綵彩綸纶綹绺綺绮綻绽綽绰綾绫綿绵緄绲緇缁緊紧緋绯緍𦈏緑绿緒绪緓绬緔绱緗缃緘缄緙缂線线緝缉緞缎緟𫟆締缔緡缗緣缘緤𫄬緦缌編编緩缓緬缅\
緮𫄭緯纬緰𦈕緱缑緲缈練练緶缏緷𦈉緸𦈑緹缇緻致緼缊縈萦縉缙縊缢縋缒縍𫄰縎𦈔縐绉縑缣縕缊縗缞縛缚縝缜縞缟縟缛縣县縧绦縫缝縬𦈚縭缡縮缩\
縯𬙂縰𫄳縱纵縲缧縳䌸縴纤縵缦縶絷縷缕縸𫄲縹缥縺𦈐總总績绩繂𫄴繃绷繅缫繆缪繈𫄶繏𦈝繐𰬸繒缯繓𦈛織织繕缮繚缭繞绕繟𦈎繡绣繢缋繨𫄤繩绳\
繪绘繫系繬𫄱繭茧繮缰繯缳繰缲繳缴繶𫄷繷𫄣繸䍁繹绎繻𦈡繼继繽缤繾缱繿䍀纁𫄸纆𬙊纇颣纈缬纊纩續续纍累纏缠纓缨纔才纕𬙋纖纤纗𫄹纘缵纚𫄥\
纜缆缽钵罃䓨罈坛罌罂罎坛罰罚罵骂罷罢羅罗羆罴羈羁羋芈羣群羥羟羨羡義义羵𫅗羶膻習习翫玩翬翚翹翘翽翙耬耧耮耢聖圣聞闻聯联聰聪聲声聳耸\
聵聩聶聂職职聹聍聻𫆏聽听聾聋肅肃脅胁脈脉脛胫脣唇脥𣍰脩修脫脱脹胀腎肾腖胨腡脶腦脑腪𣍯腫肿腳脚腸肠膃腽膕腘膚肤膞䏝膠胶膢𦝼膩腻膹𪱥\
膽胆膾脍膿脓臉脸臍脐臏膑臗𣎑臘腊臚胪臟脏臠脔臢臜臥卧臨临臺台與与興兴舉举舊旧舘馆艙舱艣𫇛艤舣艦舰艫舻艱艰艷艳芻刍苧苎茲兹荊荆莊庄\
莖茎莢荚莧苋菕𰰨華华菴庵菸烟萇苌萊莱萬万萴荝萵莴葉叶葒荭葝𫈎葤荮葦苇葯药葷荤蒍𫇭蒐搜蒓莼蒔莳蒕蒀蒞莅蒭𫇴蒼苍蓀荪蓆席蓋盖蓧𦰏蓮莲\
蓯苁蓴莼蓽荜蔄𬜬蔔卜蔘参蔞蒌蔣蒋蔥葱蔦茑蔭荫蔯𫈟蔿𫇭蕁荨蕆蒇蕎荞蕒荬蕓芸蕕莸蕘荛蕝𫈵蕢蒉蕩荡蕪芜蕭萧蕳𫈉蕷蓣蕽𫇽薀蕰薆𫉁薈荟薊蓟\
薌芗薑姜薔蔷薘荙薟莶薦荐薩萨薳䓕薴苧薵䓓薹苔薺荠藍蓝藎荩藝艺藥药藪薮藭䓖藴蕴藶苈藷𫉄藹蔼藺蔺蘀萚蘄蕲蘆芦蘇苏蘊蕴蘋苹蘚藓蘞蔹蘟𦻕\
蘢茏蘭兰蘺蓠蘿萝虆蔂虉𬟁處处虛虚虜虏號号虧亏虯虬蛺蛱蛻蜕蜆蚬蝀𬟽蝕蚀蝟猬蝦虾蝨虱蝸蜗螄蛳螞蚂螢萤螮䗖螻蝼螿螀蟂𫋇蟄蛰蟈蝈蟎螨蟘𫋌\
蟜𫊸蟣虮蟬蝉蟯蛲蟲虫蟳𫊻蟶蛏蟻蚁蠀𧏗蠁蚃蠅蝇蠆虿蠍蝎蠐蛴蠑蝾蠔蚝蠙𧏖蠟蜡蠣蛎蠦𫊮蠨蟏蠱蛊蠶蚕蠻蛮蠾𧑏衆众衊蔑術术衕同衚胡衛卫衝冲\
袞衮裊袅裏里補补裝装裡里製制複复褌裈褘袆褲裤褳裢褸褛褻亵襀𫌀襇裥襉裥襏袯襓𫋹襖袄襗𫋷襘𫋻襝裣襠裆襤褴襪袜襬摆襯衬襰𧝝襲袭襴襕襵𫌇\
覈核見见覎觃規规覓觅視视覘觇覛𫌪覡觋覥觍覦觎親亲覬觊覯觏覲觐覷觑覹𫌭覺觉覼𫌨覽览覿觌觀观觴觞觶觯觸触訁讠訂订訃讣計计訊讯訌讧討讨\
訏𬣙訐讦訑𫍙訒讱訓训訕讪訖讫託托記记訛讹訜𫍛訝讶訞𫍚訟讼訢䜣訣诀訥讷訨𫟞訩讻訪访設设許许訴诉訶诃診诊註注証证詀𧮪詁诂詆诋詊𫟟詎讵\
詐诈詑𫍡詒诒詓𫍜詔诏評评詖诐詗诇詘诎詛诅詝𬣞詞词詠咏詡诩詢询詣诣試试詩诗詪𬣳詫诧詬诟詭诡詮诠詰诘話话該该詳详詵诜詷𫍣詼诙詿诖誂𫍥\
誄诔誅诛誆诓誇夸誋𫍪誌志認认誑诳誒诶誕诞誘诱誚诮語语誠诚誡诫誣诬誤误誥诰誦诵誨诲說说誫𫍨説说誰谁課课誳𫍮誴𫟡誶谇誷𫍬誹诽誺𫍧誼谊\
誾訚調调諂谄諄谆談谈諉诿請请諍诤諏诹諑诼諒谅諓𬣡論论諗谂諛谀諜谍諝谞諞谝諟𬤊諡谥諢诨諣𫍩諤谔諥𫍳諦谛諧谐諫谏諭谕諮咨諯𫍱諰𫍰諱讳\
諲𬤇諳谙諴𫍯諶谌諷讽諸诸諺谚諼谖諾诺謀谋謁谒謂谓謄誊謅诌謆𫍸謉𫍷謊谎謎谜謏𫍲謐谧謔谑謖谡謗谤謙谦謚谥講讲謝谢謠谣謡谣謨谟謫谪謬谬\
謭谫謯𫍹謱𫍴謳讴謸𫍵謹谨謾谩譁哗譂𫟠譅𰶎譆𫍻證证譊𫍢譎谲譏讥譑𫍤譓𬤝譖谮識识譙谯譚谭譜谱譞𫍽譟噪譨𫍦譫谵譭毁譯译議议譴谴護护譸诪\
譽誉譾谫讀读讅谉變变讋詟讌䜩讎雠讒谗讓让讕谰讖谶讚赞讜谠讞谳豈岂豎竖豐丰豔艳豬猪豵𫎆豶豮貓猫貗𫎌貙䝙貝贝貞贞貟贠負负財财貢贡貧贫\
貨货販贩貪贪貫贯責责貯贮貰贳貲赀貳贰貴贵貶贬買买貸贷貺贶費费貼贴貽贻貿贸賀贺賁贲賂赂賃赁賄贿賅赅資资賈贾賊贼賑赈賒赊賓宾賕赇賙赒\
賚赉賜赐賝𫎩賞赏賟𧹖賠赔賡赓賢贤賣卖賤贱賦赋賧赕質质賫赍賬账賭赌賰䞐賴赖賵赗賺赚賻赙購购賽赛賾赜贃𧹗贄贽贅赘贇赟贈赠贉𫎫贊赞贋赝\
贍赡贏赢贐赆贑𫎬贓赃贔赑贖赎贗赝贚𫎦贛赣贜赃赬赪趕赶趙赵趨趋趲趱跡迹踐践踰逾踴踊蹌跄蹔𫏐蹕跸蹟迹蹠跖蹣蹒蹤踪蹳𫏆蹺跷蹻𫏋躂跶躉趸\
躊踌躋跻躍跃躎䟢躑踯躒跞躓踬躕蹰躘𨀁躚跹躝𨅬躡蹑躥蹿躦躜躪躏軀躯軉𨉗車车軋轧軌轨軍军軏𫐄軑轪軒轩軔轫軕𫐅軗𨐅軛轭軜𫐇軝𬨂軟软軤轷\
軨𫐉軫轸軬𫐊軲轱軷𫐈軸轴軹轵軺轺軻轲軼轶軾轼軿𫐌較较輄𨐈輅辂輇辁輈辀載载輊轾輋𪨶輒辄輓挽輔辅輕轻輖𫐏輗𫐐輛辆輜辎輝辉輞辋輟辍輢𫐎\
輥辊輦辇輨𫐑輩辈輪轮輬辌輮𫐓輯辑輳辏輶𬨎輷𫐒輸输輻辐輼辒輾辗輿舆轀辒轂毂轄辖轅辕轆辘轇𫐖轉转轊𫐕轍辙轎轿轐𫐗轔辚轗𫐘轟轰轠𫐙轡辔\
轢轹轣𫐆轤轳辦办辭辞辮辫辯辩農农迴回逕迳這这連连週周進进遊游運运過过達达違违遙遥遜逊遞递遠远遡溯適适遱𫐷遲迟遷迁選选遺遗遼辽邁迈\
還还邇迩邊边邏逻邐逦郟郏郵邮鄆郓鄉乡鄒邹鄔邬鄖郧鄟𫑘鄧邓鄩𬩽鄭郑鄰邻鄲郸鄳𫑡鄴邺鄶郐鄺邝酇酂酈郦醃腌醖酝醜丑醞酝醟蒏醣糖醫医醬酱\
醱酦醲𬪩醶𫑷釀酿釁衅釃酾釅酽釋释釐厘釒钅釓钆釔钇釕钌釗钊釘钉釙钋釚𫟲針针釟𫓥釣钓釤钐釦扣釧钏釨𫓦釩钒釲𫟳釳𨰿釴𬬩釵钗釷钍釹钕釺钎\
釾䥺釿𬬱鈀钯鈁钫鈃钘鈄钭鈅钥鈆𫓪鈇𫓧鈈钚鈉钠鈋𨱂鈍钝鈎钩鈐钤鈑钣鈒钑鈔钞鈕钮鈖𫟴鈗𫟵鈛𫓨鈞钧鈠𨱁鈡钟鈣钙鈥钬鈦钛鈧钪鈮铌鈯𨱄鈰铈\
鈲𨱃鈳钶鈴铃鈷钴鈸钹鈹铍鈺钰鈽钸鈾铀鈿钿鉀钾鉁𨱅鉅巨鉆钻鉈铊鉉铉鉊𬬿鉋铇鉍铋鉑铂鉔𫓬鉕钷鉗钳鉚铆鉛铅鉝𫟷鉞钺鉠𫓭鉢钵鉤钩鉥𬬸鉦钲\
鉧𬭁鉬钼鉭钽鉮𬬹鉳锫鉶铏鉷𫟹鉸铰鉺铒鉻铬鉽𫟸鉾𫓴鉿铪銀银銁𫓲銂𫟻銃铳銅铜銈𫓯銊𫓰銍铚銏𫟶銑铣銓铨銖铢銘铭銚铫銛铦銜衔銠铑銣铷銥铱\
銦铟銨铵銩铥銪铕銫铯銬铐銱铞銳锐銶𨱇銷销銹锈銻锑銼锉鋁铝鋂𰾄鋃锒鋅锌鋇钡鋉𨱈鋌铤鋏铗鋐𬭎鋒锋鋗𫓶鋙铻鋝锊鋟锓鋠𫓵鋣铘鋤锄鋥锃鋦锔\
鋨锇鋩铓鋪铺鋭锐鋮铖鋯锆鋰锂鋱铽鋶锍鋸锯鋹𬬮鋼钢錀𬬭錁锞錂𨱋錄录錆锖錇锫錈锩錏铔錐锥錒锕錕锟錘锤錙锱錚铮錛锛錜𫓻錝𫓽錞𬭚錟锬錠锭\
錡锜錢钱錤𫓹錥𫓾錦锦錨锚錩锠錫锡錮锢錯错録录錳锰錶表錸铼錼镎錽𫓸鍀锝鍁锨鍃锪鍄𨱉鍅钫鍆钔鍇锴鍈锳鍉𫔂鍊炼鍋锅鍍镀鍒𫔄鍔锷鍘铡鍚钖\
鍛锻鍠锽鍤锸鍥锲鍩锘鍬锹鍭𬭤鍮𨱎鍰锾鍵键鍶锶鍺锗鍼针鍾钟鎂镁鎄锿鎇镅鎈𫟿鎊镑鎌镰鎍𫔅鎓𬭩鎔镕鎖锁鎘镉鎙𫔈鎚锤鎛镈鎝𨱏鎞𫔇鎡镃鎢钨\
鎣蓥鎦镏鎧铠鎩铩鎪锼鎬镐鎭镇鎮镇鎯𨱍鎰镒鎲镋鎳镍鎵镓鎶鿔鎷𨰾鎸镌鎿镎鏃镞鏆𨱌鏇旋鏈链鏉𨱒鏌镆鏍镙鏏𬭬鏐镠鏑镝鏗铿鏘锵鏚𬭭鏜镗鏝镘\
鏞镛鏟铲鏡镜鏢镖鏤镂鏥𫔊鏦𫓩鏨錾鏰镚鏵铧鏷镤鏹镪鏺䥽鏻𬭸鏽锈鏾𫔌鐃铙鐄𨱑鐇𫔍鐈𫓱鐋铴鐍𫔎鐎𨱓鐏𨱔鐐镣鐒铹鐓镦鐔镡鐘钟鐙镫鐝镢鐠镨\
鐥䦅鐦锎鐧锏鐨镄鐩𬭼鐪𫓺鐫镌鐮镰鐯䦃鐲镯鐳镭鐵铁鐶镮鐸铎鐺铛鐼𫔁鐽𫟼鐿镱鑀𰾭鑄铸鑉𫠁鑊镬鑌镔鑑鉴鑒鉴鑔镲鑕锧鑞镴鑠铄鑣镳鑥镥鑪𬬻\
鑭镧鑰钥鑱镵鑲镶鑴𫔔鑷镊鑹镩鑼锣鑽钻鑾銮鑿凿钁镢钂镋長长門门閂闩閃闪閆闫閈闬閉闭開开閌闶閍𨸂閎闳閏闰閐𨸃閑闲閒闲間间閔闵閗𫔯閘闸\
閝𫠂閞𫔰閡阂閣阁閤合閥阀閨闺閩闽閫阃閬阆閭闾閱阅閲阅閵𫔴閶阊閹阉閻阎閼阏閽阍閾阈閿阌闃阒闆板闇暗闈闱闉𬮱闊阔闋阕闌阑闍阇闐阗闑𫔶\
闒阘闓闿闔阖闕阙闖闯關关闞阚闠阓闡阐闢辟闤阛闥闼陘陉陝陕陞升陣阵陰阴陳陈陸陆陽阳隉陧隊队階阶隑𬮿隕陨際际隤𬯎隨随險险隮𬯀隯陦隱隐\
隴陇隸隶隻只雋隽雖虽雙双雛雏雜杂雞鸡離离難难雲云電电霑沾霢霡霣𫕥霧雾霼𪵣霽霁靂雳靄霭靆叇靈灵靉叆靚靓靜静靝靔靦腼靧𫖃靨靥鞏巩鞝绱\
鞦秋鞽鞒鞾𫖇韁缰韃鞑韆千韉鞯韋韦韌韧韍韨韓韩韙韪韚𫠅韛𫖔韜韬韝鞲韞韫韠𫖒韻韵響响頁页頂顶頃顷項项順顺頇顸須须頊顼頌颂頍𫠆頎颀頏颃\
預预頑顽頒颁頓顿頔𬱖頗颇領领頜颌頠𬱟頡颉頤颐頦颏頫𫖯頭头頮颒頰颊頲颋頴颕頵𫖳頷颔頸颈頹颓頻频頽颓顂𩓋顃𩖖顅𫖶顆颗題题額额顎颚顏颜\
顒颙顓颛顔颜顗𫖮願愿顙颡顛颠類类顢颟顣𫖹顥颢顧顾顫颤顬颥顯显顰颦顱颅顳颞顴颧風风颭飐颮飑颯飒颰𩙥颱台颳刮颶飓颷𩙪颸飔颺飏颻飖颼飕\
颾𩙫飀飗飄飘飆飙飈飚飋𫗋飛飞飠饣飢饥飣饤飥饦飦𫗞飩饨飪饪飫饫飭饬飯饭飱飧飲饮飴饴飵𫗢飶𫗣飼饲飽饱飾饰飿饳餃饺餄饸餅饼餈糍餉饷養养\
餌饵餎饹餏饻餑饽餒馁餓饿餔𫗦餕馂餖饾餗𫗧餘余餚肴餛馄餜馃餞饯餡馅餦𫗠餧𫗪館馆餪𫗬餫𫗥餬糊餭𫗮餱糇餳饧餵喂餶馉餷馇餸𩠌餺馎餼饩餾馏\
餿馊饁馌饃馍饅馒饈馐饉馑饊馓饋馈饌馔饑饥饒饶饗飨饘𫗴饜餍饞馋饟𫗵饠𫗩饢馕馬马馭驭馮冯馯𫘛馱驮馳驰馴驯馹驲馼𫘜駁驳駃𫘝駉𬳶駊𫘟駎𩧨\
駐驻駑驽駒驹駓𬳵駔驵駕驾駘骀駙驸駚𩧫駛驶駝驼駞𫘞駟驷駡骂駢骈駤𫘠駧𩧲駩𩧴駪𬳽駫𫘡駭骇駰骃駱骆駶𩧺駸骎駻𫘣駼𬳿駿骏騁骋騂骍騃𫘤騄𫘧\
騅骓騉𫘥騊𫘦騌骔騍骒騎骑騏骐騑𬴂騔𩨀騖骛騙骗騚𩨊騜𫘩騝𩨃騞𬴃騟𩨈騠𫘨騤骙騧䯄騪𩨄騫骞騭骘騮骝騰腾騱𫘬騴𫘫騵𫘪騶驺騷骚騸骟騻𫘭騼𫠋\
騾骡驀蓦驁骜驂骖驃骠驄骢驅驱驊骅驋𩧯驌骕驍骁驎𬴊驏骣驓𫘯驕骄驗验驙𫘰驚惊驛驿驟骤驢驴驤骧驥骥驦骦驨𫘱驪骊驫骉骯肮髏髅髒脏體体髕髌\
髖髋髮发鬆松鬍胡鬖𩭹鬚须鬠𫘽鬢鬓鬥斗鬧闹鬨哄鬩阋鬮阄鬱郁鬹鬶魎魉魘魇魚鱼魛鱽魟𫚉魢鱾魥𩽹魦𫚌魨鲀魯鲁魴鲂魵𫚍魷鱿魺鲄魽𫠐鮀𬶍鮁鲅\
鮃鲆鮄𫚒鮅𫚑鮆𫚖鮈𬶋鮊鲌鮋鲉鮍鲏鮎鲇鮐鲐鮑鲍鮒鲋鮓鲊鮚鲒鮜鲘鮝鲞鮞鲕鮟𩽾鮠𬶏鮡𬶐鮣䲟鮤𫚓鮦鲖鮪鲔鮫鲛鮭鲑鮮鲜鮯𫚗鮰𫚔鮳鲓鮵𫚛鮶鲪\
鮸𩾃鮺鲝鮿𫚚鯀鲧鯁鲠鯄𩾁鯆𫚙鯇鲩鯉鲤鯊鲨鯒鲬鯔鲻鯕鲯鯖鲭鯗鲞鯛鲷鯝鲴鯞𫚡鯡鲱鯢鲵鯤鲲鯧鲳鯨鲸鯪鲮鯫鲰鯬𫚞鯰鲶鯱𩾇鯴鲺鯶𩽼鯷鳀鯻𬶟\
鯽鲫鯾𫚣鯿鳊鰁鳈鰂鲗鰃鳂鰆䲠鰈鲽鰉鳇鰊𬶠鰋𫚢鰌䲡鰍鳅鰏鲾鰐鳄鰑𫚊鰒鳆鰓鳃鰕𫚥鰛鳁鰜鳒鰟鳑鰠鳋鰣鲥鰤𫚕鰥鳏鰦𫚤鰧䲢鰨鳎鰩鳐鰫𫚦鰭鳍\
鰮鳁鰱鲢鰲鳌鰳鳓鰵鳘鰶𬶭鰷鲦鰹鲣鰺鲹鰻鳗鰼鳛鰽𫚧鰾鳔鱀𬶨鱂鳉鱄𫚋鱅鳙鱆𫠒鱇𩾌鱈鳕鱉鳖鱊𫚪鱒鳟鱔鳝鱖鳜鱗鳞鱘鲟鱚𬶮鱝鲼鱟鲎鱠鲙鱢𫚫\
鱣鳣鱤鳡鱧鳢鱨鲿鱭鲚鱮𫚈鱯鳠鱲𫚭鱷鳄鱸鲈鱺鲡鳥鸟鳧凫鳩鸠鳬凫鳲鸤鳳凤鳴鸣鳶鸢鳷𫛛鳼𪉃鳽𫛚鳾䴓鴀𫛜鴃𫛞鴅𫛝鴆鸩鴇鸨鴉鸦鴐𫛤鴒鸰鴔𫛡\
鴕鸵鴗𫁡鴛鸳鴜𪉈鴝鸲鴞鸮鴟鸱鴣鸪鴥𫛣鴦鸯鴨鸭鴮𫛦鴯鸸鴰鸹鴲𪉆鴳𫛩鴴鸻鴷䴕鴻鸿鴽𫛪鴿鸽鵁䴔鵂鸺鵃鸼鵊𫛥鵏𬷕鵐鹀鵑鹃鵒鹆鵓鹁鵚𪉍鵜鹈\
鵝鹅鵟𫛭鵠鹄鵡鹉鵧𫛨鵩𫛳鵪鹌鵫𫛱鵬鹏鵮鹐鵯鹎鵰雕鵲鹊鵷鹓鵾鹍鶄䴖鶇鸫鶉鹑鶊鹒鶌𫛵鶒𫛶鶓鹋鶖鹙鶗𫛸鶘鹕鶚鹗鶠𬸘鶡鹖鶥鹛鶦𫛷鶩鹜鶪䴗\
鶬鸧鶭𫛯鶯莺鶰𫛫鶱𬸣鶲鹟鶴鹤鶹鹠鶺鹡鶻鹘鶼鹣鶿鹚鷀鹚鷁鹢鷂鹞鷄鸡鷅𫛽鷉䴘鷊鹝鷐𫜀鷓鹧鷔𪉑鷖鹥鷗鸥鷙鸷鷚鹨鷟𬸦鷣𫜃鷤𫛴鷥鸶鷦鹪鷨𪉊\
鷩𫜁鷫鹔鷭𬸪鷯鹩鷲鹫鷳鹇鷴鹇鷷𫜄鷸鹬鷹鹰鷺鹭鷽鸴鷿𬸯鸂㶉鸇鹯鸊䴙鸋𫛢鸌鹱鸏鹲鸑𬸚鸕鸬鸗𫛟鸘鹴鸚鹦鸛鹳鸝鹂鸞鸾鹵卤鹹咸鹺鹾鹼碱鹽盐\
麗丽麥麦麨𪎊麩麸麪面麫面麬𤿲麯曲麲𪎉麳𪎌麴曲麵面麷𫜑麼么麽么黃黄黌黉點点黨党黲黪黴霉黶黡黷黩黽黾黿鼋鼂鼌鼉鼍鼕冬鼴鼹齊齐齋斋齎赍\
齏齑齒齿齔龀齕龁齗龂齘𬹼齙龅齜龇齟龃齠龆齡龄齣出齦龈齧啮齩𫜪齪龊齬龉齭𫜭齮𬺈齯𫠜齰𫜬齲龋齴𫜮齶腭齷龌齼𬺓齾𫜰龍龙龎厐龐庞龑䶮龓𫜲\
龔龚龕龛龜龟龭𩨎龯𨱆鿁䜤鿓鿒𠁞𠀾𠌥𠆿𠏢𠉗𠐊𫝋𠗣㓆𠞆𠛆𠠎𠚳𠬙𪠡𠽃𪠺𠿕𪜎𡂡𪢒𡃄𪡺𡃕𠴛𡃤𪢐𡄔𠴢𡄣𠵸𡅏𠲥𡅯𪢖𡑍𫭼𡑭𡋗𡓁𪤄𡓾𡋀𡔖𡍣𡞵㛟𡟫𫝪\
𡠹㛿𡢃㛠𡮉𡭜𡮣𡭬𡳳𡳃𡸗𪨩𡹬𪨹𡻕岁𡽗𡸃𡾱㟜𡿖𪩛𢍰𪪴𢠼𢙑𢣐𪬚𢣚𢘝𢣭𢘞𢤩𪫡𢤱𢘙𢤿𪬯𢯷𪭝𢶒𪭯𢶫𢫞𢷮𢫊𢹿𢬦𢺳𪮳𣈶暅𣋋𣈣𣍐𫧃𣙎㭣𣜬𪳗𣝕𣘷𣞻𣘓\
𣠩𣞎𣠲𣑶𣯩𣯣𣯴𣭤𣯶毶𣽏𪶮𣾷㳢𣿉𣶫𤁣𣺽𤄷𪶒𤅶𣷷𤑳𤎻𤑹𪹀𤒎𤊀𤒻𪹹𤓌𪹠𤓎𤎺𤓩𤊰𤘀𪺣𤛮𤙯𤛱𫞢𤜆𪺪𤠮𪺸𤢟𤝢𤢻𢢐𤩂𫞧𤪺㻘𤫩㻏𤬅𪼴𤳷𪽝𤳸𤳄𤷃𪽭\
𤸫𤶧𤺔𪽴𥊝𥅿𥌃𥅘𥏝𪿊𥕥𥐰𥖅𥐯𥖲𪿞𥗇𪿵𥗽𬒗𥜐𫀓𥜰𫀌𥞵𥞦𥢢䅪𥢶𫞷𥢷𫀮𥨐𥧂𥪂𥩺𥯤𫁳𥴨𫂖𥴼𫁺𥵃𥱔𥵊𥭉𥶽𫁱𥸠𥮋𥻦𫂿𥼽𥹥𥽖𥺇𥾯𫄝𥿊𦈈𦀖𫄦𦂅𦈒\
𦃄𦈗𦃩𫄯𦅇𫄪𦅈𫄵𦆲𫟇𦒀𫅥𦔖𫅼𦘧𡳒𦟼𫆝𦠅𫞅𦡝𫆫𦢈𣍨𦣎𦟗𦧺𫇘𦪙䑽𦪽𦨩𦱌𫇪𦾟𦶻𧎈𧌥𧒯𫊹𧔥𧒭𧕟𧉐𧜗䘞𧜵䙊𧝞䘛𧞫𫌋𧟀𧝧𧡴𫌫𧢄𫌬𧦝𫍞𧦧𫍟𧩕𫍭\
𧩙䜥𧩼𫍶𧫝𫍺𧬤𫍼𧭈𫍾𧭹𫍐𧳟𧳕𧵳䞌𧶔𧹓𧶧䞎𧷎𪠀𧸘𫎨𧹈𪥠𧽯𫎸𨂐𫏌𨄣𨀱𨅍𨁴𨆪𫏕𨇁𧿈𨇞𨅫𨇤𫏨𨇰𫏞𨇽𫏑𨈊𨂺𨈌𨄄𨊰䢀𨊸䢁𨊻𨐆𨋢䢂𨌈𫐍𨍰𫐔𨎌𫐋\
𨎮𨐉𨏠𨐇𨏥𨐊𨞺𫟫𨟊𫟬𨢿𨡙𨣈𨡺𨣞𨟳𨣧𨠨𨤻𨤰𨥛𨱀𨥟𫓫𨦫䦀𨧀𬭊𨧜䦁𨧰𫟽𨧱𨱊𨨏𬭛𨨛𫓼𨨢𫓿𨩰𫟾𨪕𫓮𨫒𨱐𨬖𫔏𨭆𬭶𨭎𬭳𨭖𫔑𨭸𫔐𨮂𨱕𨮳𫔒𨯅䥿𨯟𫔓\
𨰃𫔉𨰋𫓳𨰥𫔕𨰲𫔃𨲳𫔖𨳑𨸁𨳕𨸀𨴗𨸅𨴹𫔲𨵩𨸆𨵸𨸇𨶀𨸉𨶏𨸊𨶮𨸌𨶲𨸋𨷲𨸎𨼳𫔽𨽏𨸘𩀨𫕚𩅙𫕨𩎖𫖑𩎢𩏾𩏂𫖓𩏠𫖖𩏪𩏽𩏷𫃗𩑔𫖪𩒎𫖭𩓣𩖕𩓥𫖵𩔑𫖷𩔳𫖴\
𩖰𫠇𩗀𩙦𩗓𫗈𩗴𫗉𩘀𩙩𩘝𩙭𩘹𩙨𩘺𩙬𩙈𩙰𩚛𩟿𩚥𩠀𩚩𫗡𩚵𩠁𩛆𩠂𩛌𫗤𩛡𫗨𩛩𩠃𩜇𩠉𩜦𩠆𩜵𩠊𩝔𩠋𩝽𫗳𩞄𩠎𩞦𩠏𩞯䭪𩟐𩠅𩟗𫗚𩠴𩠠𩡣𩡖𩡺𩧦𩢡𩧬𩢴𩧵\
𩢸𩧳𩢾𩧮𩣏𩧶𩣑䯃𩣫𩧸𩣵𩧻𩣺𩧼𩤊𩧩𩤙𩨆𩤲𩨉𩤸𩨅𩥄𩨋𩥇𩨍𩥉𩧱𩥑𩨌𩦠𫠌𩧆𩨐𩭙𩬣𩯁𫙂𩯳𩯒𩰀𩬤𩰹𩰰𩳤𩲒𩴵𩴌𩵦𫠏𩵩𩽺𩵹𩽻𩶁𫚎𩶘䲞𩶰𩽿𩶱𩽽𩷰𩾄\
𩸃𩾅𩸄𫚝𩸡𫚟𩸦𩾆𩻗𫚨𩻬𫚩𩻮𫚘𩼶𫚬𩽇𩾎𩿅𫠖𩿤𫛠𩿪𪉄𪀖𫛧𪀦𪉅𪀾𪉋𪁈𪉉𪁖𪉌𪂆𪉎𪃍𪉐𪃏𪉏𪃒𫛻𪃧𫛹𪄆𪉔𪄕𪉒𪅂𫜂𪆷𫛾𪇳𪉕𪈼𱊜𪉸𫜊𪋿𫧮𪌭𫜓𪍠𫜕\
𪓰𫜟𪔵𪔭𪘀𪚏𪘯𪚐𪙏𫜯𪟖𠛾𪷓𣶭𫒡𫓷𫜦𫜫";

#[cfg(test)]
mod tests {
    use super::*;

    fn d() -> Vec<String> {
        default_decorations()
    }

    #[test]
    fn the_vendored_table_is_whole_pairs_without_repeats() {
        let n = T2S_PAIRS.chars().count();
        assert_eq!(n % 2, 0, "an odd character count means a broken pair");
        assert_eq!(T2S.len(), n / 2);
        assert!(T2S.windows(2).all(|w| w[0].0 < w[1].0), "a traditional character listed twice");
        assert!(T2S.len() > 4000);
        for (t, s) in [
            ('發', '发'),
            ('髮', '发'),
            ('後', '后'),
            ('臺', '台'),
            ('麵', '面'),
            ('縣', '县'),
        ] {
            assert_eq!(to_simplified(t), s, "{t}");
        }
        for c in ['发', '西', 'a', '1', '·', '县'] {
            assert_eq!(to_simplified(c), c, "{c} is no traditional character");
        }
    }

    #[test]
    fn normalization_folds_script_width_case_and_punctuation() {
        assert_eq!(normalize_name("西安發布"), "西安发布");
        assert_eq!(normalize_name("西安髮布"), "西安发布");
        assert_eq!(normalize_name("【西安发布】"), "西安发布");
        assert_eq!(normalize_name(" 西安 发布\u{3000}"), "西安发布");
        assert_eq!(normalize_name("ＸＩ＇ＡＮ发布１２３"), "xian发布123");
        assert_eq!(
            normalize_name("「西安」“发布”·・•|｜-—_《》〈〉()（）!！?？"),
            "西安发布"
        );
        assert_eq!(normalize_name("西安发布🔥✨\u{200D}\u{FE0F}★"), "西安发布");
        assert_eq!(normalize_name("宝鸡市公安局Police"), "宝鸡市公安局police");
        assert_eq!(normalize_name("陇縣"), "陇县");
        assert_eq!(normalize_name("！？…"), "");
    }

    #[test]
    fn decorations_and_region_are_stripped() {
        assert_eq!(strip_decorations("西安发布官方", None, &d()), "西安");
        assert_eq!(strip_decorations("西安发布推荐官", None, &d()), "西安");
        assert_eq!(strip_decorations("【西安发布】", None, &d()), "西安");
        assert_eq!(strip_decorations("西安发布官方", Some("西安市"), &d()), "");
        assert_eq!(
            strip_decorations("宝鸡市公安局官方", Some("宝鸡市"), &d()),
            "公安局"
        );
        assert_eq!(
            strip_decorations("宝鸡公安局直播间", Some("宝鸡市"), &d()),
            "公安局"
        );
        assert_eq!(
            strip_decorations("日照文旅推荐官", Some("日照市"), &d()),
            "文旅"
        );
        assert_eq!(
            strip_decorations("某某县人民政府发布", Some("某某县"), &d()),
            "人民政府"
        );
        // 陇县 has no two-character bare form: 陇 alone is not removed from 陇南.
        assert_eq!(strip_decorations("陇南发布", Some("陇县"), &d()), "陇南");
        assert_eq!(strip_decorations("陇县发布", Some("陇县"), &d()), "");
        // The configured list decides, read in normalised form.
        let custom = vec!["直播間".to_string(), " ".to_string()];
        assert_eq!(
            strip_decorations("宝鸡文旅直播间", None, &custom),
            "宝鸡文旅"
        );
        assert_eq!(
            strip_decorations("宝鸡文旅官方", None, &custom),
            "宝鸡文旅官方"
        );
        assert_eq!(strip_decorations("宝鸡文旅官方", None, &[]), "宝鸡文旅官方");
    }

    #[test]
    fn search_queries_are_variants_deduplicated_and_bounded() {
        assert_eq!(
            search_queries("西安发布", Some("西安市"), &d()),
            ["西安发布", "西安市发布"]
        );
        assert_eq!(search_queries("西安发布", None, &d()), ["西安发布"]);
        assert_eq!(
            search_queries("宝鸡市公安局", Some("宝鸡市"), &d()),
            ["宝鸡市公安局", "宝鸡公安局"]
        );
        assert_eq!(
            search_queries("某某县人民政府发布", Some("某某县"), &d()),
            [
                "某某县人民政府发布",
                "某某人民政府发布",
                "某某县人民政府",
                "某某人民政府"
            ]
        );
        // The registered spelling first, then its normalised form.
        assert_eq!(
            search_queries(" 宝鸡 公安 ", Some("宝鸡市"), &d()),
            ["宝鸡 公安", "宝鸡公安", "宝鸡市公安"]
        );
        assert_eq!(
            search_queries("西安發布", None, &d()),
            ["西安發布", "西安发布"]
        );
        let q = search_queries("【宝鸡市文化和旅游局】官方", Some("宝鸡市"), &d());
        assert_eq!(q.len(), MAX_QUERIES, "{q:?}");
        assert_eq!(q[0], "【宝鸡市文化和旅游局】官方");
        assert!(search_queries(" ", None, &d()).is_empty());
    }

    fn sim(a: &str, b: &str) -> NameMatch {
        compare_names(a, b, Some("西安市"), &d())
    }

    #[test]
    fn traditional_full_width_and_punctuation_are_the_same_name() {
        for b in [
            "西安發布",
            "【西安发布】",
            "西安 发布",
            "「西安·发布」",
            "西安发布🔥",
        ] {
            assert_eq!(sim("西安发布", b).score, 1.0, "{b}");
            assert_eq!(sim("西安发布", b).basis, MatchBasis::Same, "{b}");
        }
        assert_eq!(name_similarity("ＸＡ发布", "xa发布"), 1.0);
        assert_eq!(name_similarity("西安发布", "西安髮布"), 1.0);
    }

    #[test]
    fn decorations_region_and_homophones_score_high() {
        let cases = [
            ("西安发布官方", 0.95, MatchBasis::Decorated),
            ("西安发布推荐官", 0.95, MatchBasis::Decorated),
            ("西安官方发布", 0.95, MatchBasis::Decorated),
            ("溪安发布", 0.95, MatchBasis::Homophone),
            ("溪安发布官方", 0.92, MatchBasis::DecoratedHomophone),
            ("西安市发布", 0.97, MatchBasis::RegionVariant),
        ];
        for (b, score, basis) in cases {
            let m = sim("西安发布", b);
            assert_eq!((m.score, m.basis), (score, basis), "{b}");
        }
        let m = compare_names("宝鸡市公安局", "宝鸡公安局官方", Some("宝鸡市"), &d());
        assert_eq!((m.score, m.basis), (0.95, MatchBasis::Decorated));
        let m = compare_names("日照文旅", "日照文旅官方直播间", Some("日照市"), &d());
        assert_eq!((m.score, m.basis), (0.95, MatchBasis::Decorated));
        // Without the region the decorated variants still match.
        assert_eq!(name_similarity("西安发布", "西安发布推荐官"), 0.95);
    }

    #[test]
    fn different_names_score_low() {
        for b in [
            "西安公安",
            "西安头条",
            "西安本地宝",
            "咸阳发布",
            "陕西发布",
            "西安交通",
        ] {
            let m = sim("西安发布", b);
            assert!(m.score <= 0.5, "{b}: {m:?}");
            assert_eq!(m.basis, MatchBasis::Fuzzy);
        }
        // Swapping one decoration for another is not imitation (西安之声 is
        // a radio station), nor is the bare place name.
        for b in ["西安之声", "西安在线", "西安"] {
            assert!(sim("西安发布", b).score <= 0.5, "{b}");
        }
        // Shared prefix of place and 人民: not close.
        let m = compare_names("某某县人民政府发布", "某某县人民法院", Some("某某县"), &d());
        assert!(m.score < 0.7, "{m:?}");
        assert!(name_similarity("宝鸡市市场监督管理局", "宝鸡市公安局") < 0.5);
        // Empty after normalisation: nothing to compare.
        assert_eq!(name_similarity("西安发布", "！？"), 0.0);
    }

    #[test]
    fn one_character_off_is_similar_but_below_structural_matches() {
        let m = sim("西安发布", "西安发布厅");
        assert_eq!((m.score, m.basis), (0.8, MatchBasis::Fuzzy));
        let m = compare_names("宝鸡市公安局", "宝鸡公安", Some("宝鸡市"), &d());
        assert_eq!((m.score, m.basis), (0.8, MatchBasis::Fuzzy));
        // String similarity never passes the cap, even on identical cores
        // with different decorations.
        let m = compare_names("宝鸡公安发布", "宝鸡公安之声", Some("宝鸡市"), &d());
        assert_eq!((m.score, m.basis), (FUZZY_CAP, MatchBasis::Fuzzy));
    }

    #[test]
    fn comparison_is_symmetric() {
        let names = [
            "西安发布",
            "西安发布官方",
            "溪安发布",
            "西安公安",
            "西安市发布",
            "西安",
            "西安发布厅",
            "西安之声",
        ];
        for a in names {
            for b in names {
                assert_eq!(sim(a, b), sim(b, a), "{a} / {b}");
            }
        }
    }

    #[test]
    fn bios_copied_or_not() {
        let bio = "西安市人民政府新闻办公室官方微博，发布权威信息。";
        assert_eq!(text_similarity(bio, bio), Some(1.0));
        assert_eq!(
            text_similarity(bio, &format!("{bio}商务合作请私信")),
            Some(1.0)
        );
        assert!(text_similarity(bio, "西安本地美食推荐，吃喝玩乐").unwrap() < 0.3);
        assert_eq!(text_similarity(bio, " "), None);
        // A short bio contained in another is no proof of copying.
        assert!(text_similarity("西安", "西安美食").unwrap() < 0.8);
    }
}
