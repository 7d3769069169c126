//! Open311 GeoReport v2 under `/open311/v2`, in JSON and XML. Every answer is built once as a
//! small document of named fields and then written in the format the path asks for, so the
//! two formats cannot drift apart. Errors use the standard's shape with its HTTP statuses:
//! 400 bad input, 403 bad or missing api_key, 404 unknown service or request.

use crate::model::RequestView;
use crate::open311;
use crate::routing::CategoryView;
use axum::Router;
use axum::extract::rejection::FormRejection;
use axum::extract::{Form, Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use qinqing_kernel::web::AppState;
use qinqing_kernel::{AppError, RequestMeta};
use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};
use serde_json::Value;
use std::collections::HashMap;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/open311/v2/{file}", get(top_get).post(create))
        .route("/open311/v2/services/{file}", get(service))
        .route("/open311/v2/requests/{file}", get(request))
}

#[derive(Clone, Copy)]
enum Format {
    Json,
    Xml,
}

/// Splits "requests.json" into its name and format; None for any other extension.
fn split(file: &str) -> Option<(&str, Format)> {
    let (name, ext) = file.rsplit_once('.')?;
    match ext {
        "json" => Some((name, Format::Json)),
        "xml" => Some((name, Format::Xml)),
        _ => None,
    }
}

