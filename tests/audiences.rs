//! Each audience reads a case as written for it: staff everything, the
//! complainant their own side of it, a councillor where it stands. Proven
//! with real tokens through GraphQL, on both databases.

mod common;

use std::time::Duration;

use common::*;
use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

const VIEW: &str = "id reference channel receivedAt status version description desiredOutcome loggedBy restrictedCustomer
    customer { name email persistentDesignation { level } }
    assignee { subject } remedies { kind description amountPence recordedBy approvedBy }
    learningPoints { lesson } requirements { key label }
    timeline { seq kind actorSubject actorRole summary data }";

const UPDATES: &str =
    "subscription($id: ID) { caseUpdates(caseId: $id) { caseId eventKind summary seq } }";

async fn log(app: &TestApp, token: &str, input: Value) -> Gql {
    let query =
        format!("mutation($input: LogContactInput!) {{ logContact(input: $input) {{ {VIEW} }} }}");
    app.graphql(Some(token), &query, json!({ "input": input }))
        .await
}

async fn read(app: &TestApp, token: &str, id: &str) -> Value {
    let query = format!("query($id: ID!) {{ case(id: $id) {{ {VIEW} }} }}");
    app.graphql(Some(token), &query, json!({ "id": id }))
        .await
        .data()["case"]
        .clone()
}

/// A complaint as a customer or councillor sends it: no channel, no
/// receipt time, nothing only staff record.
fn sent(subject: &str) -> Value {
    json!({
        "kind": "COMPLAINT",
        "subject": subject,
        "description": "The bin was not collected three weeks running.",
        "service": "waste",
        "desiredOutcome": "Collect the bin and stop missing it",
    })
}

fn step<'a>(case: &'a Value, kind: &str) -> Option<&'a Value> {
    case["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["kind"] == kind)
}

fn at(value: &Value) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::parse_from_rfc3339(value.as_str().unwrap())
        .unwrap()
        .to_utc()
}

fn kinds(case: &Value) -> Vec<String> {
    timeline_kinds(case)
}

/// Acknowledged, a goodwill payment recorded, a learning point, a stage 1
/// response (partly upheld) with its text and remedy: all by staff "dee".
async fn work_it(app: &TestApp, id: &str) {
    let dee = app.token("leeds", &["dcro"], "dee");
    app.acted(&dee, "acknowledgeCase", id, json!({})).await;
    app.acted(
        &dee,
        "recordRemedy",
        id,
        json!({ "input": {
        "kind": "GOODWILL_PAYMENT", "description": "For the missed collections", "amountPence": 777,
    } }),
    )
    .await;
    app.acted(
        &dee,
        "recordLearningPoint",
        id,
        json!({ "input": { "lesson": "Crew 7 skips the cul-de-sac" } }),
    )
    .await;
    app.acted(
        &dee,
        "respondToCase",
        id,
        json!({ "input": {
        "outcome": "PARTLY_UPHELD",
        "summary": "We are sorry: the crew missed your road",
        "remedies": [{ "kind": "APOLOGY", "description": "An apology from the waste manager" }],
    } }),
    )
    .await;
}

async fn designate(app: &TestApp, customer_id: &Value, input: Value) {
    let dcro = app.token("leeds", &["dcro"], "dee");
    let decide = "mutation($c: ID!, $i: DesignationInput!) { designatePersistentComplainant(customerId: $c, input: $i) { id } }";
    app.graphql(Some(&dcro), decide, json!({ "c": customer_id, "i": input }))
        .await
        .data();
}

fn warning() -> Value {
    json!({
        "level": "WARNING",
        "behaviour": "Daily calls repeating the same complaint",
        "requiredChange": "Write once a week at most",
        "changeBy": "2027-02-15",
        "letterDate": "2027-01-15",
    })
}

type Ws = Socket;

/// Follows one case, or with `None` every case the caller may read.
async fn subscribe(app: &TestApp, token: &str, id: Option<&str>) -> Ws {
    let mut ws = app
        .open_socket(json!({ "Authorization": format!("Bearer {token}") }))
        .await;
    assert_eq!(next(&mut ws).await["type"], "connection_ack");
    ws.send(subscribe_message("1", UPDATES, json!({ "id": id })))
        .await
        .unwrap();
    ws
}

