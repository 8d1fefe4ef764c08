//! The suite part of the control API (`/sim/suites…`) and the suite_ticket timer: tests and the
//! console push tickets on demand, drive an authorisation's lifecycle (change_auth, cancel_auth,
//! reset_permanent_code), inject data callbacks, and look at tickets and authorisations.

use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};
use tokio::task::JoinHandle;

use super::instruction;
use super::registry::{TICKET_TTL_SECS, Ticket};
use crate::control::ControlError;
use crate::directory::VisibleRange;
use crate::push::CallbackTarget;
use crate::state::SimState;
use crate::tokens::TokenOwner;

/// How often (real time) the timer looks at the simulated clock.
const TIMER_POLL: Duration = Duration::from_millis(200);

/// The suite control routes, to be nested under `/sim`.
pub fn control_routes() -> Router<SimState> {
    Router::new()
        .route("/suites", get(list_suites))
        .route("/suites/{suite_id}/ticket", post(push_ticket_now))
        .route(
            "/suites/{suite_id}/corps/{corp_id}/change_auth",
            post(change_auth),
        )
        .route(
            "/suites/{suite_id}/corps/{corp_id}/cancel_auth",
            post(cancel_auth),
        )
        .route(
            "/suites/{suite_id}/corps/{corp_id}/reset_permanent_code",
            post(reset_permanent_code),
        )
        .route(
            "/suites/{suite_id}/corps/{corp_id}/events",
            post(data_event),
        )
}

/// Pushes a new suite_ticket to `suite_id`'s instruction callback and returns it.
pub fn push_ticket(state: &SimState, suite_id: &str) -> Ticket {
    let now = state.clock.now();
    let ticket = state.suites.new_ticket(suite_id, now);
    state.pusher.push(
        CallbackTarget::SuiteInstruction {
            suite_id: suite_id.to_owned(),
        },
        instruction::suite_ticket(suite_id, &ticket.value, now),
    );
    ticket
}

fn push_all_tickets_if_due(state: &SimState) {
    let interval = i64::try_from(state.options.suite_ticket_interval_secs).unwrap_or(600);
    if state.suites.ticket_push_due(state.clock.now(), interval) {
        for suite in &state.world.suites {
            push_ticket(state, &suite.suite_id);
        }
    }
}

/// Pushes every suite's first ticket now, then starts the timer that pushes a new one every
/// `suite_ticket_interval_secs` of simulated time (polling the clock every 200 ms; after a jump
/// of many intervals it pushes one ticket, not a burst). The task ends with the simulator.
pub fn spawn_ticket_timer(state: &SimState) -> JoinHandle<()> {
    push_all_tickets_if_due(state);
    let weak = state.downgrade();
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(TIMER_POLL).await;
            let Some(state) = weak.upgrade() else {
                return;
            };
            push_all_tickets_if_due(&state);
        }
    })
}

fn known_suite(state: &SimState, suite_id: &str) -> Result<(), ControlError> {
    state
        .world
        .suite(suite_id)
        .map(|_| ())
        .ok_or_else(|| ControlError::new(format!("no suite has suite_id {suite_id}")))
}

async fn list_suites(State(state): State<SimState>) -> Json<Value> {
    let now = state.clock.now();
    let suites: Vec<Value> = state
        .world
        .suites
        .iter()
        .map(|suite| {
            let tickets: Vec<Value> = state
                .suites
                .tickets(&suite.suite_id)
                .iter()
                .map(|t| {
                    json!({
                        "suite_ticket": t.value,
                        "pushed_at": t.pushed_at,
                        "age_secs": now - t.pushed_at,
                        "valid": now - t.pushed_at < TICKET_TTL_SECS,
                    })
                })
                .collect();
            let authorisations: Vec<Value> = state
                .suites
                .authorisations(&suite.suite_id)
                .iter()
                .map(|a| {
                    let mut value = serde_json::to_value(a).unwrap_or_default();
                    value["allow_party"] = json!(a.visible.departments);
                    value["allow_user"] = json!(a.visible.users);
                    value["allow_tag"] = json!(a.visible.tags);
                    value
                })
                .collect();
            json!({
                "name": suite.name,
                "suite_id": suite.suite_id,
                "tickets": tickets,
                "authorisations": authorisations,
            })
        })
        .collect();
    Json(json!({ "now": now, "suites": suites }))
}

