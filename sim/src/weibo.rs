//! m.weibo.cn as xunjian's Weibo adapter reads it: the visitor cookie
//! (`genvisitor2`), `getIndex` profile / timeline / user search,
//! `statuses/show`.
//!
//! Templates: the real captures `m_getIndex_type_uid_profile_verified.json`
//! (profile), `m_getIndex_107603_timeline_pinned_retweet.json` (cards,
//! mblogs, users, the pinned markers `isTop` / `mblogtype: 2` /
//! `title.text: 置顶`, the `retweeted_status` of a repost) and
//! `m_getIndex_error_no_content.json` ("这里还没有内容", which the profile
//! endpoint answers for a uid that does not exist); the synthesized
//! `ok0_account_banned.json`, `search_users_result.json` (no capture of
//! the search exists), `genvisitor2_response.js`.
//!
//! Closed comments: no capture of a post with comments closed exists. The
//! simulator writes `comment_disable_tip: "抱歉，此微博无法进行评论"` (the
//! message Weibo gives when commenting on such a post, per a public 2020
//! report) next to `comment_manage_info`; open posts carry the default
//! `comment_manage_info.comment_permission_type: -1`.

use crate::fixtures as fx;
use crate::http::{Request, Response};
use crate::model::{Account, LieKind, Post, SimPlatform};
use crate::route::{Ctx, Routed};
use crate::util::{html_escape, weibo_bid, weibo_count_display, weibo_time};
use serde_json::{Value, json};
use std::sync::LazyLock;

/// Cards per timeline page (the capture has 10).
const PAGE: usize = 10;
const TEMPLATE_UID: &str = "6279793937";
const TEMPLATE_NAME: &str = "明日方舟Arknights";

static TIMELINE: LazyLock<Value> = LazyLock::new(|| serde_json::from_str(fx::WEIBO_TIMELINE).expect("fixture"));

fn account_key(id: &str) -> Option<String> {
    Some(format!("weibo:{id}"))
}

pub fn handle(req: &Request, ctx: &Ctx) -> Routed {
    match req.path.as_str() {
        "/visitor/genvisitor2" => Routed::new(
            "weibo:visitor",
            None,
            Response::new(200, "application/javascript; charset=utf-8", fx::WEIBO_GENVISITOR)
                .with_header("Set-Cookie", "SUB=_2AkMSimulatedVisitorSUB; expires=Fri, 01 Jan 2038 00:00:00 GMT; path=/; domain=.weibo.com; secure; httponly")
                .with_header("Set-Cookie", "SUBP=0033WrSXqPxfM72-Ws9jqgMF55529P9D9WSimulated; expires=Fri, 01 Jan 2038 00:00:00 GMT; path=/; domain=.weibo.com"),
        ),
        "/api/container/getIndex" => {
            if req.param("type") == Some("uid") {
                let uid = req.param("value").unwrap_or("");
                return Routed::new("weibo:profile", account_key(uid), profile(uid, ctx));
            }
            let cid = req.param("containerid").unwrap_or("");
            if let Some(rest) = cid.strip_prefix("100103") {
                let q = rest.split_once("q=").map(|(_, q)| q).unwrap_or("");
                return Routed::new("weibo:search", None, search(cid, q, ctx));
            }
            if let Some(uid) = cid.strip_prefix("107603") {
                return Routed::new("weibo:timeline", account_key(uid), timeline(uid, req.param("since_id"), ctx));
            }
            Routed::new("weibo:other", None, Response::json(fx::WEIBO_NO_CONTENT))
        }
        "/statuses/show" => {
            let id = req.param("id").unwrap_or("");
            let (acct, resp) = status_show(id, ctx);
            Routed::new("weibo:status", acct, resp)
        }
        _ => Routed::new("weibo:other", None, Response::not_found()),
    }
}

fn find<'a>(ctx: &Ctx<'a>, uid: &str) -> Option<&'a Account> {
    ctx.world.account(SimPlatform::Weibo, uid)
}

