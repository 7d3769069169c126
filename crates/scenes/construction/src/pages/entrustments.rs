//! 集中授权: the entrustments of matters to the 行政服务中心, and the form a department's lead
//! (or the administrator) entrusts one with.

use crate::entrustment::{self, Choices, EntrustmentInput, EntrustmentView};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Form, Query, State};
use axum::response::{IntoResponse, Response};
use qinqing_kernel::AppResult;
use qinqing_kernel::web::AppState;
use qinqing_kernel::web::form::{Pairs, field};
use qinqing_kernel::web::pages::{Done, Errors, Layout, error_page, form_caller};
use qinqing_kernel::web::session::{Caller, PageUser};

#[derive(Template, WebTemplate)]
#[template(path = "construction_entrustments.html")]
pub struct EntrustmentsPage {
    layout: Layout,
    items: Vec<EntrustmentView>,
    choices: Choices,
    errors: Errors,
    form: Pairs,
    notice: &'static str,
}

impl EntrustmentsPage {
    fn kept(&self, name: &str) -> &str {
        field(&self.form, name)
    }

    fn wrong(&self, name: &str) -> Option<&String> {
        self.errors.get(name)
    }
}

async fn render(
    state: &AppState,
    caller: &Caller,
    (errors, form): (Errors, Pairs),
    notice: &'static str,
) -> Response {
    let who = &caller.principal;
    let found = async {
        let items = entrustment::list(&state.app, who).await?;
        let choices = entrustment::choices(&state.app, who).await?;
        AppResult::Ok((items, choices))
    };
    match found.await {
        Ok((items, choices)) => EntrustmentsPage {
            layout: Layout::new(
                "集中授权",
                Some(caller),
                state,
                "/construction/entrustments",
            ),
            items,
            choices,
            errors,
            form,
            notice,
        }
        .into_response(),
        Err(e) => error_page(&e, Some(caller), state),
    }
}

pub async fn list(
    State(state): State<AppState>,
    PageUser(caller): PageUser,
    Query(done): Query<Done>,
) -> Response {
    let notice = done
        .notice(&[(
            "entrusted",
            "已委托,委托期内申报的该事项由行政服务中心受理和审批",
        )])
        .unwrap_or_default();
    render(&state, &caller, (Errors::new(), Pairs::new()), notice).await
}

/// 委托: a department's lead, or the administrator.
pub async fn entrust(
    State(state): State<AppState>,
    user: PageUser,
    Form(pairs): Form<Pairs>,
) -> Result<Response, Response> {
    let caller = form_caller(&user, &pairs)?;
    let text = |name: &str| field(&pairs, name).to_string();
    let input = EntrustmentInput {
        matter: text("matter"),
        to_org_id: text("to_org_id").trim().parse().unwrap_or_default(),
        starts_on: text("starts_on"),
        ends_on: text("ends_on"),
    };
    let (who, meta) = (&caller.principal, &caller.meta);
    let result = entrustment::entrust(&state.app, who, &input, meta).await;
    Ok(qinqing_kernel::web::pages::answer(
        &state,
        caller,
        result,
        "/construction/entrustments?done=entrusted",
        |errors| render(&state, caller, (errors, pairs.clone()), ""),
    )
    .await)
}
