//! `POST /graphql` takes JSON only. A browser may send a form or plain text
//! to any site without asking first; only JSON needs a CORS preflight, so
//! refusing the rest keeps forged cross-site posts from reaching a resolver,
//! and a client that forgot the header is told what to send.

use actix_web::{HttpMessage, HttpRequest, HttpResponse, mime};
use serde_json::json;

use crate::error::AppError;

/// HTTP 415 with a GraphQL-style error body, unless the body is declared
/// `application/json` (parameters such as `charset` are allowed).
pub fn refusal(req: &HttpRequest) -> Option<HttpResponse> {
    let declared = req.mime_type().ok().flatten();
    if declared.is_some_and(|m| m.type_() == mime::APPLICATION && m.subtype() == mime::JSON) {
        return None;
    }
    let err = AppError::BadUserInput {
        field: None,
        message: "send the GraphQL request as JSON, with `Content-Type: application/json`".into(),
    };
    Some(HttpResponse::UnsupportedMediaType().json(json!({
        "data": null,
        "errors": [{ "message": err.to_string(), "extensions": { "code": err.code() } }],
    })))
}
