//! Writing the deadlines a council's policy computed for a case, and what
//! "missed" means for them.

use chrono::{DateTime, NaiveDate, Utc};
use entity::{
    deadline,
    enums::{CaseStatus, DeadlineKind},
};
use sea_orm::{
    ActiveEnum, ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel,
    Iterable, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, QueryTrait, UpdateMany,
    sea_query::Expr,
};
use uuid::Uuid;

use crate::{domain::time::local_date, error::Result, policy::DeadlineSpec};

/// Whether the council missed this deadline, as of `today` (Europe/London).
///
/// Only the council's duties can be missed (the customer's escalation
/// window never is). A deadline is missed when it was met after its date,
/// stopped running (extended, closed, moved on) after its date, or is still
/// open after it. A breach the sweeper recorded is permanent: nothing done
/// later (an extension, closing, reopening, a backdated answer) unmakes it.
/// The sweeper finds the open ones with [`missed_while_open_sql`].
pub fn missed(d: &deadline::Model, today: NaiveDate) -> bool {
    if !d.kind.is_council_duty() {
        return false;
    }
    if breach_recorded_at(d).is_some() {
        return true;
    }
    match (d.met_at, d.superseded_at) {
        (Some(met), _) => local_date(met) > d.due,
        (None, Some(ended)) => local_date(ended) > d.due,
        (None, None) => today > d.due,
    }
}

/// When the sweeper recorded this deadline as missed. A holding response's
/// mark means "reported as due" instead, so it has none.
pub fn breach_recorded_at(d: &deadline::Model) -> Option<DateTime<Utc>> {
    d.breach_recorded_at
        .filter(|_| d.kind != DeadlineKind::HoldingResponse)
}

/// [`missed`] for a deadline still open (not met, not superseded), as SQL
/// over the deadlines table named `alias`, with `today` the placeholder of
/// the local date.
pub fn missed_while_open_sql(alias: &str, today: &str) -> String {
    let duties = DeadlineKind::iter()
        .filter(|k| k.is_council_duty())
        .map(|k| format!("'{}'", k.to_value()))
        .collect::<Vec<_>>()
        .join(", ");
    format!("({alias}.kind IN ({duties}) AND {alias}.due < {today})")
}

/// Stores `specs` as open deadlines of the case, each recording the policy
/// version that computed it; one statement for all of them.
pub async fn insert(
    txn: &impl ConnectionTrait,
    council_id: Uuid,
    case_id: Uuid,
    policy_version: i32,
    specs: &[DeadlineSpec],
    now: DateTime<Utc>,
) -> Result<()> {
    if specs.is_empty() {
        return Ok(());
    }
    // Closing keeps the customer's window open, so a reopened case answered
    // again would otherwise hold two: the new answer's window replaces it.
    if specs.iter().any(|s| s.kind == DeadlineKind::Escalate) {
        supersede(txn, case_id, &[DeadlineKind::Escalate], now).await?;
    }
    let rows = rows(council_id, case_id, policy_version, specs, now)
        .into_iter()
        .map(|row| row.into_active_model().reset_all());
    txn.execute(&deadline::Entity::insert_many(rows).into_query())
        .await?;
    Ok(())
}

/// `specs` as the open deadline rows of the case.
pub fn rows(
    council_id: Uuid,
    case_id: Uuid,
    policy_version: i32,
    specs: &[DeadlineSpec],
    now: DateTime<Utc>,
) -> Vec<deadline::Model> {
    specs
        .iter()
        .map(|spec| deadline::Model {
            id: Uuid::now_v7(),
            council_id,
            case_id,
            stage: spec.stage,
            kind: spec.kind,
            due: spec.due,
            met_at: None,
            breach_recorded_at: None,
            superseded_at: None,
            extended_to: None,
            policy_version,
            explanation: spec.explanation.clone(),
            created_at: now,
        })
        .collect()
}

