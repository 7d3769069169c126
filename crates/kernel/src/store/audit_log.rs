//! Storage of the audit trail's Merkle tree: stored hashes, signed checkpoints and the signer.
//! The tree mechanics (which hashes, proofs) are `tlog_tiles`'; this module only keeps bytes.

use crate::store::sql::{in_list, statement_batches, value_rows};
use crate::store::{Conn, Result, StoreError, time};
use chrono::{DateTime, Utc};
use sqlx::{AssertSqlSafe, Row};
use std::collections::HashMap;

/// The log's identity and key, and how far its hashes reach.
#[derive(Debug, Clone)]
pub struct Signer {
    pub origin: String,
    pub signing_key: String,
    pub verifier_key: String,
    pub hashed_size: i64,
}

pub async fn signer(conn: &mut Conn) -> Result<Option<Signer>> {
    let row = sqlx::query(
        "SELECT origin, signing_key, verifier_key, hashed_size FROM audit_signer WHERE id = 1",
    )
    .fetch_optional(conn)
    .await?;
    row.map(|r| {
        Ok(Signer {
            origin: r.try_get("origin")?,
            signing_key: r.try_get("signing_key")?,
            verifier_key: r.try_get("verifier_key")?,
            hashed_size: r.try_get("hashed_size")?,
        })
    })
    .transpose()
}

/// Stores the signer created at first start; a concurrent first start loses quietly.
pub async fn insert_signer(conn: &mut Conn, signer: &Signer, now: DateTime<Utc>) -> Result<()> {
    let inserted = sqlx::query(
        "INSERT INTO audit_signer (id, origin, signing_key, verifier_key, hashed_size, created_at) \
         VALUES (1, $1, $2, $3, 0, $4)",
    )
    .bind(&signer.origin)
    .bind(&signer.signing_key)
    .bind(&signer.verifier_key)
    .bind(time::to_text(now))
    .execute(conn)
    .await;
    match inserted.map_err(StoreError::from) {
        Ok(_) | Err(StoreError::Duplicate) => Ok(()),
        Err(e) => Err(e),
    }
}

/// Takes the signer's row lock for the rest of the transaction and returns how many entries
/// have their hashes stored; two processes never hash or sign at the same time.
pub async fn lock_signer(conn: &mut Conn) -> Result<i64> {
    Ok(sqlx::query(
        "UPDATE audit_signer SET hashed_size = hashed_size WHERE id = 1 RETURNING hashed_size",
    )
    .fetch_one(conn)
    .await?
    .try_get("hashed_size")?)
}

pub async fn set_hashed_size(conn: &mut Conn, size: i64) -> Result<()> {
    sqlx::query("UPDATE audit_signer SET hashed_size = $1 WHERE id = 1")
        .bind(size)
        .execute(conn)
        .await?;
    Ok(())
}

/// The number of committed entries.
pub async fn entry_count(conn: &mut Conn) -> Result<i64> {
    Ok(
        sqlx::query("SELECT COALESCE(MAX(seq) + 1, 0) AS n FROM audit_entry")
            .fetch_one(conn)
            .await?
            .try_get("n")?,
    )
}

/// The exact recorded bytes of entries `from..to`, in order, with their sequence numbers.
pub async fn entry_bytes(conn: &mut Conn, from: i64, to: i64) -> Result<Vec<(i64, Vec<u8>)>> {
    let rows =
        sqlx::query("SELECT seq, entry FROM audit_entry WHERE seq >= $1 AND seq < $2 ORDER BY seq")
            .bind(from)
            .bind(to)
            .fetch_all(conn)
            .await?;
    rows.iter()
        .map(|r| {
            Ok((
                r.try_get("seq")?,
                r.try_get::<String, _>("entry")?.into_bytes(),
            ))
        })
        .collect()
}

