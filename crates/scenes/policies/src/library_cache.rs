//! The published library parsed once for each content it has. Pages such as 我的可享政策 read
//! the library on every request; parsing its definitions cost most of such a page's time. The
//! definitions (and the attribute catalogue) are still read from the database each time, so a
//! policy published by another process is seen at once; only when their text is exactly what
//! was parsed before is the parsed set reused. The key is the text's SHA-256, so that test
//! processes holding many databases never mix their libraries up.

use qinqing_kernel::AppResult;
use qinqing_rules::{Policy, PolicySet, Schema};
use sha2::{Digest, Sha256};
use std::sync::{Arc, Mutex, MutexGuard};

type Key = [u8; 32];

/// The most recently used values, each under the fingerprint of the text it was parsed from.
struct Recent<T> {
    kept: usize,
    values: Mutex<Vec<(Key, Arc<T>)>>,
}

impl<T> Recent<T> {
    const fn new(kept: usize) -> Recent<T> {
        Recent {
            kept,
            values: Mutex::new(Vec::new()),
        }
    }

    fn get_or_parse(&self, key: Key, parse: impl FnOnce() -> AppResult<T>) -> AppResult<Arc<T>> {
        if let Some(value) = self
            .lock()
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, v)| v.clone())
        {
            return Ok(value);
        }
        let value = Arc::new(parse()?);
        let mut values = self.lock();
        values.retain(|(k, _)| *k != key);
        if values.len() >= self.kept {
            values.remove(0);
        }
        values.push((key, value.clone()));
        Ok(value)
    }

    fn lock(&self) -> MutexGuard<'_, Vec<(Key, Arc<T>)>> {
        // A panic while holding the lock leaves a list that is still whole; keep using it.
        self.values
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// Whole libraries: a few versions while policies are being published, several databases in
/// one test process.
static LIBRARIES: Recent<PolicySet> = Recent::new(8);
/// Single versions, as earlier grants and decisions name them.
static VERSIONS: Recent<Policy> = Recent::new(512);

/// Attribute catalogues, read on almost every page that shows a policy's facts.
static SCHEMAS: Recent<Schema> = Recent::new(8);

/// The schema of this attribute catalogue (none: the standard one), parsed once for its text.
pub(crate) fn schema_of(
    attributes: Option<&str>,
    parse: impl FnOnce() -> AppResult<Schema>,
) -> AppResult<Arc<Schema>> {
    SCHEMAS.get_or_parse(fingerprint(attributes, &[]), parse)
}

/// The set for this attribute catalogue and these definitions (id, version, text): the one
/// parsed before for the same text, or the one `build` makes.
pub(crate) fn set_of(
    attributes: Option<&str>,
    definitions: &[(i64, i64, String)],
    build: impl FnOnce() -> AppResult<PolicySet>,
) -> AppResult<Arc<PolicySet>> {
    LIBRARIES.get_or_parse(fingerprint(attributes, definitions), build)
}

/// One stored version of a policy under this attribute catalogue, parsed once for its text.
pub(crate) fn policy_of(
    attributes: Option<&str>,
    (id, version): (i64, i64),
    src: &str,
    parse: impl FnOnce() -> AppResult<Policy>,
) -> AppResult<Arc<Policy>> {
    let key = fingerprint(attributes, &[(id, version, src.to_string())]);
    VERSIONS.get_or_parse(key, parse)
}

/// Lengths go in before each text, so that no two different inputs hash the same bytes; no
/// catalogue (the standard schema) differs from an empty one.
fn fingerprint(attributes: Option<&str>, definitions: &[(i64, i64, String)]) -> Key {
    let mut hash = Sha256::new();
    let mut text = |t: &str| {
        hash.update((t.len() as u64).to_le_bytes());
        hash.update(t.as_bytes());
    };
    match attributes {
        None => text("standard"),
        Some(catalogue) => {
            text("custom");
            text(catalogue);
        }
    }
    for (id, version, src) in definitions {
        text(&format!("{id}/{version}"));
        text(src);
    }
    hash.finalize().into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_text_is_parsed_once_and_a_change_anywhere_parses_again() {
        let defs = |src: &str| vec![(1, 1, src.to_string())];
        let empty = || Ok(PolicySet::new(qinqing_rules::Schema::standard(), Vec::new()).unwrap());
        let first = set_of(Some("a"), &defs("x"), empty).unwrap();
        let again = set_of(Some("a"), &defs("x"), || panic!("parsed twice")).unwrap();
        assert!(Arc::ptr_eq(&first, &again));
        for (attributes, src) in [
            (Some("a"), "y"),
            (Some("b"), "x"),
            (None, "x"),
            (Some(""), "x"),
        ] {
            let other = set_of(attributes, &defs(src), empty).unwrap();
            assert!(!Arc::ptr_eq(&first, &other), "{attributes:?} {src}");
        }
        let standard = set_of(None, &defs("x"), empty).unwrap();
        let empty_catalogue = set_of(Some(""), &defs("x"), empty).unwrap();
        assert!(!Arc::ptr_eq(&standard, &empty_catalogue));
        // Length prefixes: moving text from the catalogue into a definition is a change.
        let split = set_of(Some("ax"), &defs(""), empty).unwrap();
        assert!(!Arc::ptr_eq(&first, &split));
    }

    #[test]
    fn only_the_most_recent_are_kept() {
        let recent: Recent<u32> = Recent::new(2);
        let key = |n: u8| [n; 32];
        for n in 0..3 {
            recent.get_or_parse(key(n), || Ok(u32::from(n))).unwrap();
        }
        assert_eq!(recent.lock().len(), 2);
        let parsed_again = recent.get_or_parse(key(0), || Ok(100)).unwrap();
        assert_eq!(*parsed_again, 100, "the oldest was dropped");
        assert_eq!(
            *recent.get_or_parse(key(2), || Ok(200)).unwrap(),
            2,
            "the newest kept"
        );
    }
}
