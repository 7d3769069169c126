//! Control characters in text input are refused once, for every route, before any handler
//! sees them: a NUL byte cannot be stored in PostgreSQL's TEXT, and no person types the others.
//! The path, the query string, form and JSON bodies and the text fields of multipart forms
//! (not their files) are checked; the answer is 422 naming the field, and nothing is changed.
//! Tabs and line breaks stay allowed (text areas send them).

use crate::web::MAX_BODY;
use crate::web::error::plain;
use axum::body::Body;
use axum::extract::Request;
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;
use percent_encoding::percent_decode_str;

/// The middleware: passes the request on unchanged, or answers 422.
pub async fn refuse_control_characters(request: Request, next: Next) -> Response {
    if let Some(field) = fault_in_uri(request.uri()) {
        return refusal(&field);
    }
    let Some(kind) = BodyKind::of(&request) else {
        return next.run(request).await;
    };
    let (parts, body) = request.into_parts();
    let bytes = match axum::body::to_bytes(body, MAX_BODY).await {
        Ok(bytes) => bytes,
        Err(_) => {
            return plain(
                StatusCode::PAYLOAD_TOO_LARGE,
                "too_large",
                "提交的内容过大",
                None,
            );
        }
    };
    if let Some(field) = kind.fault(&bytes).await {
        return refusal(&field);
    }
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}

/// A character no text field may hold.
fn forbidden(c: char) -> bool {
    c.is_control() && !matches!(c, '\t' | '\n' | '\r')
}

fn has_forbidden(text: &str) -> bool {
    text.chars().any(forbidden)
}

fn refusal(field: &str) -> Response {
    plain(
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
        "输入中含有不可见的控制字符(如 NUL),请删除后重试",
        Some(field),
    )
}

/// The first field of the path or query string holding a control character once decoded.
fn fault_in_uri(uri: &axum::http::Uri) -> Option<String> {
    let path = percent_decode_str(uri.path()).decode_utf8_lossy();
    if has_forbidden(&path) {
        return Some("path".into());
    }
    uri.query().and_then(|q| fault_in_form(q.as_bytes()))
}

/// The first name of a URL-encoded form (or query) whose name or value holds one.
fn fault_in_form(bytes: &[u8]) -> Option<String> {
    form_urlencoded::parse(bytes)
        .find(|(name, value)| has_forbidden(name) || has_forbidden(value))
        .map(|(name, _)| name.chars().filter(|c| !forbidden(*c)).collect())
}

/// The key nearest to the first JSON string (or key) holding one.
fn fault_in_json(value: &serde_json::Value, key: &str) -> Option<String> {
    match value {
        serde_json::Value::String(s) if has_forbidden(s) => Some(key.to_string()),
        serde_json::Value::Array(items) => items.iter().find_map(|v| fault_in_json(v, key)),
        serde_json::Value::Object(map) => map.iter().find_map(|(k, v)| {
            if has_forbidden(k) {
                Some(k.chars().filter(|c| !forbidden(*c)).collect())
            } else {
                fault_in_json(v, k)
            }
        }),
        _ => None,
    }
}

/// The first text field (a part without a file name) of a multipart form holding one. A body
/// that does not parse is the handler's to refuse.
async fn fault_in_multipart(bytes: &axum::body::Bytes, boundary: &str) -> Option<String> {
    let body = bytes.clone();
    let stream = futures_util::stream::once(async move { Ok::<_, std::convert::Infallible>(body) });
    let mut form = multer::Multipart::new(stream, boundary);
    while let Ok(Some(field)) = form.next_field().await {
        if field.file_name().is_some() {
            continue;
        }
        let name = field.name().unwrap_or_default().to_string();
        if let Ok(text) = field.text().await
            && has_forbidden(&text)
        {
            return Some(name);
        }
    }
    None
}

enum BodyKind {
    Form,
    Json,
    Multipart { boundary: String },
}

impl BodyKind {
    fn of(request: &Request) -> Option<BodyKind> {
        let raw = request.headers().get(header::CONTENT_TYPE)?.to_str().ok()?;
        let content_type = raw.to_ascii_lowercase();
        if content_type.starts_with("application/x-www-form-urlencoded") {
            Some(BodyKind::Form)
        } else if content_type.starts_with("application/json") {
            Some(BodyKind::Json)
        } else if content_type.starts_with("multipart/form-data") {
            // The boundary is case-sensitive: it is read from the header as sent.
            let boundary = multer::parse_boundary(raw).ok()?;
            Some(BodyKind::Multipart { boundary })
        } else {
            None
        }
    }

    async fn fault(&self, bytes: &axum::body::Bytes) -> Option<String> {
        match self {
            BodyKind::Form => fault_in_form(bytes),
            BodyKind::Multipart { boundary } => fault_in_multipart(bytes, boundary).await,
            // A body that is not JSON is the handler's to refuse, with its own message.
            BodyKind::Json => serde_json::from_slice::<serde_json::Value>(bytes)
                .ok()
                .and_then(|v| fault_in_json(&v, "body")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_found_with_their_field() {
        assert_eq!(fault_in_form(b"q=a%00b&x=1"), Some("q".into()));
        assert_eq!(fault_in_form(b"q=line%0Anext&x=%09"), None);
        let json = serde_json::json!({"a": "ok", "b": {"title": "x\u{0}y"}});
        assert_eq!(fault_in_json(&json, "body"), Some("title".into()));
        let json = serde_json::json!({"tags": ["fine", "bad\u{7}"]});
        assert_eq!(fault_in_json(&json, "body"), Some("tags".into()));
        assert_eq!(
            fault_in_json(&serde_json::json!({"t": "多行\n文本"}), "body"),
            None
        );
        let uri: axum::http::Uri = "/api/v1/requests/SQ%00?x=1".parse().unwrap();
        assert_eq!(fault_in_uri(&uri), Some("path".into()));
        let uri: axum::http::Uri = "/api/v1/requests?status=%00".parse().unwrap();
        assert_eq!(fault_in_uri(&uri), Some("status".into()));
    }
}
