//! Open311 API keys: issued by an administrator and shown once; only their SHA-256 is stored,
//! so a copy of the database does not let anyone file requests.

use crate::store::requests as store;
use chrono::{DateTime, Utc};
use qinqing_domain::org::Role;
use qinqing_kernel::audit::{self, Change};
use qinqing_kernel::store::StoreError;
use qinqing_kernel::{App, AppError, AppResult, Principal, RequestMeta};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct ApiKeyInput {
    /// Who the key is for, e.g. "12345 热线平台"; recorded as the source of its requests.
    pub name: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ApiKeyView {
    pub id: i64,
    pub name: String,
    pub created_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// A newly issued key: the secret appears here and nowhere else.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct IssuedKey {
    pub id: i64,
    pub name: String,
    pub api_key: String,
}

fn hash(key: &str) -> String {
    qinqing_kernel::digest::sha256_hex(key)
}

fn admin_only(who: &Principal) -> AppResult<()> {
    if who.role == Role::Admin {
        Ok(())
    } else {
        Err(AppError::forbidden("只有平台管理员可以管理接口密钥"))
    }
}

pub async fn issue(
    app: &App,
    who: &Principal,
    input: &ApiKeyInput,
    meta: &RequestMeta,
) -> AppResult<IssuedKey> {
    admin_only(who)?;
    let name = input.name.trim();
    if name.is_empty() || name.chars().count() > 50 {
        return Err(AppError::invalid("name", "请填写密钥用途(50 字以内)"));
    }
    let mut secret = [0u8; 24];
    getrandom::fill(&mut secret).map_err(|e| AppError::Internal(anyhow::anyhow!("{e}")))?;
    let api_key = format!("qq311_{}", hex::encode(secret));
    let now = app.now();
    let mut tx = app.db.begin().await?;
    let id = match store::insert_api_key(&mut tx, name, &hash(&api_key), who.user_id, now).await {
        Err(StoreError::Duplicate) => {
            return Err(AppError::Conflict {
                field: Some("name".into()),
                message: "已有同名的接口密钥".into(),
            });
        }
        other => other?,
    };
    let change = Change {
        action: "api_key.issued",
        object_type: "api_key",
        object_id: id.to_string(),
        on_behalf_of: None,
        detail: serde_json::json!({ "name": name }),
    };
    audit::record(&mut tx, who, meta, change, now).await?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(IssuedKey {
        id,
        name: name.to_string(),
        api_key,
    })
}

pub async fn list(app: &App, who: &Principal) -> AppResult<Vec<ApiKeyView>> {
    admin_only(who)?;
    let mut conn = app.db.conn().await?;
    Ok(store::api_keys(&mut conn)
        .await?
        .into_iter()
        .map(|k| ApiKeyView {
            id: k.id,
            name: k.name,
            created_at: k.created_at,
            revoked_at: k.revoked_at,
        })
        .collect())
}

pub async fn revoke(app: &App, who: &Principal, id: i64, meta: &RequestMeta) -> AppResult<()> {
    admin_only(who)?;
    let now = app.now();
    let mut tx = app.db.begin().await?;
    if !store::revoke_api_key(&mut tx, id, now).await? {
        return Err(AppError::NotFound("没有这个有效的接口密钥".into()));
    }
    let change = Change {
        action: "api_key.revoked",
        object_type: "api_key",
        object_id: id.to_string(),
        on_behalf_of: None,
        detail: serde_json::json!({}),
    };
    audit::record(&mut tx, who, meta, change, now).await?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(())
}

/// The name of the live key `key`, or None for a missing, wrong or revoked one.
pub async fn check(app: &App, key: &str) -> AppResult<Option<String>> {
    if key.is_empty() {
        return Ok(None);
    }
    let mut conn = app.db.conn().await?;
    Ok(store::api_key_name(&mut conn, &hash(key)).await?)
}
