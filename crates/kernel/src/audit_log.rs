//! The audit trail as a verifiable log (RFC 6962 / RFC 9162 Merkle tree, C2SP signed-note
//! checkpoints). Entries are written by every use case in its own transaction; this module
//! hashes them into the tree, signs checkpoints, serves proofs and verifies the whole log.
//!
//! Hashing happens when a checkpoint is signed (at least every minute while entries arrive),
//! not in each write transaction: writes stay cheap, and an entry is protected from undetected
//! change from the first checkpoint that covers it, as in any transparency log.

pub use crate::store::audit::StoredEntry;
use crate::store::audit_log::{self as store, Signer, StoredCheckpoint};
use crate::store::{Conn, StoreError};
use crate::{App, AppError, AppResult, Principal};
use qinqing_domain::CreditCode;
use qinqing_domain::org::Role;
use signed_note::{Note, StandardSigner, StandardVerifier, VerifierList};
use std::cell::RefCell;
use std::collections::HashMap;
use tlog_tiles::checkpoint::Checkpoint;
use tlog_tiles::tlog::{self, Hash, HashReader};

/// The origin line of checkpoints unless configured (`--audit-origin`).
pub const DEFAULT_ORIGIN: &str = "qinqing.local/audit";
/// Entries hashed per database round trip while catching up.
const BATCH: i64 = 1000;

/// Creates the log's Ed25519 key on first start.
pub async fn ensure_signer(app: &App, origin: &str) -> AppResult<()> {
    let mut conn = app.db.conn().await?;
    if store::signer(&mut conn).await?.is_some() {
        return Ok(());
    }
    if !signed_note::is_key_name_valid(origin) {
        return Err(AppError::invalid(
            "audit_origin",
            format!("“{origin}”不能用作日志名称"),
        ));
    }
    let (signing_key, verifier_key) = signed_note::generate_key(&mut rand_core_06::OsRng, origin);
    let signer = Signer {
        origin: origin.to_string(),
        signing_key,
        verifier_key,
        hashed_size: 0,
    };
    store::insert_signer(&mut conn, &signer, app.now()).await?;
    Ok(())
}

/// A `HashReader` over hashes already fetched; it remembers which indexes it lacked, so the
/// caller can fetch them and try again (the tree code is synchronous, the database is not).
struct CachedReader<'a> {
    cache: &'a HashMap<u64, Hash>,
    missing: RefCell<Vec<u64>>,
}

impl HashReader for CachedReader<'_> {
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, tlog::Error> {
        let found: Vec<Hash> = indexes
            .iter()
            .filter_map(|i| self.cache.get(i).copied())
            .collect();
        if found.len() == indexes.len() {
            return Ok(found);
        }
        let missing = indexes.iter().filter(|i| !self.cache.contains_key(i));
        self.missing.borrow_mut().extend(missing);
        Err(tlog::Error::IndexesNotInTree)
    }
}

/// Runs a tree computation, fetching from the store whatever hashes it asks for.
async fn with_hashes<T>(
    conn: &mut Conn,
    cache: &mut HashMap<u64, Hash>,
    compute: impl Fn(&CachedReader) -> Result<T, tlog::Error>,
) -> AppResult<T> {
    // Each round fetches everything the computation asked for; proofs need at most a few.
    for _ in 0..8 {
        let reader = CachedReader {
            cache,
            missing: RefCell::default(),
        };
        let result = compute(&reader);
        let missing = reader.missing.into_inner();
        match result {
            Ok(value) => return Ok(value),
            Err(_) if !missing.is_empty() => {
                let fetched = store::hashes(conn, &missing).await?;
                if fetched.len() < missing.len() {
                    return Err(internal("the audit log lacks hashes it should have"));
                }
                for (i, bytes) in fetched {
                    cache.insert(i, to_hash(&bytes)?);
                }
            }
            Err(e) => return Err(internal(&format!("audit log tree: {e}"))),
        }
    }
    Err(internal("audit log tree: hashes kept missing"))
}

fn to_hash(bytes: &[u8]) -> AppResult<Hash> {
    <[u8; 32]>::try_from(bytes)
        .map(Hash)
        .map_err(|_| internal("a stored audit hash is not 32 bytes"))
}

