//! Concurrent intake: references stay unique and gap-free.

mod common;

use std::collections::BTreeSet;

use common::*;
use redress::domain::intake::writer::Stored;
use serde_json::json;

on_both_databases! {
    async fn two_hundred_concurrent_intakes_get_distinct_gap_free_references(app: TestApp) {
        let token = app.token("leeds", &["frontline"], "fo");
        let calls = (0..200).map(|i| {
            let app = &app;
            let token = token.clone();
            async move {
                let response = app
                    .graphql(Some(&token), "mutation($i: LogContactInput!) { logContact(input: $i) { reference } }", json!({ "i": complaint_input(&format!("Concurrent {i}")) }))
                    .await;
                response.data()["logContact"]["reference"].as_str().unwrap().to_owned()
            }
        });
        let references: Vec<String> = futures::future::join_all(calls).await;
        let distinct: BTreeSet<&String> = references.iter().collect();
        assert_eq!(distinct.len(), 200, "every reference is unique");
        let mut numbers: Vec<u64> = references
            .iter()
            .map(|r| r.rsplit('-').next().unwrap().parse().unwrap())
            .collect();
        numbers.sort_unstable();
        assert_eq!(numbers, (1..=200).collect::<Vec<u64>>(), "no gaps");
        assert_eq!(app.case_count("leeds").await, 200);
    }
}

/// A logged contact copied under new ids, as intake would build it.
fn copy_of(
    case: &entity::case::Model,
    event: &entity::case_event::Model,
) -> redress::domain::intake::writer::NewCase {
    let id = uuid::Uuid::now_v7();
    redress::domain::intake::writer::NewCase {
        customer: None,
        case: entity::case::Model { id, ..case.clone() },
        deadlines: Vec::new(),
        event: entity::case_event::Model {
            id: uuid::Uuid::now_v7(),
            case_id: id,
            ..event.clone()
        },
        later_events: Vec::new(),
        checklist: Vec::new(),
        key: None,
    }
}

on_both_databases! {
    async fn a_contact_that_cannot_be_stored_fails_alone_and_leaves_no_gap(app: TestApp) {
        use entity::{case, case_event};
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

        let first = app.log_complaint("leeds", "First").await;
        let id: uuid::Uuid = first["id"].as_str().unwrap().parse().unwrap();
        let stored = case::Entity::find_by_id(id).one(&app.state.db).await.unwrap().unwrap();
        let logged = case_event::Entity::find()
            .filter(case_event::Column::CaseId.eq(id))
            .one(&app.state.db)
            .await
            .unwrap()
            .unwrap();
        let good = copy_of(&stored, &logged);
        // Its timeline step reuses the first case's event id: the insert fails.
        let mut bad = copy_of(&stored, &logged);
        bad.event.id = logged.id;
        let bad_id = bad.case.id;

        // Sent together, so the writer takes them in one group when it can;
        // either way the outcome is the same.
        let writer = &app.state.intake;
        let year = stored.reference_year.unwrap();
        let (bad, good) = tokio::join!(writer.store("LEE", year, bad), writer.store("LEE", year, good));
        assert!(bad.is_err(), "{bad:?}");
        let Ok(Stored::Case(good)) = good else { panic!("the good contact is stored: {good:?}") };
        assert_eq!(good.reference_seq, Some(2), "the good contact takes the next number");
        assert!(case::Entity::find_by_id(bad_id).one(&app.state.db).await.unwrap().is_none(), "nothing of the failed contact is stored");

        let third = app.log_complaint("leeds", "Third").await;
        assert!(third["reference"].as_str().unwrap().ends_with("-000003"), "{third}");
    }
}