/// Marks the case's open deadlines of these kinds as met at `at`.
pub async fn meet(
    txn: &impl ConnectionTrait,
    case_id: Uuid,
    kinds: &[DeadlineKind],
    at: DateTime<Utc>,
) -> Result<u64> {
    Ok(open_of(deadline::Entity::update_many(), case_id, kinds)
        .col_expr(deadline::Column::MetAt, Expr::value(at))
        .exec(txn)
        .await?
        .rows_affected)
}

/// Retires the case's open deadlines of these kinds (all kinds when empty):
/// replaced by an extension, or no longer applying because the case moved
/// on. The row stays, so the history shows what the date was.
pub async fn supersede(
    txn: &impl ConnectionTrait,
    case_id: Uuid,
    kinds: &[DeadlineKind],
    now: DateTime<Utc>,
) -> Result<u64> {
    Ok(open_of(deadline::Entity::update_many(), case_id, kinds)
        .col_expr(deadline::Column::SupersededAt, Expr::value(now))
        .exec(txn)
        .await?
        .rows_affected)
}

/// Replaces the case's open deadline of `kind` by an extension to `to`; the
/// old row keeps the new date beside its own.
pub async fn extend(
    txn: &impl ConnectionTrait,
    case_id: Uuid,
    kind: DeadlineKind,
    to: NaiveDate,
    now: DateTime<Utc>,
) -> Result<u64> {
    Ok(open_of(deadline::Entity::update_many(), case_id, &[kind])
        .col_expr(deadline::Column::SupersededAt, Expr::value(now))
        .col_expr(deadline::Column::ExtendedTo, Expr::value(to))
        .exec(txn)
        .await?
        .rows_affected)
}

/// Retires the clocks of a case that has just finished. A closed case keeps
/// the customer's escalation window: closing after the response does not
/// take away the right to ask for the next stage. Withdrawn, out of scope
/// or converted, nothing is owed any more.
pub async fn retire_on_finish(
    txn: &impl ConnectionTrait,
    case_id: Uuid,
    status: CaseStatus,
    at: DateTime<Utc>,
) -> Result<u64> {
    let kinds: Vec<DeadlineKind> = if status == CaseStatus::Closed {
        DeadlineKind::iter()
            .filter(|k| k.is_council_duty())
            .collect()
    } else {
        Vec::new()
    };
    supersede(txn, case_id, &kinds, at).await
}

/// How many of the case's deadlines of these kinds are open: what `meet`
/// would meet now.
pub async fn count_open(
    db: &impl ConnectionTrait,
    case_id: Uuid,
    kinds: &[DeadlineKind],
) -> Result<u64> {
    Ok(deadline::Entity::find()
        .filter(deadline::Column::CaseId.eq(case_id))
        .filter(deadline::Column::MetAt.is_null())
        .filter(deadline::Column::SupersededAt.is_null())
        .filter(deadline::Column::Kind.is_in(kinds.iter().copied()))
        .count(db)
        .await?)
}

fn open_of(
    update: UpdateMany<deadline::Entity>,
    case_id: Uuid,
    kinds: &[DeadlineKind],
) -> UpdateMany<deadline::Entity> {
    let update = update
        .filter(deadline::Column::CaseId.eq(case_id))
        .filter(deadline::Column::MetAt.is_null())
        .filter(deadline::Column::SupersededAt.is_null());
    if kinds.is_empty() {
        update
    } else {
        update.filter(deadline::Column::Kind.is_in(kinds.iter().copied()))
    }
}

/// The case's open deadline of one kind (the latest, should there be two).
pub async fn open(
    db: &impl ConnectionTrait,
    case_id: Uuid,
    kind: DeadlineKind,
) -> Result<Option<deadline::Model>> {
    Ok(deadline::Entity::find()
        .filter(deadline::Column::CaseId.eq(case_id))
        .filter(deadline::Column::Kind.eq(kind))
        .filter(deadline::Column::MetAt.is_null())
        .filter(deadline::Column::SupersededAt.is_null())
        .order_by_desc(deadline::Column::Due)
        .one(db)
        .await?)
}