/// The answer for an account that cannot be shown: "这里还没有内容" for a
/// uid the world does not know (yet), errno 20003 for an account that was
/// cancelled, or the banned message.
fn unavailable(a: Option<&Account>, ctx: &Ctx) -> Option<Response> {
    match a {
        None => Some(Response::json(fx::WEIBO_NO_CONTENT)),
        Some(a) if a.gone_at(ctx.now) == Some(crate::model::GoneKind::Banned) => Some(Response::json(fx::WEIBO_BANNED)),
        Some(a) if a.gone_at(ctx.now) == Some(crate::model::GoneKind::NotFound) => {
            Some(Response::json(fx::WEIBO_USER_MISSING))
        }
        Some(a) if !a.present(ctx.now) => Some(Response::json(fx::WEIBO_NO_CONTENT)),
        Some(_) => None,
    }
}

fn num_or_str(id: &str) -> Value {
    id.parse::<u64>().map(Value::from).unwrap_or_else(|_| Value::from(id))
}

/// A user object as timeline cards and search results carry it (the
/// capture's `mblog.user`, re-filled).
fn user_json(a: &Account, ctx: &Ctx) -> Value {
    let mut u = TIMELINE["data"]["cards"][1]["mblog"]["user"].clone();
    u["id"] = num_or_str(&a.id);
    u["screen_name"] = a.name.clone().into();
    u["profile_url"] = format!("https://m.weibo.cn/u/{0}?uid={0}&luicode=10000011&lfid=107603{0}", a.id).into();
    u["statuses_count"] = a.visible_posts(ctx.now).len().into();
    u["description"] = a.description.clone().into();
    u["followers_count"] = a.followers.into();
    fill_verification(&mut u, a);
    u
}

fn fill_verification(u: &mut Value, a: &Account) {
    let o = u.as_object_mut().expect("object");
    match &a.verification {
        Some(v) => {
            o.insert("verified".into(), true.into());
            o.insert("verified_type".into(), if v.institutional { 1 } else { 0 }.into());
            o.insert("verified_type_ext".into(), 0.into());
            o.insert("verified_reason".into(), v.reason.clone().into());
        }
        None => {
            o.insert("verified".into(), false.into());
            o.insert("verified_type".into(), (-1).into());
            o.remove("verified_type_ext");
            o.remove("verified_reason");
        }
    }
}

/// Replaces `from` in every string of `v` (the capture escapes its
/// Chinese as `\uXXXX`, so this is done on the parsed value).
fn replace_strings(v: &mut Value, from: &str, to: &str) {
    match v {
        Value::String(s) if s.contains(from) => *s = s.replace(from, to),
        Value::Array(a) => a.iter_mut().for_each(|x| replace_strings(x, from, to)),
        Value::Object(o) => o.values_mut().for_each(|x| replace_strings(x, from, to)),
        _ => {}
    }
}

/// The account whose answers are served for `a` at `ctx.now` (a
/// [`LieKind::WrongAccount`] lie), if that account exists and tells no such
/// lie itself.
fn told_as<'a>(a: &'a Account, ctx: &Ctx<'a>) -> Option<&'a str> {
    match a.lie_at(ctx.now) {
        Some(LieKind::WrongAccount { other }) => find(ctx, other)
            .filter(|o| !matches!(o.lie_at(ctx.now), Some(LieKind::WrongAccount { .. })))
            .map(|o| o.id.as_str()),
        _ => None,
    }
}

fn profile(uid: &str, ctx: &Ctx) -> Response {
    let a = find(ctx, uid);
    if let Some(other) = a.and_then(|a| told_as(a, ctx)) {
        return profile(other, ctx);
    }
    if let Some(r) = unavailable(a, ctx) {
        return r;
    }
    let a = a.expect("checked");
    let text = fx::WEIBO_PROFILE.replace(TEMPLATE_UID, &a.id);
    let mut v: Value = serde_json::from_str(&text).expect("fixture stays JSON");
    replace_strings(&mut v, TEMPLATE_NAME, &a.name);
    let info = &mut v["data"]["userInfo"];
    info["id"] = num_or_str(&a.id);
    info["screen_name"] = a.name.clone().into();
    info["statuses_count"] = a.visible_posts(ctx.now).len().into();
    info["description"] = a.description.clone().into();
    info["followers_count"] = weibo_count_display(a.followers);
    info["followers_count_str"] = weibo_count_display(a.followers).to_string().trim_matches('"').into();
    fill_verification(info, a);
    if let Some(menus) = info["toolbar_menus"].as_array_mut() {
        for m in menus {
            if m.get("userInfo").is_some() {
                m["userInfo"]["id"] = num_or_str(&a.id);
                fill_verification(&mut m["userInfo"], a);
            }
        }
    }
    Response::json_value(&v)
}

