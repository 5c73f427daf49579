use std::{collections::HashMap, sync::Arc};

use async_graphql::dataloader::Loader;
use entity::deadline;
use sea_orm::DatabaseConnection;
use uuid::Uuid;

use crate::domain::cases;

/// Loads the deadlines of every case on a page in one query. Built per
/// request for one council, so batching never crosses tenants.
pub struct DeadlineLoader {
    pub db: DatabaseConnection,
    pub council_id: Uuid,
}

impl Loader<Uuid> for DeadlineLoader {
    type Value = Arc<Vec<deadline::Model>>;
    type Error = Arc<crate::error::AppError>;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let mut found = cases::deadlines_of(&self.db, self.council_id, keys)
            .await
            .map_err(Arc::new)?;
        Ok(keys
            .iter()
            .map(|id| (*id, Arc::new(found.remove(id).unwrap_or_default())))
            .collect())
    }
}
