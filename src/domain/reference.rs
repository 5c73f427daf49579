//! Human case references: `LEE-2026-000042`, unique per council and
//! sequential per year with no gaps.

use chrono::{DateTime, Datelike, Utc};
use chrono_tz::Europe::London;
use entity::case;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend, DbErr,
    EntityTrait, QueryFilter, QueryOrder, QuerySelect, Statement,
};
use uuid::Uuid;

use crate::db;

/// Numbers a committed case that has none yet and writes the formatted
/// reference onto it; returns the number, or `None` when the case already has
/// one (another caller numbered it first).
///
/// It runs after the intake transaction commits, as its own short
/// transaction, because the council's counter row serialises every intake:
/// on PostgreSQL the whole step is one autocommitted statement, so the row is
/// held for one statement and its commit, never across a round trip to this
/// process. The case row is locked first and must still be unnumbered, so two
/// callers never both take a number for one case, and a number is only taken
/// together with the case that carries it: no gaps, even after a crash (see
/// `number_pending`).
pub async fn assign(
    db: &DatabaseConnection,
    council_id: Uuid,
    prefix: &str,
    year: i32,
    case_id: Uuid,
) -> Result<Option<i64>, DbErr> {
    if db.get_database_backend() == DbBackend::Postgres {
        // `lpad` would cut a seventh digit; `format` below only pads.
        let stmt = Statement::from_sql_and_values(
            DbBackend::Postgres,
            "WITH target AS ( \
               SELECT id FROM cases WHERE id = $4 AND council_id = $1 \
               AND reference_seq IS NULL FOR UPDATE), \
             n AS ( \
               INSERT INTO reference_counters (council_id, year, last) \
               SELECT $1, $2, 1 FROM target \
               ON CONFLICT (council_id, year) DO UPDATE SET last = reference_counters.last + 1 \
               RETURNING last) \
             UPDATE cases SET reference_year = $2, reference_seq = n.last, \
               reference = $3 || '-' || $2::text || '-' || \
                 CASE WHEN n.last < 1000000 THEN lpad(n.last::text, 6, '0') ELSE n.last::text END \
             FROM n WHERE cases.id = $4 RETURNING n.last AS last",
            [
                council_id.into(),
                year.into(),
                prefix.into(),
                case_id.into(),
            ],
        );
        return match db.query_one_raw(stmt).await? {
            Some(row) => row.try_get::<i64>("", "last").map(Some),
            None => Ok(None),
        };
    }
    let txn = db::begin_write(db).await?;
    let number = assign_within(&txn, council_id, prefix, year, case_id).await?;
    txn.commit().await?;
    Ok(number)
}

/// `assign` inside the caller's SQLite transaction. SQLite has one writer at
/// a time, so there the write transaction is the lock whatever it holds, and
/// intake numbers its case before committing rather than paying for a second
/// write transaction.
pub async fn assign_within(
    txn: &DatabaseTransaction,
    council_id: Uuid,
    prefix: &str,
    year: i32,
    case_id: Uuid,
) -> Result<Option<i64>, DbErr> {
    let backend = txn.get_database_backend();
    let pending = txn
        .query_one_raw(Statement::from_sql_and_values(
            backend,
            "SELECT id FROM cases WHERE id = ? AND council_id = ? AND reference_seq IS NULL",
            [case_id.into(), council_id.into()],
        ))
        .await?;
    if pending.is_none() {
        return Ok(None);
    }
    let number = txn
        .query_one_raw(Statement::from_sql_and_values(
            backend,
            "INSERT INTO reference_counters (council_id, year, last) VALUES (?, ?, 1) \
             ON CONFLICT (council_id, year) DO UPDATE SET last = reference_counters.last + 1 \
             RETURNING last",
            [council_id.into(), year.into()],
        ))
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("reference counter".into()))?
        .try_get::<i64>("", "last")?;
    txn.execute_raw(Statement::from_sql_and_values(
        backend,
        "UPDATE cases SET reference = ?, reference_year = ?, reference_seq = ? WHERE id = ?",
        [
            format(prefix, year, number).into(),
            year.into(),
            number.into(),
            case_id.into(),
        ],
    ))
    .await?;
    Ok(Some(number))
}

/// Numbers the council's cases logged before `before` that were committed
/// but never numbered (the process stopped between the intake's commit and
/// its numbering), oldest first, in the year they were logged. Returns how
/// many it numbered. Cases logged since `before` are left to their own
/// intake, which is still running.
pub async fn number_pending(
    db: &DatabaseConnection,
    council_id: Uuid,
    prefix: &str,
    before: DateTime<Utc>,
) -> Result<u64, DbErr> {
    let pending = case::Entity::find()
        .select_only()
        .column(case::Column::Id)
        .column(case::Column::CreatedAt)
        .filter(case::Column::CouncilId.eq(council_id))
        .filter(case::Column::ReferenceYear.is_null())
        .filter(case::Column::ReferenceSeq.is_null())
        .filter(case::Column::CreatedAt.lt(before))
        .order_by_asc(case::Column::CreatedAt)
        .into_tuple::<(Uuid, DateTime<Utc>)>()
        .all(db)
        .await?;
    let mut numbered = 0;
    for (case_id, created_at) in pending {
        let year = created_at.with_timezone(&London).year();
        if assign(db, council_id, prefix, year, case_id)
            .await?
            .is_some()
        {
            numbered += 1;
        }
    }
    Ok(numbered)
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