async fn next(ws: &mut Ws) -> Value {
    loop {
        let message = tokio::time::timeout(Duration::from_secs(20), ws.next())
            .await
            .expect("a message within 20 s");
        match message {
            Some(Ok(Message::Text(text))) => return serde_json::from_str(&text).unwrap(),
            Some(Ok(_)) => continue,
            other => panic!("the connection closed: {other:?}"),
        }
    }
}

async fn update(ws: &mut Ws) -> Value {
    let message = next(ws).await;
    assert_eq!(message["type"], "next", "{message}");
    message["payload"]["data"]["caseUpdates"].clone()
}

async fn listening(app: &TestApp, n: usize) {
    for _ in 0..400 {
        if app.state.feed.listeners() >= n {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("{n} subscriptions never registered");
}

on_both_databases! {
    async fn a_councillor_reads_where_a_case_stands_and_nothing_internal(app: TestApp) {
        let bob = app.token("leeds", &["councillor"], "cllr-bob");
        let mut input = sent("Raised for a constituent");
        input["customer"] = json!({ "name": "Carl Example", "email": "carl@example.org" });
        let raised = log(&app, &bob, input).await.data()["logContact"].clone();
        let id = raised["id"].as_str().unwrap().to_owned();
        assert_eq!(raised["channel"], "COUNCILLOR");
        let staff_view = app.case("leeds", &id).await;
        let carl = app.graphql(Some(&app.token("leeds", &["dcro"], "dee")), "query($id: ID!) { case(id: $id) { customer { id } } }", json!({ "id": id })).await.data()["case"]["customer"]["id"].clone();
        assert_eq!(staff_view["version"], 1);

        let mut bobs_feed = subscribe(&app, &bob, Some(&*id)).await;
        let mut staff_feed = subscribe(&app, &app.token("leeds", &["dcro"], "d"), Some(&*id)).await;
        listening(&app, 2).await;
        work_it(&app, &id).await;
        designate(&app, &carl, warning()).await;

        let staff = read(&app, &app.token("leeds", &["dcro"], "dee"), &id).await;
        let staff_text = staff.to_string();
        for internal in ["REMEDY_RECORDED", "LEARNING_RECORDED", "PERSISTENT_DESIGNATED"] {
            assert!(kinds(&staff).contains(&internal.to_owned()), "staff see {internal}");
        }
        assert!(staff_text.contains("£7.77") && staff_text.contains("We are sorry"), "staff see everything");
        assert_eq!(step(&staff, "ACKNOWLEDGED").unwrap()["actorSubject"], "dee");

        let seen = read(&app, &bob, &id).await;
        assert_eq!(kinds(&seen), ["CONTACT_LOGGED", "ACKNOWLEDGED", "RESPONDED"], "only where it stands");
        let responded = step(&seen, "RESPONDED").unwrap();
        assert_eq!(responded["summary"], "Responded at stage 1 (partly upheld)");
        assert_eq!(responded["data"], json!({ "stage": "stage_1", "outcome": "partly_upheld", "nextStage": "stage_2", "ombudsman": "lgsco" }));
        assert!(responded["actorSubject"].is_null(), "no staff names");
        assert_eq!(responded["actorRole"], "dcro");
        assert_eq!(step(&seen, "CONTACT_LOGGED").unwrap()["actorSubject"], "cllr-bob", "their own step");
        for field in ["description", "desiredOutcome", "customer", "assignee", "restrictedCustomer"] {
            assert!(seen[field].is_null(), "{field} is not the councillor's: {}", seen[field]);
        }
        for list in ["remedies", "learningPoints", "requirements"] {
            assert_eq!(seen[list], json!([]), "{list}");
        }
        let text = seen.to_string();
        // Quoted or after a colon as JSON writes them, so that a random id's
        // hex digits cannot match by chance.
        for secret in ["7.77", ":777", "We are sorry", "apology", "Crew 7", "persistent", "Collect the bin", "\"dee\"", " dee", "Carl"] {
            assert!(!text.contains(secret), "a councillor reads `{secret}` in {text}");
        }

        // Live: the staff subscriber hears of the payment, the councillor
        // first hears of the response, written for them.
        let mut staff_steps = Vec::new();
        for _ in 0..4 {
            staff_steps.push(update(&mut staff_feed).await);
        }
        assert!(staff_steps.iter().any(|u| u["summary"].as_str().unwrap().contains("£7.77")), "{staff_steps:?}");
        let first = update(&mut bobs_feed).await;
        assert_eq!((first["eventKind"].as_str(), first["summary"].as_str()), (Some("ACKNOWLEDGED"), Some("Acknowledged")));
        let second = update(&mut bobs_feed).await;
        assert_eq!(second["eventKind"], "RESPONDED");
        assert_eq!(second["summary"], "Responded at stage 1 (partly upheld)");
        assert_eq!(second["seq"], 5, "the remedy and the lesson were skipped, not renumbered");
    }

    async fn the_complainant_reads_their_side_without_staff_names_or_notes(app: TestApp) {
        let ann = app.token("leeds", &["customer"], "ann-portal");
        let own = log(&app, &ann, sent("My own complaint")).await.data()["logContact"].clone();
        let id = own["id"].as_str().unwrap().to_owned();
        let customer_id = app.graphql(Some(&app.token("leeds", &["dcro"], "dee")), "query($id: ID!) { case(id: $id) { customer { id } } }", json!({ "id": id })).await.data()["case"]["customer"]["id"].clone();
        let mut feed = subscribe(&app, &ann, Some(&*id)).await;
        listening(&app, 1).await;
        work_it(&app, &id).await;
        designate(&app, &customer_id, warning()).await;

        let seen = read(&app, &ann, &id).await;
        assert_eq!(kinds(&seen), ["CONTACT_LOGGED", "ACKNOWLEDGED", "RESPONDED"]);
        let responded = step(&seen, "RESPONDED").unwrap();
        assert_eq!(responded["summary"], "Responded at stage 1 (partly upheld)");
        assert_eq!(responded["data"]["summary"], "We are sorry: the crew missed your road", "their response text");
        assert_eq!(responded["data"]["remedies"][0]["description"], "An apology from the waste manager");
        assert!(responded["data"].get("learningPoints").is_none());
        assert!(responded["actorSubject"].is_null());
        assert_eq!(seen["desiredOutcome"], "Collect the bin and stop missing it", "their own words");
        assert_eq!(seen["loggedBy"], "ann-portal");
        assert_eq!(seen["customer"]["email"], json!(null), "no email was given");
        assert!(seen["customer"]["persistentDesignation"].is_null());
        assert!(seen["restrictedCustomer"].is_null() && seen["assignee"].is_null());
        assert_eq!(seen["learningPoints"], json!([]));
        let remedies = seen["remedies"].as_array().unwrap();
        assert_eq!(remedies.len(), 2, "their remedies: the payment and the apology");
        assert!(remedies.iter().all(|r| r["recordedBy"].is_null() && r["approvedBy"].is_null()));
        let text = seen["timeline"].to_string();
        for secret in ["\"dee\"", " dee", "Crew 7", "Daily calls", "persistent", "Write once a week"] {
            assert!(!text.contains(secret), "the customer reads `{secret}` in {text}");
        }

        let first = update(&mut feed).await;
        assert_eq!(first["eventKind"], "ACKNOWLEDGED");
        let second = update(&mut feed).await;
        assert_eq!((second["eventKind"].as_str(), second["summary"].as_str()), (Some("RESPONDED"), Some("Responded at stage 1 (partly upheld)")));
    }

    async fn nobody_but_staff_learns_whether_someone_is_restricted(app: TestApp) {
        let fo = app.token("leeds", &["frontline"], "fo");
        let mut input = complaint_input("Missed bin");
        input["customer"] = json!({ "name": "Carl Example", "email": "carl@example.org" });
        let earlier = log(&app, &fo, input).await.data()["logContact"].clone();
        let carl = app.graphql(Some(&fo), "query($id: ID!) { case(id: $id) { customer { id } } }", json!({ "id": earlier["id"] })).await.data()["case"]["customer"]["id"].clone();
        app.record_officer("leeds", "sam").await;
        designate(&app, &carl, json!({
            "level": "RESTRICTED",
            "behaviour": "Abusive calls",
            "letterDate": "2027-01-15",
            "restrictions": { "singlePointOfContact": "sam", "writtenContactOnly": true },
        })).await;

        // A councillor probes with Carl's email.
        let bob = app.token("leeds", &["councillor"], "cllr-bob");
        let mut probe = sent("Asking about a neighbour");
        probe["customer"] = json!({ "email": "carl@example.org" });
        let answer = log(&app, &bob, probe).await.data()["logContact"].clone();
        let text = answer.to_string();
        assert!(answer["restrictedCustomer"].is_null());
        assert_eq!(answer["requirements"], json!([]));
        assert!(answer["assignee"].is_null() && answer["customer"].is_null());
        for secret in ["sam", "new issues", "new_issues", "designat", "persistent"] {
            assert!(!text.to_lowercase().contains(secret), "the councillor learns `{secret}`: {text}");
        }
        // Staff still see the restriction on the same case: it was applied.
        let id = answer["id"].as_str().unwrap();
        let staff = app.case("leeds", id).await;
        assert_eq!(staff["assignee"]["subject"], "sam");
        assert!(staff["requirements"].to_string().contains("new_issues_checked"));
        let seen_later = read(&app, &bob, id).await;
        assert!(seen_later["restrictedCustomer"].is_null() && seen_later["requirements"] == json!([]));

        // A customer who types Carl's email files under their own record.
        let mallory = app.token("leeds", &["customer"], "mallory");
        let mut probe = sent("Who is this");
        probe["customer"] = json!({ "email": "carl@example.org" });
        let answer = log(&app, &mallory, probe).await.data()["logContact"].clone();
        let text = answer.to_string().to_lowercase();
        assert!(answer["restrictedCustomer"].is_null() && answer["requirements"] == json!([]));
        assert!(!text.contains("sam") && !text.contains("new issues"), "{text}");
        let filed_under = app.graphql(Some(&fo), "query($id: ID!) { case(id: $id) { restrictedCustomer customer { id } } }", json!({ "id": answer["id"] })).await.data()["case"].clone();
        assert_ne!(filed_under["customer"]["id"], carl, "their own record, not Carl's");
        assert_eq!(filed_under["restrictedCustomer"], false);
    }

    async fn customers_and_councillors_log_now_by_their_own_channel(app: TestApp) {
        let ann = app.token("leeds", &["customer"], "ann-portal");
        let before = app.case_count("leeds").await;
        let staff_only = [
            ("receivedAt", json!("2025-12-01T10:00:00Z")),
            ("viaCouncillor", json!("Cllr Made Up")),
            ("respondToCouncillor", json!(true)),
            ("issueDate", json!("2025-01-01")),
            ("exceptional", json!(true)),
            ("exclusion", json!("legal_proceedings")),
        ];
        for (field, value) in &staff_only {
            let mut input = sent("Backdated");
            input[*field] = value.clone();
            let refused = log(&app, &ann, input).await;
            assert_eq!((refused.code(), refused.field()), ("BAD_USER_INPUT", Some(*field)), "{field}");
        }
        let mut by_councillor = sent("Pretending");
        by_councillor["channel"] = json!("COUNCILLOR");
        let refused = log(&app, &ann, by_councillor).await;
        assert_eq!((refused.code(), refused.field()), ("BAD_USER_INPUT", Some("channel")));
        assert_eq!(app.case_count("leeds").await, before, "a refusal writes nothing");

        let logged = log(&app, &ann, sent("Today")).await.data()["logContact"].clone();
        assert_eq!(logged["channel"], "WEB");
        assert_eq!(at(&logged["receivedAt"]), app.state.clock.now(), "received when sent, not backdated");

        let bob = app.token("leeds", &["councillor"], "cllr-bob");
        let mut backdated = sent("Backdated by a member");
        backdated["receivedAt"] = json!("2025-12-01T10:00:00Z");
        let refused = log(&app, &bob, backdated).await;
        assert_eq!((refused.code(), refused.field()), ("BAD_USER_INPUT", Some("receivedAt")));
        let raised = log(&app, &bob, sent("Raised")).await.data()["logContact"].clone();
        assert_eq!(raised["channel"], "COUNCILLOR");
        assert_eq!(at(&raised["receivedAt"]), app.state.clock.now());

        // Staff still record what the customer told them.
        let fo = app.token("leeds", &["frontline"], "fo");
        let phoned = log(&app, &fo, complaint_input("By email last month")).await.data()["logContact"].clone();
        assert_eq!((phoned["channel"].as_str(), phoned["receivedAt"].as_str()), (Some("EMAIL"), Some("2026-11-20T10:00:00+00:00")));
        let mut silent = complaint_input("No channel");
        silent.as_object_mut().unwrap().remove("channel");
        let refused = log(&app, &fo, silent).await;
        assert_eq!((refused.code(), refused.field()), ("BAD_USER_INPUT", Some("channel")));
    }

    async fn a_customer_asks_for_the_next_stage_now_or_not_at_all(app: TestApp) {
        let ann = app.token("leeds", &["customer"], "ann-portal");
        let own = log(&app, &ann, sent("My own complaint")).await.data()["logContact"].clone();
        let id = own["id"].as_str().unwrap().to_owned();
        let dee = app.token("leeds", &["dcro"], "dee");
        app.acted(&dee, "acknowledgeCase", &id, json!({})).await;
        app.acted(&dee, "respondToCase", &id, json!({ "input": { "outcome": "NOT_UPHELD", "summary": "No fault found" } })).await;
        let answered = app.case("leeds", &id).await;
        let request = json!({ "reasons": "The bin is still not collected", "desiredOutcome": "Collect it" });

        let backdated = app.act(&ann, "requestEscalation", &id, json!({ "input": request, "at": "2025-12-01T10:00:00Z" })).await;
        assert_eq!((backdated.code(), backdated.field()), ("BAD_USER_INPUT", Some("at")));
        let mut verbal = request.clone();
        verbal["verbal"] = json!(true);
        let refused = app.act(&ann, "requestEscalation", &id, json!({ "input": verbal })).await;
        assert_eq!((refused.code(), refused.field()), ("BAD_USER_INPUT", Some("verbal")));
        let mut discretion = request.clone();
        discretion["discretion"] = json!(true);
        assert_eq!(app.act(&ann, "requestEscalation", &id, json!({ "input": discretion })).await.code(), "FORBIDDEN");
        let withdrawn = app.act(&ann, "withdrawCase", &id, json!({ "at": "2026-11-01T10:00:00Z" })).await;
        assert_eq!((withdrawn.code(), withdrawn.field()), ("BAD_USER_INPUT", Some("at")));
        let unchanged = app.case("leeds", &id).await;
        assert_eq!(unchanged["version"], answered["version"], "refusals write nothing");
        assert_eq!(kinds(&unchanged), kinds(&answered));

        let moved = app.acted(&ann, "requestEscalation", &id, json!({ "input": request })).await;
        assert_eq!(moved["status"], "ESCALATION_REQUESTED");
        assert_eq!(at(&moved["stageStartedAt"]), app.state.clock.now(), "requested when sent");
        let own_step = step(&moved, "ESCALATION_REQUESTED").unwrap();
        assert_eq!(own_step["data"]["reasons"], "The bin is still not collected", "their own reasons");
        assert_eq!(own_step["actorSubject"], "ann-portal");
    }

    async fn a_case_staff_logged_by_phone_reaches_the_customers_portal_once_linked(app: TestApp) {
        let fo = app.token("leeds", &["frontline"], "fo");
        let mut phoned = complaint_input("Phoned in");
        phoned["channel"] = json!("PHONE");
        let case = log(&app, &fo, phoned).await.data()["logContact"].clone();
        let id = case["id"].as_str().unwrap().to_owned();
        let ann_record = app.graphql(Some(&fo), "query($id: ID!) { case(id: $id) { customer { id } } }", json!({ "id": id })).await.data()["case"]["customer"]["id"].clone();
        let ann = app.token("leeds", &["customer"], "ann-portal");
        let zed = app.token("leeds", &["customer"], "zed");
        let mine = "{ cases { totalCount edges { node { id reference channel } } } }";
        assert_eq!(app.graphql(Some(&ann), mine, json!({})).await.data()["cases"]["totalCount"], 0, "not hers until linked");
        // Following this case by its id is NOT_FOUND to her until it is
        // hers; she follows all of hers instead.
        let mut anns_feed = subscribe(&app, &ann, None).await;
        listening(&app, 1).await;
        // The same case is, meanwhile, nothing to her live either.
        app.acted(&fo, "acknowledgeCase", &id, json!({})).await;

        let link = "mutation($c: ID!, $s: String!) { linkPortalAccount(customerId: $c, portalSubject: $s) { id email } }";
        let herself = app.graphql(Some(&ann), link, json!({ "c": ann_record, "s": "ann-portal" })).await;
        assert_eq!(herself.code(), "FORBIDDEN", "a customer cannot claim a record");
        assert_eq!(app.graphql(Some(&ann), mine, json!({})).await.data()["cases"]["totalCount"], 0);
        let linked = app.graphql(Some(&fo), link, json!({ "c": ann_record, "s": "ann-portal" })).await;
        assert_eq!(linked.data()["linkPortalAccount"], json!({ "id": ann_record, "email": "ann@example.org" }));

        let hers = app.graphql(Some(&ann), mine, json!({})).await;
        assert_eq!(hers.data()["cases"]["totalCount"], 1);
        assert_eq!(hers.data()["cases"]["edges"][0]["node"]["id"], id.as_str());
        assert_eq!(hers.data()["cases"]["edges"][0]["node"]["channel"], "PHONE");
        let seen = read(&app, &ann, &id).await;
        assert_eq!(kinds(&seen), ["CONTACT_LOGGED", "ACKNOWLEDGED", "PORTAL_LINKED"]);
        let noted = step(&seen, "PORTAL_LINKED").unwrap();
        assert_eq!((noted["summary"].as_str(), noted["actorSubject"].as_str()), (Some("Linked to your portal account"), None));
        // What reaches her live is this case, now hers: the link, and at most
        // the acknowledgement if it was still on its way when the link landed.
        let mut live = update(&mut anns_feed).await;
        if live["eventKind"] == "ACKNOWLEDGED" {
            assert_eq!(live["caseId"], id.as_str());
            live = update(&mut anns_feed).await;
        }
        assert_eq!((live["caseId"].as_str(), live["eventKind"].as_str(), live["summary"].as_str()), (Some(id.as_str()), Some("PORTAL_LINKED"), Some("Linked to your portal account")));

        // Never another customer's; linking twice changes nothing; another
        // account cannot take the record over.
        assert_eq!(app.graphql(Some(&zed), mine, json!({})).await.data()["cases"]["totalCount"], 0);
        assert_eq!(app.graphql(Some(&zed), "query($id: ID!) { case(id: $id) { id } }", json!({ "id": id })).await.code(), "NOT_FOUND");
        app.graphql(Some(&fo), link, json!({ "c": ann_record, "s": "ann-portal" })).await.data();
        let taken = app.graphql(Some(&fo), link, json!({ "c": ann_record, "s": "zed" })).await;
        assert_eq!(taken.code(), "CONFLICT");
        assert_eq!(app.graphql(Some(&zed), mine, json!({})).await.data()["cases"]["totalCount"], 0);
        assert_eq!(kinds(&app.case("leeds", &id).await), ["CONTACT_LOGGED", "ACKNOWLEDGED", "PORTAL_LINKED"], "one note, however often linked");
        let unknown = app.graphql(Some(&fo), link, json!({ "c": uuid::Uuid::nil().to_string(), "s": "ann-portal" })).await;
        assert_eq!(unknown.code(), "NOT_FOUND");

        // What she logs on the portal now files under the same record.
        let own = log(&app, &ann, sent("Online this time")).await.data()["logContact"].clone();
        let filed = app.graphql(Some(&fo), "query($id: ID!) { case(id: $id) { customer { id } } }", json!({ "id": own["id"] })).await.data()["case"]["customer"]["id"].clone();
        assert_eq!(filed, ann_record);
        assert_eq!(app.graphql(Some(&ann), mine, json!({})).await.data()["cases"]["totalCount"], 2);
    }
}
