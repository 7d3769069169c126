//! The policies' cards on the public front page: the newest policies and those most used.

use crate::library::mode_label;
use crate::status::PolicyStatus;
use crate::store::{
    applications,
    policies::{self, PolicyRow},
};
use qinqing_kernel::web::{FrontCard, FrontItem, Icon, Link};
use qinqing_kernel::{App, AppResult};
use std::cmp::Reverse;
use std::collections::HashMap;

/// How many policies each card lists.
const SHOWN: usize = 5;

pub async fn cards(app: &App) -> AppResult<Vec<FrontCard>> {
    let mut conn = app.db.conn().await?;
    let mut published = policies::list(&mut conn, Some(PolicyStatus::Published)).await?;
    let uses: HashMap<i64, i64> = applications::uses_by_policy(&mut conn)
        .await?
        .into_iter()
        .collect();
    published.sort_by_key(|p| Reverse((p.effective_from, p.updated_at)));
    let newest = published
        .iter()
        .take(SHOWN)
        .map(|p| item(p, newest_note(p)))
        .collect();
    let mut used: Vec<(&PolicyRow, i64)> = published
        .iter()
        .filter_map(|p| uses.get(&p.id).map(|n| (p, *n)))
        .collect();
    used.sort_by_key(|(p, n)| (Reverse(*n), p.title.clone()));
    let most_used = used
        .into_iter()
        .take(SHOWN)
        .map(|(p, n)| item(p, format!("已办理 {n} 件 · {}", p.department_name)))
        .collect();
    Ok(vec![
        card("最新政策", newest),
        card("办理最多的政策", most_used),
    ])
}

fn card(title: &'static str, items: Vec<FrontItem>) -> FrontCard {
    FrontCard {
        title,
        icon: Icon::Policy,
        items,
        steps: Vec::new(),
        more: Some(Link::new("/policies", "查看全部政策")),
    }
}

fn item(p: &PolicyRow, note: String) -> FrontItem {
    FrontItem {
        href: format!("/policies/{}", p.slug),
        label: p.title.clone(),
        note,
    }
}

fn newest_note(p: &PolicyRow) -> String {
    let since = p
        .effective_from
        .map(|d| format!(" · {} 起施行", d.format("%Y年%-m月%-d日")))
        .unwrap_or_default();
    format!("{} · {}{since}", p.department_name, mode_label(&p.mode))
}
