//! Holding responses for the cases whose `respond` deadline the current
//! sweep batch found missed: the council's policy says when one is due
//! (`holding_response` hook), and that deadline is stored unless one is
//! already open.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, NaiveDate, Utc};
use entity::{deadline, enums::DeadlineKind};
use sea_orm::{
    ActiveModelTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, FromQueryResult,
    IntoActiveModel, Statement,
};
use uuid::Uuid;

use crate::{
    councils::Council,
    domain::cases::view::CaseView,
    error::Result,
    policy::{
        DeadlineSpec,
        hooks::{DeadlineOut, DueOut},
    },
    state::AppState,
};

/// Rows per insert statement, well under both backends' parameter limits.
const ROWS_PER_INSERT: usize = 2_000;

/// A case of the batch, as the policy sees it, and whether it already waits
/// for a holding response.
#[derive(Debug, FromQueryResult)]
struct CaseRow {
    #[sea_orm(nested)]
    view: CaseView,
    holding_open: bool,
}

#[derive(Debug, FromQueryResult)]
struct LearningCount {
    case_id: Uuid,
    n: i64,
}

/// Stores the holding-response deadlines the policy sets for the batch's
/// missed `respond` deadlines; returns how many.
pub(super) async fn schedule(
    txn: &DatabaseTransaction,
    state: &AppState,
    council: &Council,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> Result<u64> {
    let Some(policy) = state.policies.get(council.id) else {
        return Ok(0);
    };
    let backend = txn.get_database_backend();
    let respond = "SELECT case_id FROM sweep_batch WHERE kind = 'respond'";
    // Whether a holding response is already open is asked per case, in the
    // select list: one index probe each, never a join planned on the stale
    // statistics of rows this very pass wrote.
    let mut seen = HashSet::new();
    let cases: Vec<CaseRow> = CaseRow::find_by_statement(Statement::from_string(
        backend,
        "SELECT c.id, c.kind, c.channel, c.received_at, c.service_id, c.anonymous, \
         c.discrimination, c.about_staff, c.multi_service, c.via_councillor, c.stage, \
         c.status, c.stage_started_at, c.acknowledged_at, c.responded_at, c.last_update_at, \
         EXISTS (SELECT 1 FROM deadlines h WHERE h.case_id = c.id \
           AND h.kind = 'holding_response' AND h.met_at IS NULL \
           AND h.superseded_at IS NULL) AS holding_open \
         FROM sweep_batch t JOIN cases c ON c.id = t.case_id WHERE t.kind = 'respond'",
    ))
    .all(txn)
    .await?
    .into_iter()
    .filter(|c| !c.holding_open && seen.insert(c.view.id))
    .collect();
    if cases.is_empty() {
        return Ok(0);
    }
    let learning: HashMap<Uuid, i64> = LearningCount::find_by_statement(Statement::from_string(
        backend,
        format!(
            "SELECT case_id, COUNT(*) AS n FROM learning_points \
             WHERE case_id IN ({respond}) GROUP BY case_id"
        ),
    ))
    .all(txn)
    .await?
    .into_iter()
    .map(|row| (row.case_id, row.n))
    .collect();
    // A hook is a pure function of the facts it is given, and many cases
    // share theirs (same kind, stage and dates): ask once per distinct view,
    // all in one call on the policy threads.
    let mut asks = Vec::new();
    let mut keyed = Vec::with_capacity(cases.len());
    let mut asked = HashSet::new();
    for case in cases {
        let learning_points = learning.get(&case.view.id).copied().unwrap_or(0);
        let facts = case.view.facts(council, learning_points, today);
        let key = format!("{facts:?}");
        if asked.insert(key.clone()) {
            asks.push((key.clone(), facts.to_map(), facts.contact.received));
        }
        keyed.push((case, key));
    }
    let answered = state
        .policy_runner
        .run(council.id, policy.clone(), move |p| {
            asks.into_iter()
                .map(|(key, case, received)| (key, p.holding_response(case, received)))
                .collect::<Vec<_>>()
        })
        .await?;
    let mut answers: HashMap<String, Option<DueOut>> = HashMap::new();
    let mut failures = 0usize;
    for (key, answer) in answered {
        let answer = match answer {
            Ok(answer) => answer,
            Err(problem) => {
                failures += 1;
                if failures == 1 {
                    tracing::warn!(
                        council = %council.slug,
                        version = policy.version,
                        %problem,
                        "the holding_response hook failed; no holding response is scheduled for the affected cases"
                    );
                }
                None
            }
        };
        answers.insert(key, answer);
    }
    let mut rows = Vec::new();
    for (case, key) in keyed {
        let answer = answers.get(&key).cloned().flatten();
        let Some(due) = answer else { continue };
        let spec = DeadlineSpec::from_hook(
            DeadlineOut {
                kind: DeadlineKind::HoldingResponse,
                due: due.due,
                explanation: due.explanation,
            },
            case.view.stage,
            &council.slug,
            policy.version,
        );
        rows.push(
            deadline::Model {
                id: Uuid::now_v7(),
                council_id: council.id,
                case_id: case.view.id,
                stage: spec.stage,
                kind: spec.kind,
                due: spec.due,
                met_at: None,
                breach_recorded_at: None,
                superseded_at: None,
                extended_to: None,
                policy_version: policy.version,
                explanation: spec.explanation,
                created_at: now,
            }
            .into_active_model()
            .reset_all(),
        );
    }
    let scheduled = rows.len() as u64;
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<_> = rows.by_ref().take(ROWS_PER_INSERT).collect();
        deadline::Entity::insert_many(chunk)
            .exec_without_returning(txn)
            .await?;
    }
    if scheduled > 0 {
        // `next_due` is the earliest open duty: a holding response due
        // sooner than what the case already waits for moves it forward.
        txn.execute_raw(Statement::from_string(
            backend,
            format!(
                "UPDATE cases SET next_due = (SELECT MIN(h.due) FROM deadlines h \
                 WHERE h.case_id = cases.id AND h.kind = 'holding_response' \
                 AND h.met_at IS NULL AND h.superseded_at IS NULL) \
                 WHERE id IN ({respond}) AND (next_due IS NULL OR next_due > \
                 (SELECT MIN(h.due) FROM deadlines h WHERE h.case_id = cases.id \
                 AND h.kind = 'holding_response' AND h.met_at IS NULL \
                 AND h.superseded_at IS NULL))"
            ),
        ))
        .await?;
    }
    Ok(scheduled)
}
