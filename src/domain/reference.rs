//! Human case references: `LEE-2026-000042`, unique per council and
//! sequential per year with no gaps.

use sea_orm::{ConnectionTrait, DbBackend, DbErr, Statement};
use uuid::Uuid;

/// Takes the next number inside the caller's transaction. One upsert
/// statement on both databases: the row lock (PostgreSQL) or the write lock
/// (SQLite) serialises concurrent intakes, and a rollback returns the number.
pub async fn next_number(
    txn: &impl ConnectionTrait,
    council_id: Uuid,
    year: i32,
) -> Result<i64, DbErr> {
    let sql = match txn.get_database_backend() {
        DbBackend::Postgres => {
            "INSERT INTO reference_counters (council_id, year, last) VALUES ($1, $2, 1) \
             ON CONFLICT (council_id, year) DO UPDATE SET last = reference_counters.last + 1 \
             RETURNING last"
        }
        _ => {
            "INSERT INTO reference_counters (council_id, year, last) VALUES (?, ?, 1) \
             ON CONFLICT (council_id, year) DO UPDATE SET last = reference_counters.last + 1 \
             RETURNING last"
        }
    };
    let stmt = Statement::from_sql_and_values(
        txn.get_database_backend(),
        sql,
        [council_id.into(), year.into()],
    );
    let row = txn
        .query_one_raw(stmt)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("reference counter".into()))?;
    row.try_get::<i64>("", "last")
}

/// Unique stand-in while the intake transaction has not yet taken its number.
pub fn placeholder(case_id: Uuid) -> String {
    format!("PENDING-{}", &case_id.simple().to_string()[..24])
}

pub fn format(prefix: &str, year: i32, number: i64) -> String {
    format!("{prefix}-{year}-{number:06}")
}

#[cfg(test)]
mod tests {
    #[test]
    fn references_are_zero_padded_to_six_digits() {
        assert_eq!(super::format("LEE", 2026, 42), "LEE-2026-000042");
        assert_eq!(super::format("ECA", 2027, 1_234_567), "ECA-2027-1234567");
    }
}