/// A value in an answer.
enum Field {
    Text(String),
    Bool(bool),
    Int(i64),
    Null,
    /// A nested list: its element name in XML and its records.
    List(&'static str, Vec<Record>),
}

type Record = Vec<(&'static str, Field)>;

fn text(v: impl Into<String>) -> Field {
    Field::Text(v.into())
}

fn optional(v: Option<String>) -> Field {
    v.map_or(Field::Null, Field::Text)
}

/// An answer: a list of records (JSON array; XML `<root><item>…</item>…</root>`) or a single
/// record (JSON object; XML `<root>…</root>`).
struct Doc {
    root: &'static str,
    item: Option<&'static str>,
    records: Vec<Record>,
}

fn json_of(record: &Record) -> Value {
    let map = record
        .iter()
        .map(|(name, field)| {
            let value = match field {
                Field::Text(s) => Value::from(s.as_str()),
                Field::Bool(b) => Value::from(*b),
                Field::Int(i) => Value::from(*i),
                Field::Null => Value::Null,
                Field::List(_, items) => Value::Array(items.iter().map(json_of).collect()),
            };
            (name.to_string(), value)
        })
        .collect();
    Value::Object(map)
}

fn write_record<W: std::io::Write>(w: &mut Writer<W>, record: &Record) -> std::io::Result<()> {
    for (name, field) in record {
        let content = match field {
            Field::Text(s) => s.clone(),
            Field::Bool(b) => b.to_string(),
            Field::Int(i) => i.to_string(),
            Field::Null => String::new(),
            Field::List(item, items) => {
                w.write_event(Event::Start(BytesStart::new(*name)))?;
                for r in items {
                    write_element(w, item, r)?;
                }
                w.write_event(Event::End(BytesEnd::new(*name)))?;
                continue;
            }
        };
        w.create_element(*name)
            .write_text_content(BytesText::new(&content))?;
    }
    Ok(())
}

fn write_element<W: std::io::Write>(
    w: &mut Writer<W>,
    name: &str,
    record: &Record,
) -> std::io::Result<()> {
    w.write_event(Event::Start(BytesStart::new(name)))?;
    write_record(w, record)?;
    w.write_event(Event::End(BytesEnd::new(name)))
}

fn xml_of(doc: &Doc) -> std::io::Result<Vec<u8>> {
    let mut w = Writer::new(Vec::new());
    w.write_event(Event::Decl(BytesDecl::new("1.0", Some("utf-8"), None)))?;
    match doc.item {
        Some(item) => {
            w.write_event(Event::Start(BytesStart::new(doc.root)))?;
            for r in &doc.records {
                write_element(&mut w, item, r)?;
            }
            w.write_event(Event::End(BytesEnd::new(doc.root)))?;
        }
        None => {
            let empty = Vec::new();
            write_element(&mut w, doc.root, doc.records.first().unwrap_or(&empty))?;
        }
    }
    Ok(w.into_inner())
}

fn render(status: StatusCode, format: Format, doc: &Doc) -> Response {
    match format {
        Format::Json => {
            let body = match doc.item {
                Some(_) => Value::Array(doc.records.iter().map(json_of).collect()),
                None => doc.records.first().map_or(Value::Null, json_of),
            };
            (status, axum::Json(body)).into_response()
        }
        Format::Xml => match xml_of(doc) {
            Ok(bytes) => (
                status,
                [(header::CONTENT_TYPE, "application/xml; charset=utf-8")],
                bytes,
            )
                .into_response(),
            Err(e) => {
                tracing::error!(error = %e, "writing Open311 XML");
                StatusCode::INTERNAL_SERVER_ERROR.into_response()
            }
        },
    }
}

/// The standard's error list with the status it names.
fn error(format: Format, status: StatusCode, description: &str) -> Response {
    let record = vec![
        ("code", Field::Int(i64::from(status.as_u16()))),
        ("description", text(description)),
    ];
    let doc = Doc {
        root: "errors",
        item: Some("error"),
        records: vec![record],
    };
    render(status, format, &doc)
}

fn app_error(format: Format, e: &AppError) -> Response {
    let status = match e {
        AppError::Forbidden(_) | AppError::Unauthenticated => StatusCode::FORBIDDEN,
        AppError::NotFound(_) => StatusCode::NOT_FOUND,
        AppError::Internal(inner) => {
            tracing::error!(error = ?inner, "Open311 internal error");
            StatusCode::INTERNAL_SERVER_ERROR
        }
        _ => StatusCode::BAD_REQUEST,
    };
    let description = match e.field() {
        Some(field) => format!("{field}: {e}"),
        None => e.to_string(),
    };
    error(format, status, &description)
}

fn unknown_path() -> Response {
    error(
        Format::Json,
        StatusCode::NOT_FOUND,
        "未知的 Open311 资源,请以 .json 或 .xml 结尾",
    )
}

fn service_record(c: CategoryView) -> Record {
    vec![
        ("service_code", text(c.code)),
        ("service_name", text(c.name)),
        ("description", text(c.description)),
        // Every service has the credit_code attribute, so every service has metadata.
        ("metadata", Field::Bool(true)),
        ("type", text("realtime")),
        ("keywords", text(c.keywords.join(","))),
        ("group", text(c.group)),
    ]
}

fn rfc3339(t: chrono::DateTime<chrono::Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

fn request_record(r: RequestView) -> Record {
    let notes = r
        .reply
        .clone()
        .unwrap_or_else(|| r.status_label.to_string());
    vec![
        ("service_request_id", text(r.receipt_no.clone())),
        ("status", text(open311::status(&r))),
        ("status_notes", text(notes)),
        ("service_name", text(r.category_name)),
        ("service_code", text(r.category)),
        ("description", text(r.description)),
        ("agency_responsible", text(r.owner_name)),
        ("service_notice", text("")),
        ("requested_datetime", text(rfc3339(r.submitted_at))),
        ("updated_datetime", text(rfc3339(r.updated_at))),
        (
            "expected_datetime",
            optional(r.resolution_due_at.map(rfc3339)),
        ),
        ("address", optional(r.location)),
        ("address_id", Field::Null),
        ("zipcode", Field::Null),
        ("lat", optional(r.lat)),
        ("long", optional(r.lon)),
        ("media_url", Field::Null),
    ]
}

/// `GET services.{json,xml}` and `GET requests.{json,xml}`.
async fn top_get(
    State(state): State<AppState>,
    Path(file): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let Some((name, format)) = split(&file) else {
        return unknown_path();
    };
    let answer = match name {
        "services" => open311::services(&state.app).await.map(|list| Doc {
            root: "services",
            item: Some("service"),
            records: list.into_iter().map(service_record).collect(),
        }),
        "requests" => list_requests(&state, &query).await,
        _ => return unknown_path(),
    };
    match answer {
        Ok(doc) => render(StatusCode::OK, format, &doc),
        Err(e) => app_error(format, &e),
    }
}

async fn list_requests(state: &AppState, query: &HashMap<String, String>) -> Result<Doc, AppError> {
    open311::authorise(&state.app, query.get("api_key").map(String::as_str)).await?;
    let list = open311::list(&state.app, query).await?;
    Ok(Doc {
        root: "service_requests",
        item: Some("request"),
        records: list.into_iter().map(request_record).collect(),
    })
}

/// `GET services/{code}.{json,xml}`: the service definition with its one attribute.
async fn service(State(state): State<AppState>, Path(file): Path<String>) -> Response {
    let Some((code, format)) = split(&file) else {
        return unknown_path();
    };
    match open311::service(&state.app, code).await {
        Ok(c) => {
            let attribute = vec![
                ("variable", Field::Bool(true)),
                ("code", text("credit_code")),
                ("datatype", text("string")),
                ("required", Field::Bool(true)),
                ("datatype_description", text("18 位统一社会信用代码")),
                ("order", Field::Int(1)),
                ("description", text("提出诉求的企业的统一社会信用代码")),
            ];
            let record = vec![
                ("service_code", text(c.code)),
                ("attributes", Field::List("attribute", vec![attribute])),
            ];
            let doc = Doc {
                root: "service_definition",
                item: None,
                records: vec![record],
            };
            render(StatusCode::OK, format, &doc)
        }
        Err(e) => app_error(format, &e),
    }
}

/// `GET requests/{id}.{json,xml}`: a list of one, as the standard has it.
async fn request(
    State(state): State<AppState>,
    Path(file): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let Some((id, format)) = split(&file) else {
        return unknown_path();
    };
    let answer = async {
        open311::authorise(&state.app, query.get("api_key").map(String::as_str)).await?;
        open311::get(&state.app, id).await
    };
    match answer.await {
        Ok(r) => {
            let doc = Doc {
                root: "service_requests",
                item: Some("request"),
                records: vec![request_record(r)],
            };
            render(StatusCode::OK, format, &doc)
        }
        Err(e) => app_error(format, &e),
    }
}

/// `POST requests.{json,xml}`, form-encoded, with api_key.
async fn create(
    State(state): State<AppState>,
    Path(file): Path<String>,
    form: Result<Form<HashMap<String, String>>, FormRejection>,
) -> Response {
    let Some(("requests", format)) = split(&file) else {
        return unknown_path();
    };
    let Ok(Form(form)) = form else {
        let message = "请以 application/x-www-form-urlencoded 表单提交";
        return error(format, StatusCode::BAD_REQUEST, message);
    };
    let answer = async {
        let key = open311::authorise(&state.app, form.get("api_key").map(String::as_str)).await?;
        open311::create(&state.app, &key, &form, &RequestMeta::default()).await
    };
    match answer.await {
        Ok(r) => {
            let notice = format!("已分派至{},{}", r.owner_name, r.status_label);
            let record = vec![
                ("service_request_id", text(r.receipt_no)),
                ("service_notice", text(notice)),
                ("account_id", Field::Null),
            ];
            let doc = Doc {
                root: "service_requests",
                item: Some("request"),
                records: vec![record],
            };
            render(StatusCode::CREATED, format, &doc)
        }
        Err(e) => app_error(format, &e),
    }
}
