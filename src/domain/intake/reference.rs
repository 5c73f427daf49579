//! Human case references: `LEE-2026-000042`, unique per council and
//! sequential per year with no gaps.
//!
//! Numbers are taken from the council's counter row in the same transaction
//! that stores the cases carrying them, so a rolled-back intake leaves no
//! gap and no case is ever stored without its reference. The row is held
//! from the moment numbers are taken until that transaction commits, which
//! is why intake takes them for a whole group of cases at once (see
//! `writer`).

use entity::reference_counter;
use sea_orm::{
    ConnectionTrait, DbErr,
    sea_query::{Expr, ExprTrait, OnConflict, Query},
};
use uuid::Uuid;

/// Takes the council's next `count` numbers for `year` inside the caller's
/// write transaction; returns the first of them.
pub async fn take(
    txn: &impl ConnectionTrait,
    council_id: Uuid,
    year: i32,
    count: i64,
) -> Result<i64, DbErr> {
    use reference_counter::Column;
    let bump = Query::insert()
        .into_table(reference_counter::Entity)
        .columns([Column::CouncilId, Column::Year, Column::Last])
        .values_panic([council_id.into(), year.into(), count.into()])
        .on_conflict(
            OnConflict::columns([Column::CouncilId, Column::Year])
                .value(
                    Column::Last,
                    Expr::col((reference_counter::Entity, Column::Last)).add(count),
                )
                .to_owned(),
        )
        .returning_col(Column::Last)
        .to_owned();
    let last = txn
        .query_one(&bump)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("reference counter".into()))?
        .try_get::<i64>("", "last")?;
    Ok(last - count + 1)
}

/// The reference a case with this number carries.
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
