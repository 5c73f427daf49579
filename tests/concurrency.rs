//! Concurrent intake: references stay unique and gap-free.

mod common;

use std::collections::BTreeSet;

use common::*;
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
