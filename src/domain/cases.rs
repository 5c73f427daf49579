//! Reading cases: one case, or a filtered page of a council's cases, newest
//! first, always through the caller's `CaseScope`.

pub mod audience;
pub mod deadlines;
pub mod events;
pub mod queue;
pub mod remedies;
pub mod requirements;
pub mod row;
pub mod scope;
pub mod view;

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use entity::{
    case, case_requirement, deadline,
    enums::{CaseStatus, ContactKind, DeadlineKind, Stage},
    officer,
};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, FromQueryResult, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, QueryTrait, Select,
    sea_query::{Expr, ExprTrait, Func, Query, SubQueryStatement},
};
use uuid::Uuid;

use crate::{
    domain::cases::scope::CaseScope,
    error::{AppError, Result},
};

pub const DEFAULT_PAGE: u64 = 20;
pub const MAX_PAGE: u64 = 100;

pub async fn get(db: &impl ConnectionTrait, scope: &CaseScope, id: Uuid) -> Result<case::Model> {
    scope
        .cases()
        .filter(case::Column::Id.eq(id))
        .one(db)
        .await?
        .ok_or(AppError::NotFound("case"))
}

pub async fn by_reference(
    db: &impl ConnectionTrait,
    scope: &CaseScope,
    reference: &str,
) -> Result<case::Model> {
    crate::domain::text::plain("reference", reference)?;
    scope
        .cases()
        .filter(case::Column::Reference.eq(reference.trim().to_uppercase()))
        .one(db)
        .await?
        .ok_or(AppError::NotFound("case"))
}

#[derive(Debug, Clone, Default)]
pub struct CaseFilter {
    pub kinds: Vec<ContactKind>,
    pub stages: Vec<Stage>,
    pub statuses: Vec<CaseStatus>,
    /// The council's service, resolved from its slug (`Council::service_id`).
    pub service_id: Option<Uuid>,
    /// Only the caller's own cases (by their officer record).
    pub assigned_to_subject: Option<String>,
    pub received_from: Option<DateTime<Utc>>,
    pub received_to: Option<DateTime<Utc>>,
    /// `Some(true)`: open cases with a deadline before `today`;
    /// `Some(false)`: the rest.
    pub overdue: Option<bool>,
    pub awaiting_policy: Option<bool>,
}

/// Position in the newest-first order: (received_at, id), both descending.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cursor {
    pub received_at: DateTime<Utc>,
    pub id: Uuid,
}

pub struct Page {
    pub cases: Vec<Listed>,
    pub has_next_page: bool,
}

/// A case of a page, with the open due dates the list asked for.
pub struct Listed {
    pub case: case::Model,
    pub open_due: OpenDue,
}

/// A case's earliest open (not met, not superseded) due date of each kind a
/// list asked for, read with the page itself rather than from every
/// deadline row of it.
#[derive(Debug, Clone, Default)]
pub struct OpenDue(Vec<(DeadlineKind, Option<NaiveDate>)>);

impl OpenDue {
    /// `None` when this kind was not read with the page.
    pub fn of(&self, kind: DeadlineKind) -> Option<Option<NaiveDate>> {
        self.0.iter().find(|(k, _)| *k == kind).map(|(_, due)| *due)
    }
}

/// Whether a deadline still runs: neither met nor replaced.
pub fn is_open(d: &deadline::Model) -> bool {
    d.met_at.is_none() && d.superseded_at.is_none()
}

/// [`is_open`]'s earliest due date of `kind` for the case of the row around
/// it, as a scalar subquery.
fn open_due_sql(kind: DeadlineKind) -> Expr {
    let dates = Query::select()
        .expr(Func::min(Expr::col((
            deadline::Entity,
            deadline::Column::Due,
        ))))
        .from(deadline::Entity)
        .and_where(
            Expr::col((deadline::Entity, deadline::Column::CouncilId))
                .equals((case::Entity, case::Column::CouncilId)),
        )
        .and_where(
            Expr::col((deadline::Entity, deadline::Column::CaseId))
                .equals((case::Entity, case::Column::Id)),
        )
        .and_where(deadline::Column::Kind.eq(kind))
        .and_where(deadline::Column::MetAt.is_null())
        .and_where(deadline::Column::SupersededAt.is_null())
        .to_owned();
    Expr::from(SubQueryStatement::from(dates))
}

fn open_due_alias(kind: DeadlineKind) -> String {
    format!("open_due_{kind:?}")
}