/// The stored hashes at these indexes that exist.
pub async fn hashes(conn: &mut Conn, indexes: &[u64]) -> Result<HashMap<u64, Vec<u8>>> {
    let mut found = HashMap::new();
    // Bounded batches keep the statement within every database's parameter limit.
    for chunk in indexes.chunks(500) {
        let sql = format!(
            "SELECT idx, hash FROM audit_hash WHERE idx IN ({})",
            in_list(1, chunk.len())
        );
        let mut query = sqlx::query(AssertSqlSafe(sql));
        for &i in chunk {
            query = query.bind(to_i64(i)?);
        }
        for row in query.fetch_all(&mut *conn).await? {
            let idx: i64 = row.try_get("idx")?;
            found.insert(idx as u64, row.try_get::<Vec<u8>, _>("hash")?);
        }
    }
    Ok(found)
}

/// Every stored hash, in index order (for verifying the whole log).
pub async fn all_hashes(conn: &mut Conn) -> Result<Vec<(u64, Vec<u8>)>> {
    let rows = sqlx::query("SELECT idx, hash FROM audit_hash ORDER BY idx")
        .fetch_all(conn)
        .await?;
    rows.iter()
        .map(|r| Ok((r.try_get::<i64, _>("idx")? as u64, r.try_get("hash")?)))
        .collect()
}

/// Stores hashes at consecutive indexes starting at `first`.
/// Stores tree hashes by their index, a few hundred per statement: a chunk of entries adds
/// about two each, and a statement apiece made a chunk hundreds of round trips on PostgreSQL.
pub async fn insert_hashes(conn: &mut Conn, hashes: &[(u64, [u8; 32])]) -> Result<()> {
    for chunk in statement_batches(hashes, 2) {
        let sql = format!(
            "INSERT INTO audit_hash (idx, hash) VALUES {}",
            value_rows(chunk.len(), 2)
        );
        let mut query = sqlx::query(AssertSqlSafe(sql));
        for (idx, hash) in chunk {
            query = query.bind(to_i64(*idx)?).bind(hash.to_vec());
        }
        query.execute(&mut *conn).await?;
    }
    Ok(())
}

fn to_i64(i: u64) -> Result<i64> {
    i64::try_from(i).map_err(|_| StoreError::Corrupt(format!("hash index {i} out of range")))
}

#[derive(Debug, Clone)]
pub struct StoredCheckpoint {
    pub size: i64,
    pub root: Vec<u8>,
    pub note: String,
}

pub async fn insert_checkpoint(
    conn: &mut Conn,
    c: &StoredCheckpoint,
    now: DateTime<Utc>,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO audit_checkpoint (size, root, note, signed_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(c.size)
    .bind(&c.root)
    .bind(&c.note)
    .bind(time::to_text(now))
    .execute(conn)
    .await?;
    Ok(())
}

const CHECKPOINT_COLUMNS: &str = "SELECT size, root, note FROM audit_checkpoint";

pub async fn latest_checkpoint(conn: &mut Conn) -> Result<Option<StoredCheckpoint>> {
    let row = sqlx::query(AssertSqlSafe(format!(
        "{CHECKPOINT_COLUMNS} ORDER BY size DESC LIMIT 1"
    )))
    .fetch_optional(conn)
    .await?;
    row.map(|r| checkpoint_from_row(&r)).transpose()
}

pub async fn checkpoints(conn: &mut Conn) -> Result<Vec<StoredCheckpoint>> {
    let rows = sqlx::query(AssertSqlSafe(format!("{CHECKPOINT_COLUMNS} ORDER BY size")))
        .fetch_all(conn)
        .await?;
    rows.iter().map(checkpoint_from_row).collect()
}

fn checkpoint_from_row(r: &sqlx::any::AnyRow) -> Result<StoredCheckpoint> {
    Ok(StoredCheckpoint {
        size: r.try_get("size")?,
        root: r.try_get("root")?,
        note: r.try_get("note")?,
    })
}