fn internal(message: &str) -> AppError {
    AppError::Internal(anyhow::anyhow!("{message}"))
}

/// Hashes every entry not yet in the tree and signs a checkpoint of the whole log, unless the
/// latest checkpoint already covers it. Returns the new checkpoint's size.
pub async fn checkpoint(app: &App) -> AppResult<Option<u64>> {
    while hash_next_chunk(app).await? {}
    sign_checkpoint(app).await
}

/// The long work of hashing entries into the tree, for the write gate and its metrics.
const HASHING_WORK: &str = "audit_hashing";
/// Entries hashed per transaction: a district's import can add a hundred thousand entries at
/// once, and hashing them all in one transaction would hold the write lock for seconds.
const HASH_CHUNK: i64 = 500;

/// Hashes the next chunk of entries not yet in the tree, in a short transaction behind the
/// counter's writes; false when every entry is hashed (or the platform has no signing key).
async fn hash_next_chunk(app: &App) -> AppResult<bool> {
    let (mut tx, turn) = app.db.begin_background(HASHING_WORK).await?;
    if store::signer(&mut tx).await?.is_none() {
        return Ok(false);
    }
    let hashed = store::lock_signer(&mut tx).await?;
    let total = store::entry_count(&mut tx).await?;
    if hashed >= total {
        tx.rollback().await.map_err(StoreError::from)?;
        turn.done();
        return Ok(false);
    }
    let to = (hashed + HASH_CHUNK).min(total);
    hash_entries(&mut tx, &mut HashMap::new(), hashed, to).await?;
    store::set_hashed_size(&mut tx, to).await?;
    tx.commit().await.map_err(StoreError::from)?;
    turn.done();
    Ok(true)
}

/// Signs a checkpoint of the whole log once its entries are hashed (any written since the last
/// chunk are hashed here: a few at most).
async fn sign_checkpoint(app: &App) -> AppResult<Option<u64>> {
    let now = app.now();
    let mut tx = app.db.begin().await?;
    let Some(signer) = store::signer(&mut tx).await? else {
        return Ok(None);
    };
    let hashed = store::lock_signer(&mut tx).await?;
    let total = store::entry_count(&mut tx).await?;
    let latest = store::latest_checkpoint(&mut tx).await?;
    if latest.as_ref().is_some_and(|c| c.size == total) {
        return Ok(None);
    }
    let mut cache = HashMap::new();
    hash_entries(&mut tx, &mut cache, hashed, total).await?;
    store::set_hashed_size(&mut tx, total).await?;
    let size = total as u64;
    let root = with_hashes(&mut tx, &mut cache, |r| tlog::tree_hash(size, r)).await?;
    if let Some(previous) = &latest {
        ensure_consistent(&mut tx, &mut cache, previous, size, root).await?;
    }
    let note = sign(&signer, size, root)?;
    let stored = StoredCheckpoint {
        size: total,
        root: root.0.to_vec(),
        note,
    };
    store::insert_checkpoint(&mut tx, &stored, now).await?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(Some(size))
}

/// Stores the tree hashes of entries `from..to`.
async fn hash_entries(
    conn: &mut Conn,
    cache: &mut HashMap<u64, Hash>,
    from: i64,
    to: i64,
) -> AppResult<()> {
    let mut next = from;
    while next < to {
        let batch = store::entry_bytes(conn, next, (next + BATCH).min(to)).await?;
        let mut computed = Vec::new();
        for (seq, bytes) in batch {
            if seq != next {
                return Err(internal(&format!("audit entry {next} is missing")));
            }
            let n = seq as u64;
            let hashes = with_hashes(conn, cache, |r| tlog::stored_hashes(n, &bytes, r)).await?;
            let first = tlog::stored_hash_index(0, n);
            for (k, h) in hashes.into_iter().enumerate() {
                let idx = first + k as u64;
                computed.push((idx, h.0));
                cache.insert(idx, h);
            }
            next += 1;
        }
        // Later entries read earlier ones' hashes from the cache, so they are stored at once.
        store::insert_hashes(conn, &computed).await?;
        if next < to && store::entry_bytes(conn, next, next + 1).await?.is_empty() {
            return Err(internal(&format!("audit entry {next} is missing")));
        }
    }
    Ok(())
}

