//! 诉求必应's 数智监督 rule: a request bounced between departments (踢皮球) — transferred many
//! times, or sent back to a department that had already passed it on — naming who transferred
//! it, so that 纪检 can ask why nobody took it up (首接负责).

use crate::model::{OBJECT, page_of};
use crate::store::flags::{self as store, Transfer};
use qinqing_kernel::flags::{Flag, FlagRule, FlagScope};
use qinqing_kernel::notifications::beijing_minutes;
use qinqing_kernel::store::{Conn, orgs};
use qinqing_kernel::{App, AppResult};
use std::collections::{BTreeMap, HashMap};

/// A request transferred this many times is flagged: 首接负责 lets the first department pass a
/// request on once, with a reason, so three transfers mean it went round departments that each
/// declined it.
const MANY_TRANSFERS: usize = 3;
/// How many characters of a request's subject name it in a flag.
const SUBJECT_CHARS: usize = 30;

const BOUNCED: FlagRule = FlagRule {
    key: "bounced_transfers",
    label: "诉求在部门间来回转办",
    looks_at: "同一诉求转办 3 次以上,或被转回曾经转出过它的部门(甲转乙、乙又转回甲)。平台只允许转办一次,出现即说明转办记录被绕过平台改动后又再转办。",
};

/// The rules, in the order 纪检 reads them.
pub const RULES: &[FlagRule] = &[BOUNCED];

/// What the rules flag in the scope.
pub async fn raise(_app: &App, conn: &mut Conn, scope: &FlagScope<'_>) -> AppResult<Vec<Flag>> {
    let transfers = store::transfers(conn, scope.since, scope.region_prefix).await?;
    let mut ids: Vec<i64> = transfers
        .iter()
        .flat_map(|t| [t.from, t.to])
        .flatten()
        .collect();
    ids.sort_unstable();
    ids.dedup();
    let mut names: HashMap<i64, String> = HashMap::new();
    for id in ids {
        let name = match orgs::get(conn, id).await? {
            Some(org) => org.name,
            None => "(已撤销的部门)".to_string(),
        };
        names.insert(id, name);
    }
    let mut chains: BTreeMap<&str, Vec<&Transfer>> = BTreeMap::new();
    for t in &transfers {
        chains.entry(t.receipt_no.as_str()).or_default().push(t);
    }
    Ok(chains
        .values()
        .filter_map(|chain| bounced(chain).map(|back_to| flag(chain, back_to, &names)))
        .collect())
}

/// Whether a chain of transfers is flagged: `Some(None)` for many transfers, `Some(Some(d))`
/// when it went back to `d`, a department that had passed it on.
fn bounced(chain: &[&Transfer]) -> Option<Option<i64>> {
    let mut passed_on: Vec<i64> = Vec::new();
    let mut back_to = None;
    for t in chain {
        if let Some(from) = t.from {
            passed_on.push(from);
        }
        if back_to.is_none() && t.to.is_some_and(|to| passed_on.contains(&to)) {
            back_to = t.to;
        }
    }
    (back_to.is_some() || chain.len() >= MANY_TRANSFERS).then_some(back_to)
}

fn flag(chain: &[&Transfer], back_to: Option<i64>, names: &HashMap<i64, String>) -> Flag {
    let name = |id: Option<i64>| {
        id.and_then(|i| names.get(&i))
            .map_or("(未记录的部门)", String::as_str)
    };
    let steps: Vec<String> = chain
        .iter()
        .map(|t| {
            let mut step = format!("{} {}转{}", beijing_minutes(t.at), name(t.from), name(t.to));
            if let Some(reason) = t.reason.as_deref() {
                step.push_str(&format!("(理由:{reason})"));
            }
            step
        })
        .collect();
    let mut reason = format!("转办 {} 次", chain.len());
    if back_to.is_some() {
        reason.push_str(&format!(",又转回了曾经转出过它的{}", name(back_to)));
    }
    reason.push_str(&format!(":{}", steps.join(";")));
    let mut persons: Vec<String> = Vec::new();
    for t in chain {
        if !t.person.is_empty() && !persons.contains(&t.person) {
            persons.push(t.person.clone());
        }
    }
    let last = chain[chain.len() - 1];
    let subject: String = last.subject.chars().take(SUBJECT_CHARS).collect();
    Flag {
        rule: BOUNCED.key,
        label: format!("{}:{}", last.enterprise_name, subject),
        reason,
        persons,
        department: Some(last.owner.clone()),
        at: last.at,
        link: Some(page_of(&last.receipt_no)),
        trail: Some(format!("/trace/{OBJECT}/{}", last.receipt_no)),
    }
}
