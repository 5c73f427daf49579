//! Which committed changes one subscriber may see: their council only, and
//! within it what their role may read. Staff see the council's cases, except
//! that an investigating officer with no other staff role sees the cases
//! assigned to them; a customer sees their own cases, a councillor the cases
//! raised through them. Each is told of a change what their audience is
//! told of its timeline step, and nothing of steps internal to staff.

use std::{collections::HashMap, sync::Arc};

use entity::customer;
use futures_util::stream::{self, BoxStream, StreamExt};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use tokio::sync::broadcast::{Receiver, error::RecvError};
use uuid::Uuid;

use crate::{
    auth::{Action, Actor, Reach, Role},
    domain::{
        cases,
        cases::{audience::Audience, events::EventKind, scope::CaseScope},
        people::officers,
    },
    error::Result,
    live::feed::CaseChanged,
    state::AppState,
};

enum View {
    Council,
    /// The officer's id, once they are in the council's staff directory.
    Assigned(Option<Uuid>),
    Councillor,
    /// Customer records already checked: whether each is the caller's.
    Customer(HashMap<Uuid, bool>),
}

pub(super) struct Watcher {
    state: Arc<AppState>,
    council_id: Uuid,
    subject: String,
    case_id: Option<Uuid>,
    view: View,
    audience: Audience,
}

impl Watcher {
    pub async fn new(state: Arc<AppState>, actor: &Actor, case_id: Option<Uuid>) -> Result<Self> {
        // The same roles that may read cases at all.
        let scope = CaseScope::for_actor(actor)?;
        if let Some(id) = case_id {
            // A case the caller cannot read (another council's, or not
            // theirs) is NOT_FOUND here as in a query, not a silent stream.
            cases::get(&state.db, &scope, id).await?;
        }
        let audience = scope.audience();
        let view = match actor.reach(Action::FollowCaseUpdates) {
            Some(Reach::Council) => View::Council,
            Some(Reach::Assigned) => {
                let me = officers::by_subject(&state.db, actor.council_id, &actor.subject).await?;
                View::Assigned(me.map(|o| o.id))
            }
            None if actor.has(Role::Councillor) => View::Councillor,
            None => View::Customer(HashMap::new()),
        };
        Ok(Self {
            state,
            council_id: actor.council_id,
            subject: actor.subject.clone(),
            case_id,
            view,
            audience,
        })
    }

    pub async fn sees(&mut self, change: &CaseChanged) -> bool {
        if change.council_id != self.council_id
            || self.case_id.is_some_and(|id| id != change.case_id)
        {
            return false;
        }
        match &mut self.view {
            View::Council => true,
            View::Councillor => change.councillor_subject.as_deref() == Some(&self.subject),
            View::Assigned(me) => {
                let Some(assignee) = change.assignee_id else {
                    return false;
                };
                if me.is_none() {
                    // Named in the directory since subscribing (first assignment).
                    *me = officers::by_subject(&self.state.db, self.council_id, &self.subject)
                        .await
                        .ok()
                        .flatten()
                        .map(|o| o.id);
                }
                *me == Some(assignee)
            }
            View::Customer(known) => {
                let Some(customer_id) = change.customer_id else {
                    return false;
                };
                if change.event_kind == EventKind::PortalLinked.as_str() {
                    // The record may have just become theirs.
                    known.remove(&customer_id);
                }
                if let Some(mine) = known.get(&customer_id) {
                    return *mine;
                }
                let row = customer::Entity::find_by_id(customer_id)
                    .filter(customer::Column::CouncilId.eq(self.council_id))
                    .one(&self.state.db)
                    .await;
                let Ok(row) = row else {
                    // Not cached: asked again next time.
                    return false;
                };
                let mine = row.and_then(|c| c.portal_subject).as_deref() == Some(&self.subject);
                known.insert(customer_id, mine);
                mine
            }
        }
    }

    /// The items of a feed channel this subscriber may see, as they come,
    /// each told as their audience is told of it. A subscriber that falls too
    /// far behind skips what it missed.
    pub fn follow<T>(
        self,
        receiver: Receiver<T>,
        change: fn(&mut T) -> &mut CaseChanged,
    ) -> BoxStream<'static, T>
    where
        T: Clone + Send + 'static,
    {
        stream::unfold(
            (receiver, self),
            move |(mut receiver, mut watcher)| async move {
                loop {
                    match receiver.recv().await {
                        Ok(mut item) => {
                            let changed = change(&mut item);
                            if !watcher.sees(changed).await {
                                continue;
                            }
                            if let Some(told) = changed.clone().for_audience(watcher.audience) {
                                *changed = told;
                                return Some((item, (receiver, watcher)));
                            }
                        }
                        Err(RecvError::Lagged(skipped)) => {
                            tracing::warn!(skipped, "a live subscriber fell behind");
                        }
                        Err(RecvError::Closed) => return None,
                    }
                }
            },
        )
        .boxed()
    }
}
