//! Bilibili as xunjian's Bilibili adapter reads it: `finger/spi` (buvid3),
//! `nav` (WBI keys), `x/space/wbi/acc/info`, the dynamic feed
//! `x/polymer/web-dynamic/v1/feed/space`, the user search
//! `x/web-interface/wbi/search/type`, and the live `Master/info` fallback.
//!
//! WBI signatures (`w_rid`, `wts`) are **not verified**: the simulator
//! answers signed and unsigned requests alike.
//!
//! Templates: the real dynamic feed of 2024
//! (`x_polymer_web-dynamic_feed_space_pinned_forward.json`: item 1 is the
//! model of an item, with `module_tag.text: 置顶` for pinned ones as on item
//! 0, `module_stat.comment.forbidden` for the comment state, forwards as
//! item 7 with the original in `orig`, a deleted original as item 12's
//! `DYNAMIC_TYPE_NONE`); the real live `Master/info`; the synthesized
//! `nav`, `finger/spi`, `acc/info` (government, `silence: 1`, `-404`),
//! empty `Master/info` and user search answers.

use crate::fixtures as fx;
use crate::http::{Request, Response};
use crate::model::{Account, GoneKind, Post, SimPlatform};
use crate::route::{Ctx, Routed};
use crate::util::html_escape;
use serde_json::{Value, json};
use std::sync::LazyLock;

const PAGE: usize = 12;
static DYN: LazyLock<Value> = LazyLock::new(|| serde_json::from_str(fx::BILI_DYNAMICS).expect("fixture"));

fn key(id: &str) -> Option<String> {
    Some(format!("bilibili:{id}"))
}

pub fn handle(req: &Request, ctx: &Ctx) -> Routed {
    match req.path.as_str() {
        "/x/frontend/finger/spi" => Routed::new("bilibili:spi", None, Response::json(fx::BILI_SPI)),
        "/x/web-interface/nav" => Routed::new("bilibili:nav", None, Response::json(fx::BILI_NAV)),
        "/x/space/wbi/acc/info" => {
            let mid = req.param("mid").unwrap_or("");
            Routed::new("bilibili:profile", key(mid), acc_info(mid, ctx))
        }
        "/live_user/v1/Master/info" => {
            let uid = req.param("uid").unwrap_or("");
            Routed::new("bilibili:live", key(uid), master_info(uid, ctx))
        }
        "/x/polymer/web-dynamic/v1/feed/space" => {
            let mid = req.param("host_mid").unwrap_or("");
            Routed::new("bilibili:dynamics", key(mid), dynamics(mid, req.param("offset").unwrap_or(""), ctx))
        }
        "/x/web-interface/wbi/search/type" => {
            Routed::new("bilibili:search", None, search(req.param("keyword").unwrap_or(""), ctx))
        }
        _ => Routed::new("bilibili:other", None, Response::not_found()),
    }
}

fn num_or_str(id: &str) -> Value {
    id.parse::<u64>().map(Value::from).unwrap_or_else(|_| Value::from(id))
}

fn find<'a>(ctx: &'a Ctx, mid: &str) -> Option<&'a Account> {
    ctx.world.account(SimPlatform::Bilibili, mid)
}

fn acc_info(mid: &str, ctx: &Ctx) -> Response {
    let Some(a) = find(ctx, mid) else { return Response::json(fx::BILI_ACC_NOT_FOUND) };
    if a.gone_at(ctx.now) == Some(GoneKind::Banned) {
        let mut v: Value = serde_json::from_str(fx::BILI_ACC_SILENCE).expect("fixture");
        v["data"]["mid"] = num_or_str(&a.id);
        return Response::json_value(&v);
    }
    if !a.present(ctx.now) {
        return Response::json(fx::BILI_ACC_NOT_FOUND);
    }
    let mut v: Value = serde_json::from_str(fx::BILI_ACC_INFO).expect("fixture");
    let d = &mut v["data"];
    d["mid"] = num_or_str(&a.id);
    d["name"] = a.name.clone().into();
    d["sign"] = a.description.clone().into();
    d["official"] = match &a.verification {
        Some(ver) if ver.institutional => json!({"role": 6, "title": ver.reason, "desc": "", "type": 1}),
        Some(ver) => json!({"role": 1, "title": ver.reason, "desc": "", "type": 0}),
        None => json!({"role": 0, "title": "", "desc": "", "type": -1}),
    };
    Response::json_value(&v)
}

fn master_info(uid: &str, ctx: &Ctx) -> Response {
    let Some(a) = find(ctx, uid).filter(|a| a.present(ctx.now)) else {
        return Response::json(fx::BILI_MASTER_EMPTY);
    };
    let mut v: Value = serde_json::from_str(fx::BILI_MASTER_INFO).expect("fixture");
    let info = &mut v["data"]["info"];
    info["uid"] = num_or_str(&a.id);
    info["uname"] = a.name.clone().into();
    info["official_verify"] = match &a.verification {
        Some(ver) if ver.institutional => json!({"type": 1, "desc": format!("bilibili机构认证:{}", ver.reason)}),
        Some(ver) => json!({"type": 0, "desc": format!("bilibili个人认证:{}", ver.reason)}),
        None => json!({"type": -1, "desc": ""}),
    };
    v["data"]["follower_num"] = a.followers.into();
    v["data"]["room_id"] = 0.into();
    v["data"]["medal_name"] = "".into();
    Response::json_value(&v)
}

