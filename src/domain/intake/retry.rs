//! Retry-safe intake. A client whose answer was lost (the server killed, the
//! connection dropped, a timeout) cannot know whether its contact was
//! stored. Sent again with the same idempotency key and the same input, it
//! gets the case already created: no second case, event, deadline or
//! reference number. The same key with a different input is refused.
//!
//! A key belongs to one council and one caller (the token's subject), so no
//! caller can learn of or collide with another's cases. Only a hash of the
//! input is kept, for `WINDOW`; after that the key may name a new contact.

use chrono::{DateTime, Duration, Utc};
use entity::{case, intake_key};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter,
    sea_query::{Alias, Expr, ExprTrait, OnConflict, Query},
};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::{
    domain::{
        intake::contact::ContactDraft,
        text::{IDEMPOTENCY_KEY_MAX_CHARS, token},
    },
    error::{AppError, Result},
};

/// How long a key is remembered. Clients retry within seconds (an outage
/// answers `Retry-After: 2`), but a portal page left open or a batch of
/// scanned letters may be sent again the next working morning; a day covers
/// that, and a key reused after it is taken for a new contact.
pub const WINDOW: Duration = Duration::hours(24);

/// The argument's name, for errors about it.
const FIELD: &str = "idempotencyKey";

/// A caller's idempotency key and the hash of what they sent with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IntakeKey {
    pub key: String,
    pub input_hash: String,
}

impl IntakeKey {
    /// Checks the key, if one was sent, and hashes the input as the caller
    /// sent it (before the server fills in its clock or channel), so the
    /// same request always has the same hash.
    pub fn new(key: Option<String>, draft: &ContactDraft) -> Result<Option<Self>> {
        let Some(key) = key else {
            return Ok(None);
        };
        let key = token(FIELD, key, IDEMPOTENCY_KEY_MAX_CHARS)?;
        let input = serde_json::to_vec(draft)
            .map_err(|e| AppError::Internal(anyhow::Error::new(e).context("hashing a contact")))?;
        Ok(Some(Self {
            key,
            input_hash: hex::encode(Sha256::digest(&input)),
        }))
    }

    /// The row that claims this key for `case_id`.
    pub fn row(
        &self,
        council_id: Uuid,
        caller: &str,
        case_id: Uuid,
        now: DateTime<Utc>,
    ) -> intake_key::Model {
        intake_key::Model {
            council_id,
            caller: caller.to_owned(),
            idempotency_key: self.key.clone(),
            input_hash: self.input_hash.clone(),
            case_id,
            created_at: now,
            expires_at: now + WINDOW,
        }
    }
}

/// The case this caller already logged with this key, while the key is
/// remembered; `None` when the key is new (or forgotten). The same key with
/// another input is BAD_USER_INPUT on `idempotencyKey`.
pub async fn replay(
    db: &impl ConnectionTrait,
    council_id: Uuid,
    caller: &str,
    key: &IntakeKey,
    now: DateTime<Utc>,
) -> Result<Option<case::Model>> {
    let Some(used) = intake_key::Entity::find()
        .filter(intake_key::Column::CouncilId.eq(council_id))
        .filter(intake_key::Column::Caller.eq(caller))
        .filter(intake_key::Column::IdempotencyKey.eq(key.key.clone()))
        .filter(intake_key::Column::ExpiresAt.gt(now))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    if used.input_hash != key.input_hash {
        return Err(AppError::bad_input(
            FIELD,
            format!(
                "this idempotencyKey was used in the last {} hours for a different contact; \
                 send a new key with a new contact",
                WINDOW.num_hours()
            ),
        ));
    }
    let case = case::Entity::find_by_id(used.case_id)
        .filter(case::Column::CouncilId.eq(council_id))
        .one(db)
        .await?
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("an intake key names no case")))?;
    Ok(Some(case))
}

/// Deletes keys past their window, which no replay or claim can match any
/// more. Run by the deadline sweeper, so the table holds about a day of
/// keyed contacts rather than every one ever sent.
pub async fn forget_expired(db: &impl ConnectionTrait, now: DateTime<Utc>) -> Result<u64> {
    let deleted = intake_key::Entity::delete_many()
        .filter(intake_key::Column::ExpiresAt.lte(now))
        .exec(db)
        .await?;
    Ok(deleted.rows_affected)
}

