//! GraphQL subscriptions over websocket (`graphql-transport-ws`, and the
//! older `graphql-ws`) on `GET /graphql` with `Upgrade: websocket`. The
//! caller signs in with the `connection_init` payload,
//! `{"Authorization": "Bearer <jwt>"}` (or `authorization`, or `token`),
//! verified exactly as an HTTP request's header is; a bad token closes the
//! connection before any subscription starts.

//!
//! A socket that has not signed in within the configured time is closed
//! with 4408, and a signed-in socket is closed with 4401 when its token
//! expires. A message larger than the request body limit closes it too.
//! One connection runs at most `MAX_SUBSCRIPTIONS` operations at once.

use std::{
    str::FromStr,
    sync::Arc,
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use actix_web::{HttpRequest, HttpResponse, web};
use actix_ws::{AggregatedMessage, CloseCode, CloseReason, Session};
use async_graphql::{
    Data,
    http::{ALL_WEBSOCKET_PROTOCOLS, WebSocket, WebSocketProtocols, WsMessage},
};
use futures_util::StreamExt;
use serde_json::Value;
use tokio::{
    sync::{mpsc, oneshot},
    time::Instant,
};

use super::subscription_cap::Running;
use crate::{
    auth,
    graphql::{Api, AppSchema},
    state::AppState,
};

/// A client that answers nothing, not even our pings, for this long is gone.
const HEARTBEAT: Duration = Duration::from_secs(5);
const CLIENT_TIMEOUT: Duration = Duration::from_secs(10);

/// Close codes of `graphql-transport-ws`.
const UNAUTHORIZED: u16 = 4401;
const INIT_TIMEOUT: u16 = 4408;

/// How long a socket may stay open before `connection_init`, and the
/// largest message it may send.
#[derive(Debug, Clone, Copy)]
pub struct SocketLimits {
    pub init_timeout: Duration,
    pub max_message_bytes: usize,
}

pub async fn subscribe(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<Arc<AppState>>,
    api: web::Data<Api>,
    limits: web::Data<SocketLimits>,
) -> actix_web::Result<HttpResponse> {
    let protocol = req
        .headers()
        .get("sec-websocket-protocol")
        .and_then(|value| value.to_str().ok())
        .and_then(|offered| {
            offered
                .split(',')
                .find_map(|p| WebSocketProtocols::from_str(p.trim()).ok())
        })
        .ok_or_else(|| {
            actix_web::error::ErrorBadRequest(
                "offer the graphql-transport-ws (or graphql-ws) subprotocol",
            )
        })?;
    let (response, session, messages) =
        actix_ws::handle_with_protocols(&req, payload, &ALL_WEBSOCKET_PROTOCOLS)?;
    let messages = messages
        .max_frame_size(limits.max_message_bytes)
        .aggregate_continuations()
        .max_continuation_size(limits.max_message_bytes);
    actix_web::rt::spawn(serve(
        api.schema.clone(),
        state.get_ref().clone(),
        protocol,
        session,
        messages,
        *limits.get_ref(),
    ));
    Ok(response)
}

/// Relays messages between the socket and the GraphQL protocol until either
/// side ends, the client falls silent, or sign-in or the token runs out.
async fn serve(
    schema: AppSchema,
    state: Arc<AppState>,
    protocol: WebSocketProtocols,
    mut session: Session,
    mut messages: actix_ws::AggregatedMessageStream,
    limits: SocketLimits,
) {
    let mut running = Running::default();
    let (expiry_tx, mut expiry_rx) = oneshot::channel::<u64>();
    let (to_graphql, from_client) = mpsc::unbounded_channel::<Vec<u8>>();
    let incoming = futures_util::stream::unfold(from_client, |mut rx| async move {
        rx.recv().await.map(|message| (message, rx))
    });
    let mut graphql = Box::pin(WebSocket::new(schema, incoming, protocol).on_connection_init(
        move |init| async move {
            let token = token(&init).ok_or_else(|| {
                async_graphql::Error::new(
                    "UNAUTHENTICATED: send {\"Authorization\": \"Bearer <token>\"} in connection_init",
                )
            })?;
            let (actor, exp) = auth::authenticate_until(&state.verifier, &state.councils, &token)
                .map_err(|err| async_graphql::Error::new(format!("{}: {err}", err.code())))?;
            let _ = expiry_tx.send(exp);
            let mut data = Data::default();
            data.insert(actor);
            Ok(data)
        },
    ));

    let deadline = tokio::time::sleep(limits.init_timeout);
    tokio::pin!(deadline);
    let mut signed_in = false;
    let mut heartbeat = tokio::time::interval(HEARTBEAT);
    let mut last_heard = Instant::now();
    let close = loop {
        tokio::select! {
            exp = &mut expiry_rx, if !signed_in => {
                signed_in = true;
                // A refused sign-in drops the sender; the protocol closes the socket itself.
                if let Ok(exp) = exp {
                    deadline.as_mut().reset(instant_of(exp));
                }
            }
            () = &mut deadline => {
                break Some(if signed_in {
                    reason(UNAUTHORIZED, "UNAUTHENTICATED: the token has expired; sign in again")
                } else {
                    reason(INIT_TIMEOUT, "connection_init was not sent in time")
                });
            }
            message = messages.recv() => {
                last_heard = Instant::now();
                let bytes = match message {
                    Some(Ok(AggregatedMessage::Text(text))) => text.into_bytes().to_vec(),
                    Some(Ok(AggregatedMessage::Binary(bytes))) => bytes.to_vec(),
                    Some(Ok(AggregatedMessage::Ping(bytes))) => {
                        if session.pong(&bytes).await.is_err() {
                            return;
                        }
                        continue;
                    }
                    Some(Ok(AggregatedMessage::Pong(_))) => continue,
                    Some(Ok(AggregatedMessage::Close(reason))) => break reason,
                    Some(Err(err)) => {
                        break Some(CloseReason {
                            code: CloseCode::Policy,
                            description: Some(err.to_string()),
                        });
                    }
                    None => return,
                };
                match running.admit(&bytes, protocol) {
                    Some(refusal) => {
                        if session.text(refusal).await.is_err() {
                            return;
                        }
                    }
                    None => {
                        let _ = to_graphql.send(bytes);
                    }
                }
            }
            reply = graphql.next() => match reply {
                Some(WsMessage::Text(text)) => {
                    running.sent(&text);
                    if session.text(text).await.is_err() {
                        return;
                    }
                }
                Some(WsMessage::Close(code, message)) => break Some(reason(code, &message)),
                None => break None,
            },
            _ = heartbeat.tick() => {
                if last_heard.elapsed() > CLIENT_TIMEOUT {
                    break None;
                }
                if session.ping(b"").await.is_err() {
                    return;
                }
            }
        }
    };
    let _ = session.close(close).await;
}

fn reason(code: u16, message: &str) -> CloseReason {
    CloseReason {
        code: code.into(),
        description: Some(message.to_owned()),
    }
}

/// The monotonic instant of a token's `exp`, read against the wall clock
/// the token was verified with.
fn instant_of(exp: u64) -> Instant {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    Instant::now() + Duration::from_secs(exp).saturating_sub(now)
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
