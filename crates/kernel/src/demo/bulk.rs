//! A large district in seconds, for load tests and benchmarks: bare enterprises (an organisation
//! and an enterprise row each, in one village of 张坂镇, no yearly figures) written straight
//! through SQL, dozens of rows per statement. An import of 100,000 enterprises with three years
//! each takes about half a minute (with its audit entries); this takes seconds.

use crate::App;
use crate::error::{AppError, AppResult};
use crate::store::sql::{statement_batches, value_rows};
use crate::store::{StoreError, Tx, time};
use qinqing_domain::credit_code::check_char;
use sqlx::Row;

/// Where every bulk enterprise is registered (a village of 张坂镇).
const VILLAGE: &str = "350521102001";

/// Adds `count` enterprises named 批量企业N, with credit codes 91350521LW000000N…; returns
/// their ids.
pub async fn add_enterprises(app: &App, count: usize) -> AppResult<Vec<i64>> {
    let mut tx = app.db.begin().await?;
    let first: i64 = sqlx::query("SELECT COALESCE(MAX(id), 0) + 1 AS n FROM organisation")
        .fetch_one(&mut *tx)
        .await
        .map_err(StoreError::from)?
        .try_get("n")
        .map_err(StoreError::from)?;
    let now = time::to_text(app.now());
    let ids: Vec<i64> = (0..count).map(|n| first + n as i64).collect();
    for batch in statement_batches(&ids, 9) {
        insert_organisations(&mut tx, batch, &now).await?;
        insert_enterprises(&mut tx, batch, &now).await?;
    }
    if app.db.backend() == crate::store::Backend::Postgres {
        // Rows given their ids leave the identity sequence behind; set it past them.
        sqlx::query(
            "SELECT setval(pg_get_serial_sequence('organisation', 'id'), MAX(id)) FROM organisation",
        )
        .execute(&mut *tx)
        .await
        .map_err(StoreError::from)?;
    }
    tx.commit().await.map_err(StoreError::from)?;
    Ok(ids)
}

fn name(id: i64) -> String {
    format!("批量企业{id}")
}

fn credit_code(id: i64) -> AppResult<String> {
    let body = format!("91350521LW{id:07}");
    let check = check_char(&body)
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("no credit code for {body}")))?;
    Ok(format!("{body}{check}"))
}

async fn insert_organisations(tx: &mut Tx, ids: &[i64], now: &str) -> AppResult<()> {
    let sql = format!(
        "INSERT INTO organisation (id, kind, name, created_at) VALUES {}",
        value_rows(ids.len(), 4)
    );
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
    for id in ids {
        query = query
            .bind(*id)
            .bind("enterprise")
            .bind(name(*id))
            .bind(now.to_string());
    }
    query.execute(&mut **tx).await.map_err(StoreError::from)?;
    Ok(())
}

async fn insert_enterprises(tx: &mut Tx, ids: &[i64], now: &str) -> AppResult<()> {
    let sql = format!(
        "INSERT INTO enterprise (id, credit_code, name, industry_code, region_code, ownership, \
         credit_status, created_at, updated_at) VALUES {}",
        value_rows(ids.len(), 9)
    );
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
    for id in ids {
        query = query
            .bind(*id)
            .bind(credit_code(*id)?)
            .bind(name(*id))
            .bind("C3311")
            .bind(VILLAGE)
            .bind("private")
            .bind("good")
            .bind(now.to_string())
            .bind(now.to_string());
    }
    query.execute(&mut **tx).await.map_err(StoreError::from)?;
    Ok(())
}