/// An mblog for `p` of `a` as of now (the capture's plain card 1 without
/// its pictures; pinned markers as on card 0; repost as on card 2).
fn mblog(a: &Account, p: &Post, pinned: bool, ctx: &Ctx) -> Value {
    let mut m = TIMELINE["data"]["cards"][1]["mblog"].clone();
    let o = m.as_object_mut().expect("object");
    for k in ["pics", "thumbnail_pic", "bmiddle_pic", "original_pic", "picStatus", "page_info", "textLength"] {
        o.remove(k);
    }
    o.insert("pic_ids".into(), json!([]));
    o.insert("pic_num".into(), 0.into());
    o.insert("pic_types".into(), "".into());
    o.insert("created_at".into(), weibo_time(p.at).into());
    o.insert("id".into(), p.id.clone().into());
    o.insert("mid".into(), p.id.clone().into());
    o.insert("bid".into(), weibo_bid(&p.id).into());
    o.insert("text".into(), html_escape(&p.text).into());
    o.insert("source".into(), "微博 weibo.com".into());
    o.insert("user".into(), user_json(a, ctx));
    o.insert("reposts_count".into(), 0.into());
    o.insert("comments_count".into(), 0.into());
    o.insert("attitudes_count".into(), 0.into());
    o.insert("isLongText".into(), false.into());
    o.insert("mblogtype".into(), if pinned { 2 } else { 0 }.into());
    if pinned {
        let card0 = &TIMELINE["data"]["cards"][0]["mblog"];
        o.insert("isTop".into(), card0["isTop"].clone());
        o.insert("title".into(), card0["title"].clone());
    }
    o.insert(
        "comment_manage_info".into(),
        json!({"comment_permission_type": if p.comments_closed { 2 } else { -1 }, "approval_comment_type": 0, "comment_sort_type": 0, "comment_manage_button": 1}),
    );
    if p.comments_closed {
        o.insert("comment_disable_tip".into(), "抱歉，此微博无法进行评论".into());
    }
    if let Some(r) = p.repost_of.as_ref().filter(|r| r.platform == SimPlatform::Weibo) {
        o.insert("raw_text".into(), p.text.clone().into());
        o.insert("repost_type".into(), 1.into());
        let source = match ctx.world.post(r) {
            Some((sa, sp)) if sa.present(ctx.now) && sp.visible(ctx.now) => {
                let mut s = mblog(sa, sp, false, ctx);
                s.as_object_mut().expect("object").remove("comment_manage_info");
                s
            }
            found => json!({
                "created_at": found.map(|(_, sp)| weibo_time(sp.at)),
                "id": r.post_id, "mid": r.post_id, "bid": weibo_bid(&r.post_id),
                "text": "抱歉，此微博已被作者删除。查看帮助：<a href=\"https://kefu.weibo.com/faqdetail?id=20000\">https://kefu.weibo.com/faqdetail?id=20000</a>",
                "user": null, "deleted": "1", "state": 7
            }),
        };
        o.insert("retweeted_status".into(), source);
    }
    m
}

fn card(a: &Account, p: &Post, pinned: bool, ctx: &Ctx) -> Value {
    let bid = weibo_bid(&p.id);
    json!({
        "card_type": 9,
        "itemid": format!("107603{}_-_{}", a.id, p.id),
        "scheme": format!("https://m.weibo.cn/status/{bid}?mblogid={bid}&luicode=10000011&lfid=107603{}", a.id),
        "mblog": mblog(a, p, pinned, ctx),
    })
}

