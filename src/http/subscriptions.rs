//! GraphQL subscriptions over websocket (`graphql-transport-ws`, and the
//! older `graphql-ws`) on `GET /graphql` with `Upgrade: websocket`. The
//! caller signs in with the `connection_init` payload,
//! `{"Authorization": "Bearer <jwt>"}` (or `authorization`, or `token`),
//! verified exactly as an HTTP request's header is; a bad token closes the
//! connection before any subscription starts.

use std::sync::Arc;

use actix_web::{HttpRequest, HttpResponse, web};
use async_graphql::Data;
use async_graphql_actix_web::GraphQLSubscription;
use serde_json::Value;

use crate::{auth, graphql::AppSchema, state::AppState};

pub async fn subscribe(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<Arc<AppState>>,
    schema: web::Data<AppSchema>,
) -> actix_web::Result<HttpResponse> {
    let state = state.get_ref().clone();
    GraphQLSubscription::new(schema.get_ref().clone())
        .on_connection_init(move |init| async move {
            let token = token(&init).ok_or_else(|| {
                async_graphql::Error::new(
                    "UNAUTHENTICATED: send {\"Authorization\": \"Bearer <token>\"} in connection_init",
                )
            })?;
            let actor = auth::authenticate(&state.verifier, &state.councils, &token)
                .map_err(|err| async_graphql::Error::new(format!("{}: {err}", err.code())))?;
            let mut data = Data::default();
            data.insert(actor);
            Ok(data)
        })
        .start(&req, payload)
}

/// The bearer token of a `connection_init` payload.
fn token(init: &Value) -> Option<String> {
    let raw = ["Authorization", "authorization", "token"]
        .iter()
        .find_map(|key| init.get(key).and_then(Value::as_str))?;
    let raw = raw.trim();
    let token = match raw.split_once(char::is_whitespace) {
        Some((scheme, rest)) if scheme.eq_ignore_ascii_case("bearer") => rest.trim(),
        None if raw.eq_ignore_ascii_case("bearer") => "",
        _ => raw,
    };
    (!token.is_empty()).then(|| token.to_owned())
}

#[cfg(test)]
mod tests {
    use super::token;
    use serde_json::json;

    #[test]
    fn the_token_comes_from_any_of_the_accepted_keys() {
        for init in [
            json!({ "Authorization": "Bearer abc" }),
            json!({ "authorization": "bearer abc" }),
            json!({ "token": "abc" }),
        ] {
            assert_eq!(token(&init).as_deref(), Some("abc"), "{init}");
        }
        assert_eq!(token(&json!({})), None);
        assert_eq!(token(&json!({ "Authorization": "Bearer " })), None);
    }
}