/// The earliest open date the council must meet: what `cases.next_due`
/// holds for queues and the overdue filter. A subquery, so the case's own
/// update sets it.
pub fn next_due_expr(case_id: Uuid) -> Expr {
    let duties: Vec<DeadlineKind> = DeadlineKind::iter()
        .filter(|k| k.is_council_duty())
        .collect();
    let earliest = deadline::Entity::find()
        .select_only()
        .column_as(deadline::Column::Due.min(), "due")
        .filter(deadline::Column::CaseId.eq(case_id))
        .filter(deadline::Column::MetAt.is_null())
        .filter(deadline::Column::SupersededAt.is_null())
        .filter(deadline::Column::Kind.is_in(duties))
        .into_query();
    Expr::SubQuery(None, Box::new(earliest.into()))
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn at(day: &str) -> DateTime<Utc> {
        let date: NaiveDate = day.parse().unwrap();
        Utc.from_utc_datetime(&date.and_hms_opt(12, 0, 0).unwrap())
    }

    fn due(kind: DeadlineKind, on: &str) -> deadline::Model {
        deadline::Model {
            id: Uuid::nil(),
            council_id: Uuid::nil(),
            case_id: Uuid::nil(),
            stage: None,
            kind,
            due: on.parse().unwrap(),
            met_at: None,
            breach_recorded_at: None,
            superseded_at: None,
            extended_to: None,
            policy_version: 1,
            explanation: String::new(),
            created_at: at("2026-11-20"),
        }
    }

    #[test]
    fn a_deadline_is_missed_when_it_ran_past_its_date() {
        let today: NaiveDate = "2026-12-20".parse().unwrap();
        let open = due(DeadlineKind::Respond, "2026-12-11");
        assert!(missed(&open, today));
        assert!(
            !missed(&open, "2026-12-11".parse().unwrap()),
            "due today is not yet missed"
        );
        let met_in_time = deadline::Model {
            met_at: Some(at("2026-12-11")),
            ..open.clone()
        };
        assert!(!missed(&met_in_time, today));
        let met_late = deadline::Model {
            met_at: Some(at("2026-12-12")),
            ..open.clone()
        };
        assert!(missed(&met_late, today));
        let extended_in_time = deadline::Model {
            superseded_at: Some(at("2026-12-10")),
            extended_to: Some("2027-01-10".parse().unwrap()),
            ..open.clone()
        };
        assert!(!missed(&extended_in_time, today));
        let extended_late = deadline::Model {
            superseded_at: Some(at("2026-12-14")),
            ..open.clone()
        };
        assert!(missed(&extended_late, today));
    }

    #[test]
    fn a_recorded_breach_stays_missed_and_only_the_councils_duties_can_be_missed() {
        let today: NaiveDate = "2026-12-20".parse().unwrap();
        // Recorded, then answered with a backdated time before the date.
        let recorded = deadline::Model {
            breach_recorded_at: Some(at("2026-12-12")),
            met_at: Some(at("2026-12-10")),
            ..due(DeadlineKind::Respond, "2026-12-11")
        };
        assert!(missed(&recorded, today));
        assert_eq!(breach_recorded_at(&recorded), Some(at("2026-12-12")));
        let window = due(DeadlineKind::Escalate, "2026-12-01");
        assert!(!missed(&window, today));
        // A holding response's mark means "reported as due", not missed.
        let reported = deadline::Model {
            breach_recorded_at: Some(at("2026-12-11")),
            met_at: Some(at("2026-12-11")),
            ..due(DeadlineKind::HoldingResponse, "2026-12-11")
        };
        assert!(!missed(&reported, today));
        assert_eq!(breach_recorded_at(&reported), None);
    }

    #[test]
    fn the_sweepers_sql_names_every_duty_and_not_the_window() {
        let sql = missed_while_open_sql("d", "$2");
        assert!(
            sql.contains("'respond'") && sql.contains("'acknowledge'"),
            "{sql}"
        );
        assert!(!sql.contains("'escalate'"), "{sql}");
        assert!(sql.ends_with("AND d.due < $2)"), "{sql}");
    }
}