/// Refuses to sign a tree that does not extend the previous checkpoint.
async fn ensure_consistent(
    conn: &mut Conn,
    cache: &mut HashMap<u64, Hash>,
    previous: &StoredCheckpoint,
    size: u64,
    root: Hash,
) -> AppResult<()> {
    let old_size = previous.size as u64;
    let old_root = to_hash(&previous.root)?;
    if old_size > size {
        return Err(internal("the audit log shrank below its last checkpoint"));
    }
    if old_size == 0 {
        // Every tree extends the empty one.
        return Ok(());
    }
    let proof = with_hashes(conn, cache, |r| tlog::prove_tree(size, old_size, r)).await?;
    tlog::check_tree(&proof, size, root, old_size, old_root)
        .map_err(|_| internal("refusing to sign a checkpoint inconsistent with the previous one"))
}

fn sign(signer: &Signer, size: u64, root: Hash) -> AppResult<String> {
    let text = Checkpoint::new(&signer.origin, size, root, "")
        .map_err(|e| internal(&format!("checkpoint: {e}")))?
        .to_bytes();
    let key = StandardSigner::new(&signer.signing_key)
        .map_err(|e| internal(&format!("signing key: {e}")))?;
    let mut note = Note::new(&text, &[]).map_err(|e| internal(&format!("note: {e}")))?;
    note.add_sigs(&[&key])
        .map_err(|e| internal(&format!("signing: {e}")))?;
    String::from_utf8(note.to_bytes()).map_err(|_| internal("a signed note is text"))
}

/// The latest signed checkpoint, as a C2SP signed note.
pub async fn latest_checkpoint(app: &App) -> AppResult<Option<String>> {
    let mut conn = app.db.conn().await?;
    Ok(store::latest_checkpoint(&mut conn).await?.map(|c| c.note))
}

/// The verifier key of the log (C2SP vkey).
pub async fn verifier_key(app: &App) -> AppResult<String> {
    let mut conn = app.db.conn().await?;
    store::signer(&mut conn)
        .await?
        .map(|s| s.verifier_key)
        .ok_or_else(|| AppError::NotFound("审计日志尚未初始化".into()))
}

/// One entry as the API shows it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct EntryView {
    pub index: u64,
    pub leaf_hash: String,
    /// The exact bytes that were hashed, base64.
    pub entry_b64: String,
    pub entry: serde_json::Value,
}

/// An entry, for a caller entitled to its object: the administrator and supervisors read
/// every entry; others read the entries of enterprises in their scope.
pub async fn entry(app: &App, who: &Principal, index: u64) -> AppResult<EntryView> {
    let mut conn = app.db.conn().await?;
    let missing = || AppError::NotFound(format!("没有第 {index} 条审计记录"));
    let seq = i64::try_from(index).map_err(|_| missing())?;
    let (_, bytes) = store::entry_bytes(&mut conn, seq, seq.checked_add(1).ok_or_else(missing)?)
        .await?
        .pop()
        .ok_or_else(missing)?;
    let entry: serde_json::Value =
        serde_json::from_slice(&bytes).map_err(|_| internal("an audit entry is not JSON"))?;
    if !may_read_entry(&mut conn, who, &entry).await? {
        return Err(AppError::forbidden("无权查看这条审计记录"));
    }
    use base64::Engine;
    let b64 = base64::engine::general_purpose::STANDARD;
    Ok(EntryView {
        index,
        leaf_hash: b64.encode(tlog::record_hash(&bytes).0),
        entry_b64: b64.encode(&bytes),
        entry,
    })
}

async fn may_read_entry(
    conn: &mut Conn,
    who: &Principal,
    entry: &serde_json::Value,
) -> AppResult<bool> {
    if who.role == Role::Admin || who.role.is_supervisor() {
        return Ok(true);
    }
    if entry["object_type"] != "enterprise" {
        return Ok(false);
    }
    let Some(code) = entry["object_id"]
        .as_str()
        .and_then(|c| CreditCode::parse(c).ok())
    else {
        return Ok(false);
    };
    let found = crate::store::enterprises::get_by_credit_code(conn, &code).await?;
    Ok(found.is_some_and(|e| who.covers_enterprise(&code, &e.identity.region_code)))
}

