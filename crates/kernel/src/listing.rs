//! Lists and staff queues, the same on every scene (the use cases cut the pages, the web shows
//! them): a tab (待我处理 / 已超期 / 全部), a search
//! text and a page read from the address; a page of items as the API answers it; and the tabs,
//! search box and page links a list page shows (templates/list_macros.html, `.list` in app.css).
//!
//! The API refuses a value it cannot read with a specific Chinese 422; a page reads its address
//! as a hand-edited one, where what cannot be read takes its default.

use crate::{AppError, AppResult};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// Items on a page of a list.
pub const PER_PAGE: i64 = 20;
/// The most items the API answers on one page.
pub const MAX_PER_PAGE: i64 = 200;
/// The longest search text; longer is no title, number or name anyone types.
const MAX_SEARCH_CHARS: usize = 50;
/// Page links shown on either side of the current page.
const PAGE_LINKS_AROUND: i64 = 2;

/// Which part of a queue is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Tab {
    /// What waits for the reader (their department's turn, their own reply).
    Mine,
    /// Past its time limit and not finished.
    Overdue,
    All,
}

impl Tab {
    pub const ALL: [Tab; 3] = [Tab::Mine, Tab::Overdue, Tab::All];

    pub fn as_str(self) -> &'static str {
        match self {
            Tab::Mine => "mine",
            Tab::Overdue => "overdue",
            Tab::All => "all",
        }
    }

    pub fn parse(s: &str) -> Option<Tab> {
        Tab::ALL.into_iter().find(|t| t.as_str() == s)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Tab::Mine => "待我处理",
            Tab::Overdue => "已超期",
            Tab::All => "全部",
        }
    }
}

/// What a status means to the person reading it, shown by one colour everywhere (`.status.tone-*`
/// in app.css, each pair meeting WCAG AA).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    /// Finished well: 已办结, 已核准, 已到账.
    Done,
    /// Under way, nothing late: 待签收, 办理中, 审核中.
    Progress,
    /// Its time limit is near.
    DueSoon,
    /// Past its time limit and not finished.
    Overdue,
    /// Ended without what was asked: 未通过, 已撤回, 已并案.
    Refused,
}

impl Tone {
    /// The CSS class of a status tag of this tone.
    pub fn class(self) -> &'static str {
        match self {
            Tone::Done => "status tone-done",
            Tone::Progress => "status tone-progress",
            Tone::DueSoon => "status tone-due-soon",
            Tone::Overdue => "status tone-overdue",
            Tone::Refused => "status tone-refused",
        }
    }

    /// An unfinished item's tone by its time limit: overdue once past it, due soon within
    /// `DUE_SOON` of it.
    pub fn of_due(due_at: Option<DateTime<Utc>>, now: DateTime<Utc>) -> Tone {
        match due_at {
            Some(due) if due < now => Tone::Overdue,
            Some(due) if due - now < DUE_SOON => Tone::DueSoon,
            _ => Tone::Progress,
        }
    }
}

/// How near a time limit must be for an item to show as due soon.
pub const DUE_SOON: chrono::TimeDelta = chrono::TimeDelta::hours(24);

/// A queue's address: every parameter optional. Numbers are read as text so that a wrong one
/// is answered in Chinese, not by the framework.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct QueueQuery {
    /// mine(待我处理)、overdue(已超期)或 all(全部);默认视角色而定
    pub tab: Option<String>,
    /// 在标题、编号和企业名称中查找(50 字以内)
    pub q: Option<String>,
    /// 页码,从 1 开始
    #[param(value_type = Option<i64>, minimum = 1)]
    pub page: Option<String>,
    /// 每页条数,1–200,默认 20
    #[param(value_type = Option<i64>, minimum = 1, maximum = 200)]
    pub per_page: Option<String>,
}

/// What a queue shows: one tab, an optional search text and one page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Queue {
    /// Whether the list has tabs to keep in its addresses (a log of one object has none).
    pub tabbed: bool,
    pub tab: Tab,
    pub search: Option<String>,
    pub page: i64,
    pub per_page: i64,
}