fn timeline(uid: &str, since_id: Option<&str>, ctx: &Ctx) -> Response {
    let a = find(ctx, uid);
    if let Some(other) = a.and_then(|a| told_as(a, ctx)) {
        return timeline(other, since_id, ctx);
    }
    if let Some(r) = unavailable(a, ctx) {
        return r;
    }
    let a = a.expect("checked");
    let posts = a.visible_posts(ctx.now);
    if posts.is_empty() {
        return Response::json(fx::WEIBO_NO_CONTENT);
    }
    // The pinned posts head the first page; the rest follow newest first.
    let (pinned, rest): (Vec<&Post>, Vec<&Post>) = posts.iter().partition(|p| p.pinned_at(ctx.now));
    if a.lie_at(ctx.now) == Some(&LieKind::PinnedOnlyFirstPage) && !pinned.is_empty() {
        // Page 1: the pinned posts alone, pointing on; later pages: nothing.
        if since_id.is_some() {
            return Response::json(fx::WEIBO_NO_CONTENT);
        }
        let cards: Vec<Value> = pinned.iter().map(|p| card(a, p, true, ctx)).collect();
        let mut info = json!({"containerid": format!("107603{uid}"), "v_p": 42, "show_style": 1, "total": posts.len()});
        if let Some(next) = rest.first() {
            info["since_id"] = num_or_str(&next.id);
        }
        let v = json!({"ok": 1, "data": {"cardlistInfo": info, "cards": cards, "scheme": TIMELINE["data"]["scheme"], "showAppTips": 0}});
        return Response::json_value(&v);
    }
    let start = match since_id {
        None => 0,
        Some(s) => match rest.iter().position(|p| p.id == s) {
            Some(i) => i,
            None => return Response::json(fx::WEIBO_NO_CONTENT),
        },
    };
    let end = (start + PAGE).min(rest.len());
    let mut cards: Vec<Value> = Vec::new();
    if since_id.is_none() {
        cards.extend(pinned.iter().map(|p| card(a, p, true, ctx)));
    }
    cards.extend(rest[start..end].iter().map(|p| card(a, p, false, ctx)));
    let mut info = json!({"containerid": format!("107603{uid}"), "v_p": 42, "show_style": 1, "total": posts.len()});
    if let Some(next) = rest.get(end) {
        info["since_id"] = num_or_str(&next.id);
    }
    let v = json!({"ok": 1, "data": {"cardlistInfo": info, "cards": cards, "scheme": TIMELINE["data"]["scheme"], "showAppTips": 0}});
    Response::json_value(&v)
}

fn search(containerid: &str, q: &str, ctx: &Ctx) -> Response {
    let hits: Vec<&Account> = ctx
        .world
        .accounts
        .iter()
        .filter(|a| a.platform == SimPlatform::Weibo && a.matches_search(q, ctx.now))
        .collect();
    if hits.is_empty() {
        return Response::json(fx::WEIBO_NO_CONTENT);
    }
    let mut v: Value = serde_json::from_str(fx::WEIBO_SEARCH).expect("fixture");
    v["data"]["cardlistInfo"]["containerid"] = containerid.into();
    let group: Vec<Value> = hits
        .iter()
        .map(|a| {
            let desc1 = a.verification.as_ref().map(|v| v.reason.clone()).unwrap_or_default();
            json!({
                "card_type": 10,
                "user": user_json(a, ctx),
                "desc1": desc1,
                "desc2": format!("粉丝：{}", a.followers),
                "scheme": format!("https://m.weibo.cn/u/{0}?uid={0}", a.id),
            })
        })
        .collect();
    v["data"]["cards"] = json!([{"card_type": 11, "show_type": 1, "card_group": group}]);
    Response::json_value(&v)
}

fn status_show(id: &str, ctx: &Ctx) -> (Option<String>, Response) {
    for a in ctx.world.accounts.iter().filter(|a| a.platform == SimPlatform::Weibo) {
        if let Some(p) = a.posts.iter().find(|p| p.id == id || weibo_bid(&p.id) == id) {
            let acct = account_key(&a.id);
            if !a.present(ctx.now) || !p.visible(ctx.now) {
                return (acct, Response::json(r#"{"ok":0,"msg":"抱歉，此微博已被作者删除。查看帮助：https://kefu.weibo.com/faqdetail?id=20000"}"#));
            }
            return (acct, Response::json_value(&json!({"ok": 1, "data": mblog(a, p, p.pinned_at(ctx.now), ctx)})));
        }
    }
    (None, Response::json(r#"{"ok":0,"msg":"抱歉，此微博已被作者删除。查看帮助：https://kefu.weibo.com/faqdetail?id=20000"}"#))
}