/// The history of one object in time order, for a caller entitled to the object.
pub async fn history(
    app: &App,
    who: &Principal,
    object_type: &str,
    object_id: &str,
) -> AppResult<Vec<crate::store::audit::StoredEntry>> {
    let mut conn = app.db.conn().await?;
    if !may_read_history_in(app, &mut conn, who, object_type, object_id).await? {
        return Err(AppError::forbidden("无权查看该对象的操作记录"));
    }
    Ok(crate::store::audit::for_object(&mut conn, object_type, object_id).await?)
}

/// Whether the caller may read the history of one object: pages ask it before they link to
/// the trail, so a link shown is a link that opens.
pub async fn may_read_history(
    app: &App,
    who: &Principal,
    object_type: &str,
    object_id: &str,
) -> AppResult<bool> {
    let mut conn = app.db.conn().await?;
    may_read_history_in(app, &mut conn, who, object_type, object_id).await
}

async fn may_read_history_in(
    app: &App,
    conn: &mut Conn,
    who: &Principal,
    object_type: &str,
    object_id: &str,
) -> AppResult<bool> {
    let object = serde_json::json!({ "object_type": object_type, "object_id": object_id });
    if may_read_entry(conn, who, &object).await? {
        return Ok(true);
    }
    if object_type == crate::supervision::ORDER_OBJECT {
        return crate::supervision::sees_order(conn, who, object_id).await;
    }
    // Each scene decides for its own objects: for a request or an agreement the government
    // staff who may see it; for an application the enterprise and the departments handling it.
    for scene in app.scenes() {
        if let Some(seen) = scene.sees_object(conn, who, object_type, object_id).await {
            return seen;
        }
    }
    Ok(false)
}

/// The size of the tree proofs may be asked against: the latest checkpoint's.
async fn checkpointed_size(conn: &mut Conn) -> AppResult<u64> {
    Ok(store::latest_checkpoint(conn)
        .await?
        .map_or(0, |c| c.size as u64))
}

/// RFC 9162 inclusion proof of entry `index` in the tree of `size` entries.
pub async fn inclusion_proof(app: &App, index: u64, size: u64) -> AppResult<Vec<[u8; 32]>> {
    let mut conn = app.db.conn().await?;
    let signed = checkpointed_size(&mut conn).await?;
    if size > signed {
        return Err(AppError::invalid(
            "size",
            format!("树大小不能超过最新检查点的 {signed}"),
        ));
    }
    if index >= size {
        return Err(AppError::invalid(
            "index",
            format!("序号应小于树大小 {size}"),
        ));
    }
    let mut cache = HashMap::new();
    let proof = with_hashes(&mut conn, &mut cache, |r| {
        tlog::prove_record(size, index, r)
    })
    .await?;
    Ok(proof.into_iter().map(|h| h.0).collect())
}

/// RFC 9162 consistency proof between the trees of `from` and `to` entries.
pub async fn consistency_proof(app: &App, from: u64, to: u64) -> AppResult<Vec<[u8; 32]>> {
    let mut conn = app.db.conn().await?;
    let signed = checkpointed_size(&mut conn).await?;
    if to > signed {
        return Err(AppError::invalid(
            "to",
            format!("树大小不能超过最新检查点的 {signed}"),
        ));
    }
    if from > to {
        return Err(AppError::invalid("from", "from 不能大于 to"));
    }
    if from == 0 || from == to {
        // RFC 9162: nothing to prove from the empty tree or to the same tree.
        return Ok(Vec::new());
    }
    let mut cache = HashMap::new();
    let proof = with_hashes(&mut conn, &mut cache, |r| tlog::prove_tree(to, from, r)).await?;
    Ok(proof.into_iter().map(|h| h.0).collect())
}

/// What `verify` found wrong first.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Tampering {
    #[error("第 {0} 条审计记录缺失(被删除)")]
    Missing(u64),
    #[error("第 {0} 条审计记录被改动或调换了顺序")]
    Altered(u64),
    #[error("大小为 {0} 的检查点签名无效")]
    BadSignature(u64),
    #[error("大小为 {0} 的检查点与记录重算的树根不符(记录或其哈希被改动)")]
    RootMismatch(u64),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    pub entries: u64,
    pub checkpoints: usize,
}