impl QueueQuery {
    /// The API's reading: a value that cannot be read is refused with what it should be.
    pub fn read(&self, default_tab: Tab) -> AppResult<Queue> {
        Ok(Queue {
            tabbed: true,
            tab: tab(self.tab.as_deref(), default_tab)?,
            search: search(self.q.as_deref())?,
            page: number("page", self.page.as_deref(), 1, i64::MAX)?,
            per_page: number("per_page", self.per_page.as_deref(), PER_PAGE, MAX_PER_PAGE)?,
        })
    }

    /// A page's reading: what cannot be read takes its default, so a mistyped address still
    /// shows the list.
    pub fn read_leniently(&self, default_tab: Tab) -> Queue {
        let cut: Option<String> = self
            .q
            .as_deref()
            .map(|q| q.chars().take(MAX_SEARCH_CHARS).collect());
        Queue {
            tabbed: true,
            tab: tab(self.tab.as_deref(), default_tab).unwrap_or(default_tab),
            search: search(cut.as_deref()).unwrap_or_default(),
            page: number("page", self.page.as_deref(), 1, i64::MAX).unwrap_or(1),
            per_page: PER_PAGE,
        }
    }
}

fn tab(given: Option<&str>, default: Tab) -> AppResult<Tab> {
    match given.map(str::trim).filter(|t| !t.is_empty()) {
        None => Ok(default),
        Some(t) => Tab::parse(t).ok_or_else(|| {
            AppError::invalid(
                "tab",
                "tab 应为 mine(待我处理)、overdue(已超期)或 all(全部)",
            )
        }),
    }
}

fn search(given: Option<&str>) -> AppResult<Option<String>> {
    let text = given.map(str::trim).filter(|q| !q.is_empty());
    match text {
        Some(q) if q.chars().count() > MAX_SEARCH_CHARS => Err(AppError::invalid(
            "q",
            format!("搜索内容请在 {MAX_SEARCH_CHARS} 字以内"),
        )),
        other => Ok(other.map(str::to_string)),
    }
}

/// A whole number from 1 to `max`, or `default` when not given.
fn number(field: &str, given: Option<&str>, default: i64, max: i64) -> AppResult<i64> {
    let Some(text) = given.map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(default);
    };
    match text.parse::<i64>() {
        Ok(n) if (1..=max).contains(&n) => Ok(n),
        _ if max == i64::MAX => Err(AppError::invalid(
            field,
            format!("{field} 应为从 1 开始的整数"),
        )),
        _ => Err(AppError::invalid(
            field,
            format!("{field} 应为 1 到 {max} 之间的整数"),
        )),
    }
}

impl Queue {
    /// Page `page` (as given in the address) of a list without tabs or search, such as a log.
    pub fn untabbed(page: Option<&str>) -> Queue {
        Queue {
            tabbed: false,
            tab: Tab::All,
            search: None,
            page: number("page", page, 1, i64::MAX).unwrap_or(1),
            per_page: PER_PAGE,
        }
    }

    /// The items before this page, for SQL's OFFSET.
    pub fn offset(&self) -> i64 {
        offset(self.page, self.per_page)
    }

    /// Whether any of `fields` holds the search text (ignoring case); true without one. For
    /// queues whose items are gathered in memory; those in SQL search there.
    pub fn finds(&self, fields: &[&str]) -> bool {
        let Some(q) = &self.search else {
            return true;
        };
        let q = q.to_lowercase();
        fields.iter().any(|f| f.to_lowercase().contains(&q))
    }

    /// This page of items gathered in memory.
    pub fn page_of<T>(&self, items: Vec<T>) -> Paged<T> {
        let total = i64::try_from(items.len()).unwrap_or(i64::MAX);
        let skip = usize::try_from(self.offset()).unwrap_or(usize::MAX);
        let take = usize::try_from(self.per_page).unwrap_or(usize::MAX);
        let items = items.into_iter().skip(skip).take(take).collect();
        self.paged(total, items)
    }

