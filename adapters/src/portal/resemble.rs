//! Whether a portal answer looks like the homepage read last time. A CDN
//! or a misconfigured site can serve another page (a column page, a
//! template, another site's homepage) at the homepage URL with status 200;
//! read as the homepage it would show the notice gone. The daemon compares
//! each read with the last good read of the same URL and treats a read
//! that does not resemble it as could-not-check.

use crate::model::PortalPage;
use regex::Regex;
use std::sync::LazyLock;

/// The size band a homepage stays in between two reads: news come and go,
/// but a page a third or three times the size is another page.
pub const SIZE_BAND: (f64, f64) = (0.3, 3.0);

/// `Ok(())` when `current` looks like the same page as `previous`, else
/// why not. Compared: titles after trimming whitespace and volatile parts
/// (dates, times, numbers, weekdays); body size within [`SIZE_BAND`]; at
/// least half of the previous read's block names still present. A
/// previous read without a shape (stored before shapes existed: size 0)
/// is compared by title only.
pub fn resembles(previous: &PortalPage, current: &PortalPage) -> Result<(), String> {
    let (was, is) = (stable_title(previous.title.as_deref()), stable_title(current.title.as_deref()));
    if was != is {
        return Err(format!("the title changed from {:?} to {:?}", previous.title, current.title));
    }
    let (p, c) = (&previous.shape, &current.shape);
    if p.bytes > 0 {
        let ratio = c.bytes as f64 / p.bytes as f64;
        if !(SIZE_BAND.0..=SIZE_BAND.1).contains(&ratio) {
            return Err(format!(
                "the page is {} bytes, {ratio:.2} times the {} bytes of the last good read",
                c.bytes, p.bytes
            ));
        }
    }
    if !p.blocks.is_empty() {
        let kept = p.blocks.iter().filter(|b| c.blocks.binary_search(b).is_ok()).count();
        if kept * 2 < p.blocks.len() {
            let missing: Vec<&str> =
                p.blocks.iter().filter(|b| c.blocks.binary_search(b).is_err()).map(String::as_str).take(5).collect();
            return Err(format!(
                "only {kept} of the {} blocks of the last good read are present (missing e.g. {missing:?})",
                p.blocks.len()
            ));
        }
    }
    Ok(())
}

/// A title without what changes from one read to the next: whitespace,
/// numbers with their date and time units, weekdays, separators.
fn stable_title(title: Option<&str>) -> String {
    static VOLATILE: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"\d+\s*[年月日号时分秒:：]?|星期[一二三四五六日天]|周[一二三四五六日天]").unwrap());
    let t = title.unwrap_or("");
    VOLATILE
        .replace_all(t, "")
        .chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, '-' | '_' | '|' | '/' | '.' | '·' | '—' | '–' | ','))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::PortalShape;

    fn page(title: Option<&str>, bytes: usize, blocks: &[&str]) -> PortalPage {
        let mut blocks: Vec<String> = blocks.iter().map(|b| b.to_string()).collect();
        blocks.sort();
        PortalPage {
            url: "http://www.example.gov.cn/".into(),
            title: title.map(str::to_string),
            items: Vec::new(),
            shape: PortalShape { bytes, links: 0, prominent: 0, blocks },
        }
    }

    #[test]
    fn the_same_homepage_with_new_news_resembles() {
        let was = page(Some("安康市人民政府 2024年5月20日 星期一"), 100_000, &["通知公告", "要闻", "id=footer"]);
        let is = page(Some(" 安康市人民政府  2024年5月21日 星期二\n"), 140_000, &["通知公告", "要闻", "id=footer", "专题"]);
        assert_eq!(resembles(&was, &is), Ok(()));
    }

    #[test]
    fn another_title_does_not() {
        let was = page(Some("安康市人民政府"), 100_000, &["通知公告"]);
        let is = page(Some("安康市人民政府-通知公告"), 100_000, &["通知公告"]);
        assert!(resembles(&was, &is).unwrap_err().contains("title"));
        let untitled = page(None, 100_000, &["通知公告"]);
        assert!(resembles(&was, &untitled).is_err());
    }

    #[test]
    fn a_page_out_of_the_size_band_does_not() {
        let was = page(Some("安康市人民政府"), 100_000, &[]);
        assert!(resembles(&was, &page(Some("安康市人民政府"), 29_000, &[])).unwrap_err().contains("bytes"));
        assert!(resembles(&was, &page(Some("安康市人民政府"), 301_000, &[])).is_err());
        assert_eq!(resembles(&was, &page(Some("安康市人民政府"), 30_000, &[])), Ok(()));
        assert_eq!(resembles(&was, &page(Some("安康市人民政府"), 300_000, &[])), Ok(()));
    }

    #[test]
    fn losing_most_blocks_does_not() {
        let was = page(Some("t"), 1000, &["通知公告", "要闻", "专题", "县区动态"]);
        assert_eq!(resembles(&was, &page(Some("t"), 1000, &["通知公告", "要闻"])), Ok(()));
        let err = resembles(&was, &page(Some("t"), 1000, &["通知公告", "栏目"])).unwrap_err();
        assert!(err.contains("1 of the 4 blocks"), "{err}");
    }

    #[test]
    fn a_previous_read_without_a_shape_is_compared_by_title_only() {
        let was = page(Some("安康市人民政府"), 0, &[]);
        assert_eq!(resembles(&was, &page(Some("安康市人民政府"), 5, &["x"])), Ok(()));
        assert!(resembles(&was, &page(Some("页面不存在"), 5, &[])).is_err());
    }

    #[test]
    fn shape_serializes_with_the_agreed_keys_and_reads_back() {
        let p = page(Some("t"), 10, &["b", "a"]);
        let v = serde_json::to_value(&p.shape).unwrap();
        assert_eq!(v, serde_json::json!({"bytes": 10, "links": 0, "prominent": 0, "blocks": ["a", "b"]}));
        let back: PortalShape = serde_json::from_value(v).unwrap();
        assert_eq!(back, p.shape);
        // A page stored before shapes existed reads with an empty shape.
        let old: PortalPage = serde_json::from_str(r#"{"url":"u","title":null,"items":[]}"#).unwrap();
        assert_eq!(old.shape, PortalShape::default());
    }
}
