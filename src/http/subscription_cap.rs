//! How many operations one websocket may have running at once. Each holds a
//! stream open on the server, so a connection may run at most
//! `MAX_SUBSCRIPTIONS`; the next `subscribe` is answered with the protocol's
//! `error` message for its id, and the connection and its other
//! subscriptions carry on.

use std::collections::HashSet;

use async_graphql::http::WebSocketProtocols;
use serde::Deserialize;
use serde_json::json;

/// Far more than one screen follows; few enough that one socket cannot
/// hold the server's feed open many times over.
pub const MAX_SUBSCRIPTIONS: usize = 20;

/// The fields of a protocol message that say what it starts or ends.
#[derive(Deserialize)]
struct Envelope {
    #[serde(rename = "type")]
    kind: String,
    id: Option<String>,
}

/// The ids of the operations running on one connection.
#[derive(Debug, Default)]
pub struct Running {
    ids: HashSet<String>,
}

impl Running {
    /// The refusal to send instead of passing the client's `message` on,
    /// when it would start one operation too many.
    pub fn admit(&mut self, message: &[u8], protocol: WebSocketProtocols) -> Option<String> {
        let envelope: Envelope = serde_json::from_slice(message).ok()?;
        // `subscribe` in graphql-transport-ws, `start` in graphql-ws.
        if !matches!(envelope.kind.as_str(), "subscribe" | "start") {
            return None;
        }
        let id = envelope.id?;
        // The same id again replaces the running operation.
        if self.ids.contains(&id) || self.ids.len() < MAX_SUBSCRIPTIONS {
            self.ids.insert(id);
            return None;
        }
        let error = json!({
            "message": format!(
                "at most {MAX_SUBSCRIPTIONS} subscriptions may run on one connection; complete one before starting another"
            ),
            "extensions": { "code": "BAD_USER_INPUT", "limit": MAX_SUBSCRIPTIONS },
        });
        let payload = match protocol {
            WebSocketProtocols::GraphQLWS => json!([error]),
            WebSocketProtocols::SubscriptionsTransportWS => error,
        };
        Some(json!({ "type": "error", "id": id, "payload": payload }).to_string())
    }

    /// Notes the server's `message` to the client: `complete` ends an
    /// operation, whether it ran out or the client stopped it.
    pub fn sent(&mut self, message: &str) {
        if let Ok(Envelope { kind, id: Some(id) }) = serde_json::from_str(message)
            && kind == "complete"
        {
            self.ids.remove(&id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn subscribe(id: usize) -> Vec<u8> {
        json!({ "type": "subscribe", "id": id.to_string(), "payload": { "query": "subscription { caseUpdates { seq } }" } })
            .to_string()
            .into_bytes()
    }

    #[test]
    fn the_operation_past_the_limit_is_refused_until_one_completes() {
        let mut running = Running::default();
        let protocol = WebSocketProtocols::GraphQLWS;
        for id in 0..MAX_SUBSCRIPTIONS {
            assert_eq!(running.admit(&subscribe(id), protocol), None);
        }
        assert_eq!(
            running.admit(&subscribe(0), protocol),
            None,
            "a repeated id replaces"
        );
        let refusal = running
            .admit(&subscribe(MAX_SUBSCRIPTIONS), protocol)
            .unwrap();
        let refusal: serde_json::Value = serde_json::from_str(&refusal).unwrap();
        assert_eq!(refusal["type"], "error");
        assert_eq!(refusal["id"], MAX_SUBSCRIPTIONS.to_string());
        assert_eq!(
            refusal["payload"][0]["extensions"]["limit"],
            MAX_SUBSCRIPTIONS
        );

        running.sent(r#"{"type":"next","id":"3","payload":{"data":null}}"#);
        assert!(
            running
                .admit(&subscribe(MAX_SUBSCRIPTIONS), protocol)
                .is_some()
        );
        running.sent(r#"{"type":"complete","id":"3"}"#);
        assert_eq!(running.admit(&subscribe(MAX_SUBSCRIPTIONS), protocol), None);
    }

    #[test]
    fn the_older_protocol_gets_its_own_error_shape() {
        let mut running = Running::default();
        let protocol = WebSocketProtocols::SubscriptionsTransportWS;
        let start = |id: usize| {
            json!({ "type": "start", "id": id.to_string(), "payload": { "query": "{ me { subject } }" } })
                .to_string()
                .into_bytes()
        };
        for id in 0..MAX_SUBSCRIPTIONS {
            assert_eq!(running.admit(&start(id), protocol), None);
        }
        let refusal = running.admit(&start(MAX_SUBSCRIPTIONS), protocol).unwrap();
        let refusal: serde_json::Value = serde_json::from_str(&refusal).unwrap();
        assert_eq!(refusal["type"], "error");
        assert_eq!(refusal["payload"]["extensions"]["limit"], MAX_SUBSCRIPTIONS);
    }
}