/// The scoped, filtered query without paging, also used for counts.
pub async fn filtered(
    db: &impl ConnectionTrait,
    scope: &CaseScope,
    filter: &CaseFilter,
    today: NaiveDate,
) -> Result<Option<Select<case::Entity>>> {
    let mut query = scope.cases();
    if !filter.kinds.is_empty() {
        query = query.filter(case::Column::Kind.is_in(filter.kinds.clone()));
    }
    if !filter.stages.is_empty() {
        query = query.filter(case::Column::Stage.is_in(filter.stages.clone()));
    }
    if !filter.statuses.is_empty() {
        query = query.filter(case::Column::Status.is_in(filter.statuses.clone()));
    }
    if let Some(service_id) = filter.service_id {
        query = query.filter(case::Column::ServiceId.eq(service_id));
    }
    if let Some(subject) = &filter.assigned_to_subject {
        let me = officer::Entity::find()
            .filter(officer::Column::CouncilId.eq(scope.council_id))
            .filter(officer::Column::Subject.eq(subject.clone()))
            .one(db)
            .await?;
        match me {
            Some(me) => query = query.filter(case::Column::AssigneeId.eq(me.id)),
            // Someone never assigned anything has an empty queue.
            None => return Ok(None),
        }
    }
    if let Some(from) = filter.received_from {
        query = query.filter(case::Column::ReceivedAt.gte(from));
    }
    if let Some(to) = filter.received_to {
        query = query.filter(case::Column::ReceivedAt.lt(to));
    }
    if let Some(waiting) = filter.awaiting_policy {
        query = query.filter(case::Column::AwaitingPolicy.eq(waiting));
    }
    match filter.overdue {
        Some(true) => {
            query = query
                .filter(case::Column::Status.is_in(CaseStatus::open_values()))
                .filter(case::Column::NextDue.lt(today));
        }
        Some(false) => {
            query = query.filter(
                Condition::any()
                    .add(case::Column::Status.is_not_in(CaseStatus::open_values()))
                    .add(case::Column::NextDue.is_null())
                    .add(case::Column::NextDue.gte(today)),
            );
        }
        None => {}
    }
    Ok(Some(query))
}

/// A page of the filtered cases after `after`, newest first, each with its
/// open due date of every kind in `due_kinds`: one statement in all.
pub async fn list(
    db: &impl ConnectionTrait,
    scope: &CaseScope,
    filter: &CaseFilter,
    today: NaiveDate,
    first: u64,
    after: Option<Cursor>,
    due_kinds: &[DeadlineKind],
) -> Result<Page> {
    let Some(mut query) = filtered(db, scope, filter, today).await? else {
        return Ok(Page {
            cases: Vec::new(),
            has_next_page: false,
        });
    };
    if let Some(cursor) = after {
        query = query.filter(
            Condition::any()
                .add(case::Column::ReceivedAt.lt(cursor.received_at))
                .add(
                    Condition::all()
                        .add(case::Column::ReceivedAt.eq(cursor.received_at))
                        .add(case::Column::Id.lt(cursor.id)),
                ),
        );
    }
    for kind in due_kinds {
        query = query.column_as(open_due_sql(*kind), open_due_alias(*kind));
    }
    let rows = db
        .query_all(
            &query
                .order_by_desc(case::Column::ReceivedAt)
                .order_by_desc(case::Column::Id)
                .limit(first + 1)
                .into_query(),
        )
        .await?;
    let has_next_page = rows.len() as u64 > first;
    // The due dates asked for follow the case's own columns.
    let due_from = row::columns();
    let cases = rows
        .iter()
        .take(first as usize)
        .map(|row| {
            let open_due = due_kinds
                .iter()
                .enumerate()
                .map(|(i, kind)| Ok((*kind, row::optional(row, due_from + i)?)))
                .collect::<std::result::Result<_, sea_orm::DbErr>>()?;
            let case = row::case_at(row)?;
            // Every test that lists cases checks the positions against the names.
            debug_assert_eq!(
                Some(&case),
                case::Model::from_query_result(row, "").ok().as_ref()
            );
            debug_assert!(due_kinds.iter().enumerate().all(|(i, kind)| {
                row.try_get::<Option<NaiveDate>>("", &open_due_alias(*kind))
                    .ok()
                    == row.try_get_by_index::<Option<NaiveDate>>(due_from + i).ok()
            }));
            Ok(Listed {
                case,
                open_due: OpenDue(open_due),
            })
        })
        .collect::<std::result::Result<_, sea_orm::DbErr>>()?;
    Ok(Page {
        cases,
        has_next_page,
    })
}

pub async fn count(
    db: &impl ConnectionTrait,
    scope: &CaseScope,
    filter: &CaseFilter,
    today: NaiveDate,
) -> Result<u64> {
    match filtered(db, scope, filter, today).await? {
        Some(query) => Ok(query.count(db).await?),
        None => Ok(0),
    }
}

/// Deadlines of many cases in one query, for list views.
pub async fn deadlines_of(
    db: &impl ConnectionTrait,
    council_id: Uuid,
    case_ids: &[Uuid],
) -> Result<HashMap<Uuid, Vec<deadline::Model>>> {
    let query = deadline::Entity::find()
        .filter(deadline::Column::CouncilId.eq(council_id))
        .filter(deadline::Column::CaseId.is_in(case_ids.iter().copied()))
        .order_by_asc(deadline::Column::Due)
        .into_query();
    let mut by_case: HashMap<Uuid, Vec<deadline::Model>> = HashMap::new();
    for row in db.query_all(&query).await? {
        let deadline = row::deadline_at(&row)?;
        debug_assert_eq!(
            Some(&deadline),
            deadline::Model::from_query_result(&row, "").ok().as_ref()
        );
        by_case.entry(deadline.case_id).or_default().push(deadline);
    }
    Ok(by_case)
}

pub async fn requirements(
    db: &impl ConnectionTrait,
    council_id: Uuid,
    case_id: Uuid,
) -> Result<Vec<case_requirement::Model>> {
    Ok(case_requirement::Entity::find()
        .filter(case_requirement::Column::CouncilId.eq(council_id))
        .filter(case_requirement::Column::CaseId.eq(case_id))
        .order_by_asc(case_requirement::Column::CreatedAt)
        .all(db)
        .await?)
}
