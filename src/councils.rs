//! The councils this server hosts, and the five shipped with it.

use std::collections::HashMap;

use chrono::Utc;
use entity::{council, service};
use sea_orm::{ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::error::Result;

#[derive(Debug, Clone)]
pub struct Council {
    pub id: Uuid,
    pub slug: String,
    pub name: String,
    pub reference_prefix: String,
    /// Service slug to id. Services, like councils, change only by
    /// deployment, so intake and filters resolve them without a query.
    pub services: HashMap<String, Uuid>,
}

impl Council {
    pub fn service_id(&self, slug: &str) -> Option<Uuid> {
        self.services.get(slug).copied()
    }

    pub fn service_slug(&self, id: Uuid) -> Option<&str> {
        self.services
            .iter()
            .find(|(_, known)| **known == id)
            .map(|(slug, _)| slug.as_str())
    }
}

/// Councils are few and change only by deployment, so they are held in memory
/// and token checks need no query.
#[derive(Debug, Clone, Default)]
pub struct CouncilDirectory {
    by_slug: HashMap<String, Council>,
}

impl CouncilDirectory {
    pub async fn load(db: &DatabaseConnection) -> Result<Self> {
        let rows = council::Entity::find().all(db).await?;
        let mut services: HashMap<Uuid, HashMap<String, Uuid>> = HashMap::new();
        for row in service::Entity::find().all(db).await? {
            services
                .entry(row.council_id)
                .or_default()
                .insert(row.slug, row.id);
        }
        let by_slug = rows
            .into_iter()
            .map(|row| {
                let council = Council {
                    id: row.id,
                    slug: row.slug.clone(),
                    name: row.name,
                    reference_prefix: row.reference_prefix,
                    services: services.remove(&row.id).unwrap_or_default(),
                };
                (row.slug, council)
            })
            .collect();
        Ok(Self { by_slug })
    }

    pub fn by_slug(&self, slug: &str) -> Option<&Council> {
        self.by_slug.get(slug)
    }

    pub fn by_id(&self, id: Uuid) -> Option<&Council> {
        self.by_slug.values().find(|c| c.id == id)
    }

    pub fn slugs(&self) -> impl Iterator<Item = &str> {
        self.by_slug.keys().map(String::as_str)
    }
}

struct SeedCouncil {
    slug: &'static str,
    name: &'static str,
    prefix: &'static str,
    services: &'static [(&'static str, &'static str)],
}

/// The councils of the shipped policies, with the services their documents
/// name (plus the everyday ones complaints are usually about).
const SEED: [SeedCouncil; 5] = [
    SeedCouncil {
        slug: "leeds",
        name: "Leeds City Council",
        prefix: "LEE",
        services: &[
            ("housing", "Housing"),
            ("waste", "Waste and Recycling"),
            ("highways", "Highways"),
            ("council-tax", "Council Tax and Benefits"),
            ("planning", "Planning"),
            ("licensing", "Licensing and Registration"),
            ("information-governance", "Information Governance (FOI/EIR)"),
            ("customer-services", "Customer Services"),
        ],
    },
    SeedCouncil {
        slug: "feedback-team",
        name: "Customer Feedback Team council",
        prefix: "CFT",
        services: &[
            ("housing", "Housing"),
            ("waste", "Waste and Recycling"),
            ("planning", "Planning"),
            ("parking", "Parking"),
            ("revenues-benefits", "Revenues and Benefits"),
            ("customer-services", "Customer Services"),
        ],
    },
    SeedCouncil {
        slug: "leicester",
        name: "Leicester City Council",
        prefix: "LEI",
        services: &[
            ("housing", "Housing"),
            ("highways", "Highways"),
            ("waste", "Waste and Recycling"),
            ("council-tax", "Council Tax"),
            ("environmental-health", "Environmental Health"),
            ("customer-services", "Customer Services"),
        ],
    },
    SeedCouncil {
        slug: "north-norfolk",
        name: "North Norfolk District Council",
        prefix: "NNO",
        services: &[
            ("waste", "Waste and Recycling"),
            ("planning", "Planning"),
            ("revenues-benefits", "Revenues and Benefits"),
            ("leisure", "Leisure and Tourism"),
            ("customer-services", "Customer Services"),
        ],
    },
    SeedCouncil {
        slug: "east-cambridgeshire",
        name: "East Cambridgeshire District Council",
        prefix: "ECA",
        services: &[
            ("waste", "Waste and Recycling"),
            ("planning", "Planning"),
            ("planning-enforcement", "Planning Enforcement"),
            ("housing", "Housing"),
            ("council-tax", "Council Tax"),
            ("customer-services", "Customer Services"),
        ],
    },
];

/// Creates the shipped councils and their services where missing; safe to
/// run on every start.
pub async fn seed(db: &DatabaseConnection) -> Result<()> {
    for seed in &SEED {
        let existing = council::Entity::find()
            .filter(council::Column::Slug.eq(seed.slug))
            .one(db)
            .await?;
        let council_id = match existing {
            Some(row) => row.id,
            None => {
                let id = Uuid::now_v7();
                council::Entity::insert(council::ActiveModel {
                    id: Set(id),
                    slug: Set(seed.slug.into()),
                    name: Set(seed.name.into()),
                    reference_prefix: Set(seed.prefix.into()),
                    timezone: Set("Europe/London".into()),
                    active_policy_version: Set(None),
                    created_at: Set(Utc::now()),
                })
                .exec_without_returning(db)
                .await?;
                id
            }
        };
        let known: Vec<String> = service::Entity::find()
            .filter(service::Column::CouncilId.eq(council_id))
            .all(db)
            .await?
            .into_iter()
            .map(|s| s.slug)
            .collect();
        for (slug, name) in seed
            .services
            .iter()
            .filter(|(slug, _)| !known.iter().any(|k| k == slug))
        {
            service::Entity::insert(service::ActiveModel {
                id: Set(Uuid::now_v7()),
                council_id: Set(council_id),
                slug: Set((*slug).into()),
                name: Set((*name).into()),
            })
            .exec_without_returning(db)
            .await?;
        }
    }
    Ok(())
}
