//! Which cases a caller may see. Every case query goes through `CaseScope`,
//! so a tenant or visibility filter cannot be forgotten in one resolver.

use entity::{case, customer};
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter, QuerySelect, QueryTrait, Select};
use uuid::Uuid;

use crate::{
    auth::{Actor, Role},
    domain::cases::audience::Audience,
    error::{AppError, Result},
};

#[derive(Debug, Clone)]
enum Visibility {
    /// Council staff: every case of the council.
    Council,
    /// A councillor: the cases raised through them.
    Councillor(String),
    /// A customer: the cases logged for their own customer record.
    Customer(String),
}

#[derive(Debug, Clone)]
pub struct CaseScope {
    pub council_id: Uuid,
    visibility: Visibility,
}

impl CaseScope {
    pub fn for_actor(actor: &Actor) -> Result<Self> {
        let visibility = match Audience::of(actor) {
            Audience::Staff => Visibility::Council,
            Audience::Councillor => Visibility::Councillor(actor.subject.clone()),
            Audience::Customer if actor.has(Role::Customer) => {
                Visibility::Customer(actor.subject.clone())
            }
            Audience::Customer => {
                return Err(AppError::Forbidden(
                    "this role has no access to cases".into(),
                ));
            }
        };
        Ok(Self {
            council_id: actor.council_id,
            visibility,
        })
    }

    /// What the caller is told of the cases they see.
    pub fn audience(&self) -> Audience {
        match self.visibility {
            Visibility::Council => Audience::Staff,
            Visibility::Councillor(_) => Audience::Councillor,
            Visibility::Customer(_) => Audience::Customer,
        }
    }

    pub fn condition(&self) -> Condition {
        let tenant = Condition::all().add(case::Column::CouncilId.eq(self.council_id));
        match &self.visibility {
            Visibility::Council => tenant,
            Visibility::Councillor(sub) => {
                tenant.add(case::Column::CouncillorSubject.eq(sub.clone()))
            }
            Visibility::Customer(sub) => tenant.add(
                case::Column::CustomerId.in_subquery(
                    customer::Entity::find()
                        .select_only()
                        .column(customer::Column::Id)
                        .filter(customer::Column::CouncilId.eq(self.council_id))
                        .filter(customer::Column::PortalSubject.eq(sub.clone()))
                        .into_query(),
                ),
            ),
        }
    }

    pub fn cases(&self) -> Select<case::Entity> {
        case::Entity::find().filter(self.condition())
    }
}