async fn push_ticket_now(
    State(state): State<SimState>,
    Path(suite_id): Path<String>,
) -> Result<Json<Value>, ControlError> {
    known_suite(&state, &suite_id)?;
    let ticket = push_ticket(&state, &suite_id);
    Ok(Json(
        json!({ "suite_ticket": ticket.value, "pushed_at": ticket.pushed_at }),
    ))
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct NewPrivileges {
    #[serde(default)]
    allow_party: Vec<u32>,
    #[serde(default)]
    allow_user: Vec<String>,
    #[serde(default)]
    allow_tag: Vec<u32>,
}

fn not_authorised(suite_id: &str, corp_id: &str) -> ControlError {
    ControlError::new(format!(
        "suite {suite_id} is not (or no longer) authorised in corp {corp_id}"
    ))
}

async fn change_auth(
    State(state): State<SimState>,
    Path((suite_id, corp_id)): Path<(String, String)>,
    body: Bytes,
) -> Result<Json<Value>, ControlError> {
    known_suite(&state, &suite_id)?;
    let privileges = if body.iter().all(u8::is_ascii_whitespace) {
        None
    } else {
        let p: NewPrivileges = serde_json::from_slice(&body).map_err(|e| {
            ControlError::new(format!(
                r#"expected an empty body or one like {{"allow_party":[1],"allow_user":["zhangsan"],"allow_tag":[]}}: {e}"#
            ))
        })?;
        Some(VisibleRange {
            departments: p.allow_party,
            users: p.allow_user,
            tags: p.allow_tag,
        })
    };
    state
        .suites
        .change_privileges(&suite_id, &corp_id, privileges)
        .ok_or_else(|| not_authorised(&suite_id, &corp_id))?;
    let push_id = state.pusher.push(
        CallbackTarget::SuiteInstruction {
            suite_id: suite_id.clone(),
        },
        instruction::auth_changed(&suite_id, "change_auth", &corp_id, state.clock.now()),
    );
    Ok(Json(json!({ "push_id": push_id })))
}

async fn cancel_auth(
    State(state): State<SimState>,
    Path((suite_id, corp_id)): Path<(String, String)>,
) -> Result<Json<Value>, ControlError> {
    known_suite(&state, &suite_id)?;
    state
        .suites
        .cancel(&suite_id, &corp_id)
        .ok_or_else(|| not_authorised(&suite_id, &corp_id))?;
    let now = state.clock.now();
    let invalidated = state.tokens.invalidate_exact(
        &TokenOwner::AuthorisedCorp {
            suite_id: suite_id.clone(),
            corp_id: corp_id.clone(),
        },
        42001,
        now,
    );
    let push_id = state.pusher.push(
        CallbackTarget::SuiteInstruction {
            suite_id: suite_id.clone(),
        },
        instruction::auth_changed(&suite_id, "cancel_auth", &corp_id, now),
    );
    Ok(Json(
        json!({ "push_id": push_id, "tokens_invalidated": invalidated }),
    ))
}

async fn reset_permanent_code(
    State(state): State<SimState>,
    Path((suite_id, corp_id)): Path<(String, String)>,
) -> Result<Json<Value>, ControlError> {
    known_suite(&state, &suite_id)?;
    let now = state.clock.now();
    let auth_code = state
        .suites
        .reset_permanent_code(&suite_id, &corp_id, now)
        .ok_or_else(|| not_authorised(&suite_id, &corp_id))?;
    let push_id = state.pusher.push(
        CallbackTarget::SuiteInstruction {
            suite_id: suite_id.clone(),
        },
        instruction::reset_permanent_code(&suite_id, &auth_code, now),
    );
    Ok(Json(json!({ "push_id": push_id, "auth_code": auth_code })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DataEvent {
    xml: String,
}

async fn data_event(
    State(state): State<SimState>,
    Path((suite_id, corp_id)): Path<(String, String)>,
    body: Bytes,
) -> Result<Json<Value>, ControlError> {
    known_suite(&state, &suite_id)?;
    let event: DataEvent = serde_json::from_slice(&body).map_err(|e| {
        ControlError::new(format!(
            r#"expected a JSON body like {{"xml":"<xml>…</xml>"}}: {e}"#
        ))
    })?;
    state
        .suites
        .active(&suite_id, &corp_id)
        .ok_or_else(|| not_authorised(&suite_id, &corp_id))?;
    let push_id = state
        .pusher
        .push(CallbackTarget::SuiteData { suite_id, corp_id }, event.xml);
    Ok(Json(json!({ "push_id": push_id })))
}
