use std::{sync::Arc, time::Instant};

use actix_web::{
    HttpRequest, HttpResponse, Responder,
    http::{StatusCode, header::RETRY_AFTER},
    web,
};
use async_graphql::{
    BatchRequest, BatchResponse, Value, dataloader::DataLoader, http::GraphiQLSource,
};
use futures_util::StreamExt;
use serde_json::json;

use crate::{
    auth::{self, Actor},
    error::{AppError, UNAVAILABLE},
    graphql::{
        Api,
        case::DeadlineLoader,
        limits::{ComplexityBudget, MAX_BATCH},
    },
    state::AppState,
};

/// What a 503 asks the client to wait before retrying: long enough for a
/// pool to reconnect after a database restart, short enough not to matter.
pub const RETRY_AFTER_SECS: u64 = 2;

/// Largest request body, set from configuration.
#[derive(Clone, Copy)]
pub struct BodyLimit(pub usize);

pub async fn graphiql() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(
            GraphiQLSource::build()
                .endpoint("/graphql")
                .title("Redress GraphQL")
                .finish(),
        )
}

pub async fn execute(
    req: HttpRequest,
    mut payload: web::Payload,
    state: web::Data<Arc<AppState>>,
    api: web::Data<Api>,
    limit: web::Data<BodyLimit>,
) -> HttpResponse {
    let started = Instant::now();
    if let Some(refused) = super::json_only::refusal(&req) {
        return refused;
    }
    let actor = match bearer_actor(&req, &state) {
        Ok(actor) => actor,
        Err(err) => return error_response(&err),
    };

    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let Ok(chunk) = chunk else {
            return error_response(&AppError::BadUserInput {
                field: None,
                message: "the request body could not be read".into(),
            });
        };
        if body.len() + chunk.len() > limit.0 {
            return error_response(&AppError::BadUserInput {
                field: None,
                message: format!("the request body is larger than {} bytes", limit.0),
            })
            .customize()
            .with_status(StatusCode::PAYLOAD_TOO_LARGE)
            .respond_to(&req)
            .map_into_boxed_body();
        }
        body.extend_from_slice(&chunk);
    }
    let request: BatchRequest = match serde_json::from_slice(&body) {
        Ok(request) => request,
        Err(err) => {
            return error_response(&AppError::BadUserInput {
                field: None,
                message: format!("the body is not a GraphQL request in JSON: {err}"),
            });
        }
    };

    if let BatchRequest::Batch(operations) = &request
        && operations.len() > MAX_BATCH
    {
        return error_response(&AppError::BadUserInput {
            field: None,
            message: format!(
                "a batch holds at most {MAX_BATCH} operations, not {}",
                operations.len()
            ),
        });
    }

    let signed_in = actor.is_some();
    let request = match actor {
        Some(actor) => {
            let loader = DeadlineLoader {
                db: state.db.clone(),
                council_id: actor.council_id,
            };
            let loader = DataLoader::new(loader, tokio::spawn);
            request.data(Arc::new(loader)).data(actor)
        }
        None => request,
    };
    let response = match request {
        BatchRequest::Single(request) => {
            BatchResponse::Single(api.single.execute(request, signed_in).await)
        }
        batch => {
            let batch = batch.data(ComplexityBudget::new());
            api.schema.execute_batch(batch).await
        }
    };
    let retry = retryable(&response);
    // An outage is counted apart, so it can be told from faults of requests.
    let outcome = if retry {
        "unavailable"
    } else {
        outcome(&response)
    };
    state
        .metrics
        .graphql_requests
        .with_label_values(&[outcome])
        .inc();
    state
        .metrics
        .graphql_seconds
        .with_label_values(&[outcome])
        .observe(started.elapsed().as_secs_f64());
    if retry {
        return HttpResponse::ServiceUnavailable()
            .insert_header((RETRY_AFTER, RETRY_AFTER_SECS))
            .json(response);
    }
    HttpResponse::Ok().json(response)
}

/// The whole body may be sent again: the database was out of reach and no
/// operation returned any data, so nothing in it is known to have taken
/// effect. A body where something succeeded stays 200, its errors per field,
/// so a client does not repeat what was done.
fn retryable(response: &BatchResponse) -> bool {
    let responses: &[async_graphql::Response] = match response {
        BatchResponse::Single(r) => std::slice::from_ref(r),
        BatchResponse::Batch(rs) => rs,
    };
    let unavailable = |r: &async_graphql::Response| {
        r.errors.iter().any(|e| {
            e.extensions
                .as_ref()
                .and_then(|ext| ext.get("code"))
                .is_some_and(|code| *code == Value::from(UNAVAILABLE))
        })
    };
    let nothing_returned = |r: &async_graphql::Response| match &r.data {
        Value::Object(fields) => fields.values().all(|v| *v == Value::Null),
        _ => true,
    };
    responses.iter().any(unavailable) && responses.iter().all(nothing_returned)
}

fn bearer_actor(req: &HttpRequest, state: &AppState) -> Result<Option<Actor>, AppError> {
    let Some(header) = req.headers().get(actix_web::http::header::AUTHORIZATION) else {
        return Ok(None);
    };
    let token = header
        .to_str()
        .ok()
        .and_then(|h| {
            h.strip_prefix("Bearer ")
                .or_else(|| h.strip_prefix("bearer "))
        })
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| {
            AppError::Unauthenticated("the Authorization header must be `Bearer <token>`".into())
        })?;
    auth::authenticate(&state.verifier, &state.councils, token).map(Some)
}

fn outcome(response: &BatchResponse) -> &'static str {
    let failed = match response {
        BatchResponse::Single(r) => r.is_err(),
        BatchResponse::Batch(rs) => rs.iter().any(|r| r.is_err()),
    };
    if failed { "error" } else { "ok" }
}

fn error_response(err: &AppError) -> HttpResponse {
    let status = match err {
        AppError::Unauthenticated(_) => StatusCode::UNAUTHORIZED,
        AppError::Forbidden(_) => StatusCode::FORBIDDEN,
        AppError::BadUserInput { .. } => StatusCode::BAD_REQUEST,
        AppError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    };
    let mut response = HttpResponse::build(status);
    if status == StatusCode::SERVICE_UNAVAILABLE {
        response.insert_header((RETRY_AFTER, RETRY_AFTER_SECS));
    }
    response.json(json!({
        "data": null,
        "errors": [{ "message": err.to_string(), "extensions": { "code": err.code() } }],
    }))
}