    /// A page of items a store already cut, out of `total`.
    pub fn paged<T>(&self, total: i64, items: Vec<T>) -> Paged<T> {
        Paged {
            total,
            page: self.page,
            per_page: self.per_page,
            items,
        }
    }

    /// The address of this queue at `path` (which may end in a `#fragment`) with another tab or
    /// page; a new tab starts at page 1.
    fn address(&self, path: &str, tab: Tab, page: i64) -> String {
        let (path, fragment) = path.split_once('#').unwrap_or((path, ""));
        let mut query = form_urlencoded::Serializer::new(String::new());
        if self.tabbed {
            query.append_pair("tab", tab.as_str());
        }
        if let Some(q) = &self.search {
            query.append_pair("q", q);
        }
        if page > 1 {
            query.append_pair("page", &page.to_string());
        }
        let query = query.finish();
        let fragment = if fragment.is_empty() {
            String::new()
        } else {
            format!("#{fragment}")
        };
        if query.is_empty() {
            format!("{path}{fragment}")
        } else {
            format!("{path}?{query}{fragment}")
        }
    }

    /// The tabs and search box of this queue at `path`, showing `tabs`.
    pub fn bar(&self, path: &str, tabs: &[Tab], placeholder: &'static str) -> QueueBar {
        QueueBar {
            action: path.to_string(),
            tab: self.tab.as_str(),
            search: self.search.clone().unwrap_or_default(),
            placeholder,
            tabs: tabs
                .iter()
                .map(|&t| TabLink {
                    label: t.label_zh(),
                    href: self.address(path, t, 1),
                    active: t == self.tab,
                })
                .collect(),
        }
    }

    /// The page links under this queue at `path`, `total` items in all.
    pub fn pager(&self, path: &str, total: i64) -> Pager {
        let pages = pages(total, self.per_page);
        let shown = |n: i64| n == 1 || n == pages || (n - self.page).abs() <= PAGE_LINKS_AROUND;
        let mut links: Vec<PageLink> = Vec::new();
        for n in (1..=pages).filter(|&n| shown(n)) {
            if links.last().is_some_and(|l| l.number + 1 < n) {
                links.push(PageLink::gap());
            }
            links.push(PageLink {
                number: n,
                href: self.address(path, self.tab, n),
                current: n == self.page,
            });
        }
        let link = |n: i64| {
            (1..=pages)
                .contains(&n)
                .then(|| self.address(path, self.tab, n))
        };
        Pager {
            summary: if self.page > pages && total > 0 {
                format!("共 {total} 条,没有第 {} 页", self.page)
            } else {
                format!("共 {total} 条,第 {} / {pages} 页", self.page.min(pages))
            },
            previous: link(self.page - 1),
            next: link(self.page.saturating_add(1)),
            links,
        }
    }
}

/// The items before page `page` (counted from 1) of `per_page` each, for SQL's OFFSET. Saturates,
/// so an absurd page number typed into an address asks for an empty page, never overflows.
pub fn offset(page: i64, per_page: i64) -> i64 {
    page.saturating_sub(1).max(0).saturating_mul(per_page)
}

/// How many pages `total` items fill, at least one.
fn pages(total: i64, per_page: i64) -> i64 {
    ((total + per_page - 1) / per_page.max(1)).max(1)
}

/// One page of a list as the API answers it.
#[derive(Debug, Serialize, ToSchema)]
pub struct Paged<T> {
    /// Items matching the tab and search, on every page.
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
    pub items: Vec<T>,
}

/// The tabs and search box above a list.
pub struct QueueBar {
    pub action: String,
    pub tab: &'static str,
    pub search: String,
    pub placeholder: &'static str,
    pub tabs: Vec<TabLink>,
}

pub struct TabLink {
    pub label: &'static str,
    pub href: String,
    pub active: bool,
}

/// The page links under a list.
pub struct Pager {
    /// 共 N 条,第 p / P 页.
    pub summary: String,
    pub previous: Option<String>,
    pub next: Option<String>,
    pub links: Vec<PageLink>,
}

impl Pager {
    /// Whether there is more than one page to go to.
    pub fn has_pages(&self) -> bool {
        self.previous.is_some() || self.next.is_some()
    }
}