/// Recomputes the tree from the stored entries and checks every stored hash and every
/// checkpoint's signature and root; returns the first thing found wrong.
pub async fn verify(app: &App) -> AppResult<Result<Verified, Tampering>> {
    let mut conn = app.db.conn().await?;
    let signer = store::signer(&mut conn)
        .await?
        .ok_or_else(|| internal("no audit signer"))?;
    let total = store::entry_count(&mut conn).await?;
    let entries = store::entry_bytes(&mut conn, 0, total).await?;
    let stored: HashMap<u64, Vec<u8>> = store::all_hashes(&mut conn).await?.into_iter().collect();
    let checkpoints = store::checkpoints(&mut conn).await?;
    Ok(verify_log(&signer, &entries, &stored, &checkpoints))
}

fn verify_log(
    signer: &Signer,
    entries: &[(i64, Vec<u8>)],
    stored: &HashMap<u64, Vec<u8>>,
    checkpoints: &[StoredCheckpoint],
) -> Result<Verified, Tampering> {
    let signed_size = checkpoints.last().map_or(0, |c| c.size as u64);
    let mut tree = HashMap::new();
    for (n, (seq, bytes)) in entries.iter().enumerate() {
        let n = n as u64;
        if *seq as u64 != n {
            return Err(Tampering::Missing(n));
        }
        let reader = CachedReader {
            cache: &tree,
            missing: RefCell::default(),
        };
        let hashes = tlog::stored_hashes(n, bytes, &reader).map_err(|_| Tampering::Altered(n))?;
        let first = tlog::stored_hash_index(0, n);
        if stored
            .get(&first)
            .is_some_and(|h| h.as_slice() != hashes[0].0)
        {
            return Err(Tampering::Altered(n));
        }
        for (k, h) in hashes.into_iter().enumerate() {
            tree.insert(first + k as u64, h);
        }
    }
    if (entries.len() as u64) < signed_size {
        return Err(Tampering::Missing(entries.len() as u64));
    }
    let verifier =
        StandardVerifier::new(&signer.verifier_key).map_err(|_| Tampering::BadSignature(0))?;
    let known = VerifierList::new(vec![Box::new(verifier)]);
    for c in checkpoints {
        let size = c.size as u64;
        let note =
            Note::from_bytes(c.note.as_bytes()).map_err(|_| Tampering::BadSignature(size))?;
        let (verified, _) = note
            .verify(&known)
            .map_err(|_| Tampering::BadSignature(size))?;
        let body =
            Checkpoint::from_bytes(note.text()).map_err(|_| Tampering::BadSignature(size))?;
        if verified.is_empty() || body.size() != size || body.origin() != signer.origin {
            return Err(Tampering::BadSignature(size));
        }
        let reader = CachedReader {
            cache: &tree,
            missing: RefCell::default(),
        };
        let root = tlog::tree_hash(size, &reader).map_err(|_| Tampering::RootMismatch(size))?;
        if &root != body.hash() {
            return Err(Tampering::RootMismatch(size));
        }
    }
    Ok(Verified {
        entries: entries.len() as u64,
        checkpoints: checkpoints.len(),
    })
}

/// The names behind the ids an object's history records: people by user id, enterprises by
/// credit code, so the trail reads "由 张三 代 某公司 办理" rather than ids and codes.
#[derive(Debug, Default)]
pub struct ActorNames {
    pub people: HashMap<i64, String>,
    pub enterprises: HashMap<String, String>,
}

pub async fn actor_names(app: &App, entries: &[StoredEntry]) -> AppResult<ActorNames> {
    let mut conn = app.db.conn().await?;
    let mut names = ActorNames::default();
    for actor in entries.iter().filter_map(|e| e.record.actor.as_ref()) {
        if !names.people.contains_key(&actor.user_id)
            && let Some(user) = crate::store::users::get(&mut conn, actor.user_id).await?
        {
            names.people.insert(actor.user_id, user.display_name);
        }
        let Some(code) = &actor.on_behalf_of else {
            continue;
        };
        if names.enterprises.contains_key(code) {
            continue;
        }
        if let Ok(parsed) = CreditCode::parse(code)
            && let Some(firm) =
                crate::store::enterprises::get_by_credit_code(&mut conn, &parsed).await?
        {
            names.enterprises.insert(code.clone(), firm.identity.name);
        }
    }
    Ok(names)
}