/// An item for `p` of `a` (the capture's item 1 as a text dynamic).
fn item(a: &Account, p: &Post, pinned: bool, ctx: &Ctx) -> Value {
    let tpl = serde_json::to_string(&DYN["data"]["items"][1]).expect("json").replace("161775300", &a.id);
    let mut it: Value = serde_json::from_str(&tpl).expect("json");
    it["id_str"] = p.id.clone().into();
    it["type"] = "DYNAMIC_TYPE_WORD".into();
    it["basic"]["comment_id_str"] = p.id.clone().into();
    it["basic"]["rid_str"] = p.id.clone().into();
    it["basic"]["comment_type"] = 17.into();
    let m = &mut it["modules"];
    let author = m["module_author"].as_object_mut().expect("object");
    author.remove("decorate");
    author.remove("pendant");
    author.insert("mid".into(), num_or_str(&a.id));
    author.insert("name".into(), a.name.clone().into());
    author.insert("pub_ts".into(), p.at.timestamp().into());
    author.insert("pub_time".into(), "".into());
    author.insert("pub_action".into(), "".into());
    author.insert(
        "official_verify".into(),
        json!({"desc": "", "type": a.verification.as_ref().map_or(-1, |v| if v.institutional { 1 } else { 0 })}),
    );
    m["module_dynamic"] = json!({
        "additional": null,
        "desc": {"rich_text_nodes": [{"orig_text": p.text, "text": p.text, "type": "RICH_TEXT_NODE_TYPE_TEXT"}], "text": p.text},
        "major": null,
        "topic": null,
    });
    m["module_stat"] = json!({
        "comment": {"count": 0, "forbidden": p.comments_closed},
        "forward": {"count": 0, "forbidden": false},
        "like": {"count": 0, "forbidden": false, "status": false},
    });
    let mods = m.as_object_mut().expect("object");
    if pinned {
        mods.insert("module_tag".into(), DYN["data"]["items"][0]["modules"]["module_tag"].clone());
    } else {
        mods.remove("module_tag");
    }
    if let Some(r) = p.repost_of.as_ref().filter(|r| r.platform == SimPlatform::Bilibili) {
        it["type"] = "DYNAMIC_TYPE_FORWARD".into();
        let orig = match ctx.world.post(r) {
            Some((sa, sp)) if sa.present(ctx.now) && sp.visible(ctx.now) => {
                let mut o = item(sa, sp, false, ctx);
                let om = o["modules"].as_object_mut().expect("object");
                om.remove("module_stat");
                om.remove("module_tag");
                o
            }
            _ => DYN["data"]["items"][12]["orig"].clone(),
        };
        it["orig"] = orig;
    }
    it
}

fn dynamics(mid: &str, offset: &str, ctx: &Ctx) -> Response {
    let Some(a) = find(ctx, mid).filter(|a| a.present(ctx.now)) else {
        return Response::json(fx::BILI_ACC_NOT_FOUND);
    };
    let posts = a.visible_posts(ctx.now);
    let (pinned, rest): (Vec<&Post>, Vec<&Post>) = posts.iter().partition(|p| p.pinned_at(ctx.now));
    let start = if offset.is_empty() { 0 } else { rest.iter().position(|p| p.id == offset).unwrap_or(rest.len()) };
    let end = (start + PAGE).min(rest.len());
    let mut items: Vec<Value> = Vec::new();
    if offset.is_empty() {
        items.extend(pinned.iter().map(|p| item(a, p, true, ctx)));
    }
    items.extend(rest[start..end].iter().map(|p| item(a, p, false, ctx)));
    let next = rest.get(end).map(|p| p.id.clone());
    let v = json!({
        "code": 0, "message": "0", "ttl": 1,
        "data": {"has_more": next.is_some(), "items": items, "offset": next.unwrap_or_default(), "update_baseline": "", "update_num": 0},
    });
    Response::json_value(&v)
}

fn search(keyword: &str, ctx: &Ctx) -> Response {
    let hits: Vec<&Account> = ctx
        .world
        .accounts
        .iter()
        .filter(|a| a.platform == SimPlatform::Bilibili && a.matches_search(keyword, ctx.now))
        .collect();
    if hits.is_empty() {
        return Response::json(fx::BILI_SEARCH_EMPTY);
    }
    let mut v: Value = serde_json::from_str(fx::BILI_SEARCH).expect("fixture");
    let k = keyword.trim();
    let results: Vec<Value> = hits
        .iter()
        .map(|a| {
            let name = html_escape(&a.name);
            let uname = if !k.is_empty() && a.name.contains(k) {
                name.replacen(&html_escape(k), &format!("<em class=\"keyword\">{}</em>", html_escape(k)), 1)
            } else {
                name
            };
            let (t, desc) = match &a.verification {
                Some(v) => (if v.institutional { 1 } else { 0 }, v.reason.clone()),
                None => (127, String::new()),
            };
            json!({
                "type": "bili_user", "mid": num_or_str(&a.id), "uname": uname, "usign": a.description,
                "fans": a.followers, "videos": 0, "level": 5, "is_upuser": 1,
                "official_verify": {"type": t, "desc": desc},
            })
        })
        .collect();
    v["data"]["numResults"] = results.len().into();
    v["data"]["result"] = Value::Array(results);
    Response::json_value(&v)
}