/// A numbered page link, or the gap (…) between far-apart ones.
pub struct PageLink {
    pub number: i64,
    pub href: String,
    pub current: bool,
}

impl PageLink {
    fn gap() -> PageLink {
        PageLink {
            number: 0,
            href: String::new(),
            current: false,
        }
    }

    pub fn is_gap(&self) -> bool {
        self.href.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(pairs: &[(&str, &str)]) -> QueueQuery {
        let get = |k: &str| {
            pairs
                .iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| v.to_string())
        };
        QueueQuery {
            tab: get("tab"),
            q: get("q"),
            page: get("page"),
            per_page: get("per_page"),
        }
    }

    #[test]
    fn the_api_refuses_what_it_cannot_read_and_names_the_field() {
        for (pairs, field) in [
            (&[("page", "0")][..], "page"),
            (&[("page", "abc")][..], "page"),
            (&[("page", "-3")][..], "page"),
            (&[("per_page", "201")][..], "per_page"),
            (&[("tab", "later")][..], "tab"),
        ] {
            let e = query(pairs).read(Tab::Mine).unwrap_err();
            assert_eq!(e.field(), Some(field), "{pairs:?}");
        }
        let long = "长".repeat(51);
        assert_eq!(
            query(&[("q", &long)]).read(Tab::All).unwrap_err().field(),
            Some("q")
        );
    }

    #[test]
    fn a_page_reads_a_mistyped_address_with_defaults() {
        let q = query(&[("page", "abc"), ("tab", "later"), ("q", "  路灯 ")]);
        let read = q.read_leniently(Tab::Mine);
        assert_eq!(read.tab, Tab::Mine);
        assert_eq!(read.page, 1);
        assert_eq!(read.search.as_deref(), Some("路灯"));
        assert_eq!(query(&[]).read(Tab::All).unwrap().per_page, PER_PAGE);
    }

    #[test]
    fn page_links_keep_the_tab_and_search_and_skip_far_pages() {
        let q = query(&[("tab", "overdue"), ("q", "水 电"), ("page", "6")]);
        let queue = q.read(Tab::Mine).unwrap();
        let pager = queue.pager("/requests", 200);
        let numbers: Vec<i64> = pager.links.iter().map(|l| l.number).collect();
        assert_eq!(numbers, vec![1, 0, 4, 5, 6, 7, 8, 0, 10]);
        assert_eq!(pager.summary, "共 200 条,第 6 / 10 页");
        assert_eq!(
            pager.previous.as_deref(),
            Some("/requests?tab=overdue&q=%E6%B0%B4+%E7%94%B5&page=5")
        );
        let bar = queue.bar("/requests", &Tab::ALL, "");
        assert_eq!(bar.tabs[0].href, "/requests?tab=mine&q=%E6%B0%B4+%E7%94%B5");
        assert!(bar.tabs[1].active);
    }

    #[test]
    fn a_page_in_memory_counts_every_item_and_shows_its_own() {
        let queue = query(&[("page", "2"), ("per_page", "3")])
            .read(Tab::All)
            .unwrap();
        let page = queue.page_of((1..=7).collect());
        assert_eq!((page.total, page.items), (7, vec![4, 5, 6]));
        let beyond = query(&[("page", "9")]).read(Tab::All).unwrap();
        assert_eq!(beyond.pager("/x", 7).summary, "共 7 条,没有第 9 页");
        assert_eq!(
            query(&[]).read(Tab::All).unwrap().pager("/x", 0).summary,
            "共 0 条,第 1 / 1 页"
        );
    }

    #[test]
    fn a_log_without_tabs_links_its_pages_to_its_place_on_the_page() {
        let log = Queue::untabbed(Some("2"));
        let pager = log.pager("/policies/p1#pushes", 45);
        assert_eq!(pager.previous.as_deref(), Some("/policies/p1#pushes"));
        assert_eq!(pager.next.as_deref(), Some("/policies/p1?page=3#pushes"));
        assert_eq!(Queue::untabbed(Some("x")).page, 1);
    }
}