/// Claims keys inside the intake transaction, before any number is taken.
/// A key that is free, or whose holder has expired, is claimed; one that
/// another intake holds (committed, or committing: PostgreSQL waits for it)
/// is left as it is. Returns, in `rows`' order, whether each was claimed.
/// `rows` must not repeat a key.
pub async fn claim(
    txn: &impl ConnectionTrait,
    rows: &[&intake_key::Model],
) -> std::result::Result<Vec<bool>, DbErr> {
    use intake_key::Column;
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let mut insert = Query::insert();
    insert.into_table(intake_key::Entity).columns([
        Column::CouncilId,
        Column::Caller,
        Column::IdempotencyKey,
        Column::InputHash,
        Column::CaseId,
        Column::CreatedAt,
        Column::ExpiresAt,
    ]);
    // In one order everywhere: two servers claiming the same keys at once
    // then wait on each other in turn, never in a cycle.
    let mut ordered = rows.to_vec();
    ordered.sort_by(|a, b| {
        (a.council_id, &a.caller, &a.idempotency_key).cmp(&(
            b.council_id,
            &b.caller,
            &b.idempotency_key,
        ))
    });
    for row in ordered {
        insert.values_panic([
            row.council_id.into(),
            row.caller.clone().into(),
            row.idempotency_key.clone().into(),
            row.input_hash.clone().into(),
            row.case_id.into(),
            row.created_at.into(),
            row.expires_at.into(),
        ]);
    }
    insert
        .on_conflict(
            OnConflict::columns([Column::CouncilId, Column::Caller, Column::IdempotencyKey])
                .update_columns([
                    Column::InputHash,
                    Column::CaseId,
                    Column::CreatedAt,
                    Column::ExpiresAt,
                ])
                .action_and_where(
                    Expr::col((intake_key::Entity, Column::ExpiresAt))
                        .lte(Expr::col((Alias::new("excluded"), Column::CreatedAt))),
                )
                .to_owned(),
        )
        .returning_col(Column::CaseId);
    let claimed: Vec<Uuid> = txn
        .query_all(&insert)
        .await?
        .iter()
        .map(|row| row.try_get("", "case_id"))
        .collect::<std::result::Result<_, _>>()?;
    Ok(rows.iter().map(|r| claimed.contains(&r.case_id)).collect())
}

#[cfg(test)]
mod tests {
    use entity::enums::{Channel, ContactKind};

    use super::*;
    use crate::domain::intake::contact::{ContactFlags, ScopeHints};

    fn draft(subject: &str) -> ContactDraft {
        ContactDraft {
            kind: ContactKind::Complaint,
            channel: Some(Channel::Email),
            received_at: None,
            subject: subject.into(),
            description: "Not collected".into(),
            service: None,
            desired_outcome: None,
            anonymous: false,
            customer: None,
            via_councillor: None,
            respond_to_councillor: None,
            flags: ContactFlags::default(),
            scope: ScopeHints::default(),
        }
    }

    #[test]
    fn the_same_input_has_the_same_hash_and_another_input_another() {
        let key = || Some("k-1".to_owned());
        let first = IntakeKey::new(key(), &draft("Missed bin"))
            .unwrap()
            .unwrap();
        let again = IntakeKey::new(key(), &draft("Missed bin"))
            .unwrap()
            .unwrap();
        let other = IntakeKey::new(key(), &draft("Missed bins"))
            .unwrap()
            .unwrap();
        assert_eq!(first, again);
        assert_ne!(first.input_hash, other.input_hash);
        assert_eq!(first.input_hash.len(), 64);
        assert!(IntakeKey::new(None, &draft("x")).unwrap().is_none());
    }

    #[test]
    fn a_key_is_one_to_128_characters() {
        let field = |key: String| match IntakeKey::new(Some(key), &draft("x")) {
            Err(AppError::BadUserInput { field, .. }) => field,
            other => panic!("expected BAD_USER_INPUT, got {other:?}"),
        };
        assert_eq!(field(String::new()), Some(FIELD));
        assert_eq!(field("k".repeat(129)), Some(FIELD));
        assert!(IntakeKey::new(Some("k".repeat(128)), &draft("x")).is_ok());
    }
}
