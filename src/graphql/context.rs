//! What every resolver reads from the request: the caller and the app state.

use std::sync::Arc;

use async_graphql::Context;
use chrono::{DateTime, NaiveDate, Utc};

use crate::{
    auth::{Action, Actor},
    councils::Council,
    domain::{
        actions::pipeline::CaseWork, cases::scope::CaseScope, people::persistent::Deciding,
        time::local_date,
    },
    error::{AppError, Result},
    state::AppState,
};

pub trait ContextExt {
    fn state(&self) -> &Arc<AppState>;
    fn actor(&self) -> Result<&Actor>;
    fn council(&self) -> Result<&Council>;
    fn case_scope(&self) -> Result<CaseScope> {
        CaseScope::for_actor(self.actor()?)
    }
    fn now(&self) -> DateTime<Utc>;
    /// The caller, ready to act on their council's cases; each action checks
    /// its own entry in the permission matrix.
    fn case_work(&self) -> Result<CaseWork<'_>>;
    /// The caller, checked for `action`, deciding about a customer rather
    /// than acting on one case.
    fn deciding(&self, action: Action) -> Result<Deciding<'_>>;
    /// Today in the councils' calendar (Europe/London).
    fn today(&self) -> NaiveDate {
        local_date(self.now())
    }
}

impl ContextExt for Context<'_> {
    fn state(&self) -> &Arc<AppState> {
        self.data_unchecked::<Arc<AppState>>()
    }

    fn actor(&self) -> Result<&Actor> {
        self.data_opt::<Actor>().ok_or_else(|| {
            AppError::Unauthenticated("sign in: send `Authorization: Bearer <token>`".into())
        })
    }

    fn council(&self) -> Result<&Council> {
        let actor = self.actor()?;
        self.state()
            .councils
            .by_id(actor.council_id)
            .ok_or_else(|| AppError::Forbidden("unknown council".into()))
    }

    fn now(&self) -> DateTime<Utc> {
        self.state().clock.now()
    }

    fn case_work(&self) -> Result<CaseWork<'_>> {
        Ok(CaseWork::new(self.state(), self.council()?, self.actor()?))
    }

    fn deciding(&self, action: Action) -> Result<Deciding<'_>> {
        Ok(Deciding {
            actor: self.actor()?.require(action)?,
            state: self.state(),
            council: self.council()?,
            now: self.now(),
        })
    }
}
