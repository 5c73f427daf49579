use async_graphql::{
    Context, ID, Object, Result,
    connection::{Connection, CursorType, Edge},
};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use chrono::{DateTime, Utc};
use uuid::Uuid;

use std::sync::Arc;

use super::{
    inputs::CaseFilter,
    types::{Case, OPEN_DUE_FIELDS},
};
use crate::{
    domain::cases::{
        self, CaseFilter as DomainFilter, Cursor, DEFAULT_PAGE, MAX_PAGE, scope::CaseScope,
    },
    error::AppError,
    graphql::context::ContextExt,
};

#[derive(Default)]
pub struct CaseQuery;

#[Object]
impl CaseQuery {
    /// A case of the caller's council that the caller may see; NOT_FOUND otherwise.
    async fn case(&self, ctx: &Context<'_>, id: ID) -> Result<Case> {
        let scope = ctx.case_scope()?;
        let id = parse_id(&id, "id")?;
        let model = cases::get(&ctx.state().db, &scope, id).await?;
        Ok(Case::new(model))
    }

    async fn case_by_reference(&self, ctx: &Context<'_>, reference: String) -> Result<Case> {
        let scope = ctx.case_scope()?;
        let model = cases::by_reference(&ctx.state().db, &scope, &reference).await?;
        Ok(Case::new(model))
    }

    /// The caller's council's cases they may see, newest first.
    #[graphql(
        complexity = "first.unwrap_or(DEFAULT_PAGE as i32).clamp(1, MAX_PAGE as i32) as usize * child_complexity + 1"
    )]
    async fn cases(
        &self,
        ctx: &Context<'_>,
        filter: Option<CaseFilter>,
        #[graphql(desc = "Page size, 1 to 100 (default 20).")] first: Option<i32>,
        after: Option<String>,
    ) -> Result<Connection<CaseCursor, Case, CaseConnectionFields>> {
        let actor = ctx.actor()?;
        let scope = ctx.case_scope()?;
        let first = match first {
            None => DEFAULT_PAGE,
            Some(n) if (1..=MAX_PAGE as i32).contains(&n) => n as u64,
            Some(n) => {
                return Err(AppError::bad_input(
                    "first",
                    format!("first must be between 1 and {MAX_PAGE}, not {n}"),
                )
                .into());
            }
        };
        let after = match after {
            None => None,
            Some(s) => Some(
                CaseCursor::decode_cursor(&s)
                    .map_err(|_| AppError::bad_input("after", "not a cursor from this list"))?
                    .0,
            ),
        };
        let filter = filter
            .unwrap_or_default()
            .into_domain(&actor.subject, ctx.council()?)?;
        // The page's open due dates come with it when the selection shows
        // them; whole deadline rows take one more query for the page. A
        // case is selected under `edges { node }` or under `nodes`.
        let page_selection = ctx.look_ahead();
        let shown = |field: &str| {
            page_selection
                .field("edges")
                .field("node")
                .field(field)
                .exists()
                || page_selection.field("nodes").field(field).exists()
        };
        let due_kinds: Vec<_> = OPEN_DUE_FIELDS
            .iter()
            .filter(|(field, _)| shown(field))
            .map(|(_, kind)| *kind)
            .collect();
        let today = ctx.today();
        let page = cases::list(
            &ctx.state().db,
            &scope,
            &filter,
            today,
            first,
            after,
            &due_kinds,
        )
        .await?;
        let mut connection = Connection::with_additional_fields(
            after.is_some(),
            page.has_next_page,
            CaseConnectionFields {
                scope: scope.clone(),
                filter,
            },
        );
        let mut deadlines = if shown("deadlines") {
            let ids: Vec<_> = page.cases.iter().map(|c| c.case.id).collect();
            Some(cases::deadlines_of(&ctx.state().db, scope.council_id, &ids).await?)
        } else {
            None
        };
        connection
            .edges
            .extend(page.cases.into_iter().map(|listed| {
                let model = listed.case;
                let preloaded = deadlines
                    .as_mut()
                    .map(|all| Arc::new(all.remove(&model.id).unwrap_or_default()));
                let cursor = CaseCursor(Cursor {
                    received_at: model.received_at,
                    id: model.id,
                });
                Edge::new(
                    cursor,
                    Case {
                        model,
                        deadlines: preloaded,
                        open_due: listed.open_due,
                    },
                )
            }));
        Ok(connection)
    }
}

pub struct CaseConnectionFields {
    scope: CaseScope,
    filter: DomainFilter,
}

#[Object]
impl CaseConnectionFields {
    /// Number of cases matching the filter (counted only when asked for).
    #[graphql(complexity = "crate::graphql::limits::TOTAL_COUNT_COMPLEXITY")]
    async fn total_count(&self, ctx: &Context<'_>) -> Result<u64> {
        Ok(cases::count(&ctx.state().db, &self.scope, &self.filter, ctx.today()).await?)
    }
}

pub use crate::graphql::scalars::parse_id;

/// Opaque to clients: the position of the last case seen.
pub struct CaseCursor(Cursor);

impl CursorType for CaseCursor {
    type Error = AppError;

    fn decode_cursor(s: &str) -> std::result::Result<Self, AppError> {
        let bad = || AppError::bad_input("after", "not a cursor from this list");
        let raw = URL_SAFE_NO_PAD.decode(s).map_err(|_| bad())?;
        let text = String::from_utf8(raw).map_err(|_| bad())?;
        let (at, id) = text.split_once('|').ok_or_else(bad)?;
        let received_at = DateTime::parse_from_rfc3339(at)
            .map_err(|_| bad())?
            .with_timezone(&Utc);
        let id = Uuid::parse_str(id).map_err(|_| bad())?;
        Ok(CaseCursor(Cursor { received_at, id }))
    }

    fn encode_cursor(&self) -> String {
        URL_SAFE_NO_PAD.encode(format!(
            "{}|{}",
            self.0
                .received_at
                .to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true),
            self.0.id
        ))
    }
}
