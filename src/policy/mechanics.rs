//! The building blocks every council's script used to write for itself: the
//! shapes of hook answers, a working-day deadline with its sentence, and the
//! few readings of a case that do not differ between councils.
//!
//! They are native functions rather than a shared Rhai prelude merged into
//! each script's AST: a merged prelude would show up as the script's own
//! functions (in hook detection, the static check and error positions that
//! would point at lines the admin never wrote), cost call levels and
//! operations on every use, and copy its map arguments. Native, each is one
//! bounded operation, reads `this` in place, and is listed with its
//! signature in `allowed_functions.txt`. A script may still define a
//! function of the same name and arity; Rhai calls the script's, so what a
//! council really does differently stays in its script.

use std::{fmt::Write, sync::OnceLock};

use entity::enums::ContactKind;
use rhai::{Array, Dynamic, Engine, EvalAltResult, ImmutableString, Map};
use sea_orm::ActiveEnum;

use super::prelude::{self, Date};

type Fallible<T> = Result<T, Box<EvalAltResult>>;

pub fn register(engine: &mut Engine) {
    engine
        .register_fn("working_days_after", working_days_after)
        .register_fn("weeks_after", weeks_after)
        .register_fn("in_scope", in_scope)
        .register_fn("out_of_scope", out_of_scope)
        .register_fn("allowed", allowed)
        .register_fn("refused", refused);
    // The same answers for the stage and reason scripts pass (a name, or `()`
    // for none), typed exactly: Rhai finds a function whose parameters match
    // the arguments' types at once, and one taking `Dynamic` only after
    // trying the others.
    engine
        .register_fn("in_scope", |stage: ImmutableString, d: Array, r: Array| {
            in_scope(stage.into(), d, r)
        })
        .register_fn("in_scope", |(): (), d: Array, r: Array| {
            in_scope(Dynamic::UNIT, d, r)
        })
        .register_fn("allowed", |stage: ImmutableString, d: Array, r: Array| {
            allowed(stage.into(), d, r)
        })
        .register_fn("refused", |reason: ImmutableString| refused(reason.into()))
        .register_fn(
            "out_of_scope",
            |reason: ImmutableString, signpost: ImmutableString| {
                out_of_scope(reason.into(), signpost.into())
            },
        );
    engine
        .register_fn("is_complaint", is_complaint)
        .register_fn("unless_acknowledged", unless_acknowledged)
        .register_fn("acknowledged_on", |case: &mut Map| {
            on_or_today(case, "acknowledged")
        })
        .register_fn("responded_on", |case: &mut Map| {
            on_or_today(case, "responded")
        })
        .register_fn("limit_for", limit_for)
        .register_fn("reply_by_ombudsman_date", reply_by_ombudsman_date);
}

/// An answer of a fixed shape: a copy of the shape's keys, made once, with
/// the values set in place. Collecting a new map sorts and rebuilds it,
/// several times the cost, and these are built on every decision. It is
/// handed back as a `Dynamic` because Rhai rebuilds a `Map` a native
/// function returns, entry by entry.
fn map<const N: usize>(shape: &'static OnceLock<Map>, entries: [(&str, Dynamic); N]) -> Dynamic {
    let mut map = shape
        .get_or_init(|| {
            entries
                .iter()
                .map(|(k, _)| ((*k).into(), Dynamic::UNIT))
                .collect()
        })
        .clone();
    for (k, v) in entries {
        match map.get_mut(k) {
            Some(slot) => *slot = v,
            None => {
                map.insert(k.into(), v);
            }
        }
    }
    Dynamic::from_map(map)
}

fn empty() -> Dynamic {
    Dynamic::from_array(Array::new())
}

/// A deadline "N working days after <event> on <date> (<cite>)".
fn working_days_after(
    kind: ImmutableString,
    from: Date,
    n: i64,
    event: ImmutableString,
    cite: ImmutableString,
) -> Fallible<Dynamic> {
    let unit = ["working day", "working days"];
    counted(
        kind,
        from,
        n,
        prelude::add_working_days,
        unit,
        &event,
        &cite,
    )
}

/// A deadline "N weeks after <event> on <date> (<cite>)": calendar weeks,
/// for documents that count in weeks rather than working days.
fn weeks_after(
    kind: ImmutableString,
    from: Date,
    n: i64,
    event: ImmutableString,
    cite: ImmutableString,
) -> Fallible<Dynamic> {
    counted(
        kind,
        from,
        n,
        prelude::add_weeks,
        ["week", "weeks"],
        &event,
        &cite,
    )
}

/// A deadline `n` units after `from` as `add` counts them, with the sentence
/// that says so.
fn counted(
    kind: ImmutableString,
    from: Date,
    n: i64,
    add: fn(Date, i64) -> Fallible<Date>,
    [one, many]: [&str; 2],
    event: &str,
    cite: &str,
) -> Fallible<Dynamic> {
    let due = add(from, n)?;
    let unit = if n == 1 { one } else { many };
    let mut explanation = String::with_capacity(48 + event.len() + cite.len());
    // Pieces pushed in turn: `format!` here was a large part of a decision.
    let _ = write!(explanation, "{n}");
    for piece in [" ", unit, " after ", event, " on "] {
        explanation.push_str(piece);
    }
    match from.iso() {
        Some(iso) => explanation.push_str(iso.as_str()),
        None => {
            let _ = write!(explanation, "{from}");
        }
    }
    for piece in [" (", cite, ")"] {
        explanation.push_str(piece);
    }
    static SHAPE: OnceLock<Map> = OnceLock::new();
    Ok(map(
        &SHAPE,
        [
            ("kind", kind.into()),
            ("due", Dynamic::from(due)),
            ("explanation", explanation.into()),
        ],
    ))
}

/// `intake`'s answer for a contact the policy handles.
fn in_scope(stage: Dynamic, deadlines: Array, requirements: Array) -> Dynamic {
    static SHAPE: OnceLock<Map> = OnceLock::new();
    map(
        &SHAPE,
        [
            ("stage", stage),
            ("in_scope", true.into()),
            ("deadlines", Dynamic::from_array(deadlines)),
            ("requirements", Dynamic::from_array(requirements)),
        ],
    )
}

/// `intake`'s answer for a contact the policy does not handle.
fn out_of_scope(reason: Dynamic, signpost: Dynamic) -> Dynamic {
    static SHAPE: OnceLock<Map> = OnceLock::new();
    map(
        &SHAPE,
        [
            ("stage", Dynamic::UNIT),
            ("in_scope", false.into()),
            ("reason", reason),
            ("signpost", signpost),
            ("deadlines", empty()),
            ("requirements", empty()),
        ],
    )
}

/// `escalation`'s answer when the next stage is granted.
fn allowed(stage: Dynamic, deadlines: Array, requirements: Array) -> Dynamic {
    static SHAPE: OnceLock<Map> = OnceLock::new();
    map(
        &SHAPE,
        [
            ("allowed", true.into()),
            ("reason", Dynamic::UNIT),
            ("stage", stage),
            ("deadlines", Dynamic::from_array(deadlines)),
            ("requirements", Dynamic::from_array(requirements)),
        ],
    )
}

/// `escalation`'s answer when it is not.
fn refused(reason: Dynamic) -> Dynamic {
    static SHAPE: OnceLock<Map> = OnceLock::new();
    map(
        &SHAPE,
        [
            ("allowed", false.into()),
            ("reason", reason),
            ("stage", Dynamic::UNIT),
            ("deadlines", empty()),
            ("requirements", empty()),
        ],
    )
}

/// Whether the contact's kind moves through stages (complaints, and FOI and
/// EIR complaints), by the host's own rule.
fn is_complaint(contact: &mut Map) -> bool {
    contact
        .get("kind")
        .and_then(|k| k.clone().into_string().ok())
        .and_then(|k| ContactKind::try_from_value(&k).ok())
        .is_some_and(ContactKind::is_complaint)
}

/// A reopened case's clocks: only the response clock when the case was
/// acknowledged at its stage, all of them when it never was.
fn unless_acknowledged(case: &mut Map, clocks: Array) -> Array {
    if case.get("acknowledged").is_none_or(Dynamic::is_unit) {
        return clocks;
    }
    clocks
        .into_iter()
        .filter(|clock| {
            clock
                .read_lock::<Map>()
                .and_then(|m| m.get("kind").map(|k| k.to_string() == "respond"))
                .unwrap_or(false)
        })
        .collect()
}

/// The date of the acknowledgement or response at the current stage, or
/// today while it is being sent.
fn on_or_today(case: &mut Map, key: &str) -> Dynamic {
    match case.get(key) {
        Some(on) if !on.is_unit() => on.clone(),
        _ => case.get("today").cloned().unwrap_or(Dynamic::UNIT),
    }
}

/// The goodwill limit in `limits` for `seniority`: `0` (may not approve) for
/// an officer with no recorded seniority or one the table does not list, `()`
/// where the council has not entered an amount.
fn limit_for(limits: &mut Map, seniority: Dynamic) -> Dynamic {
    seniority
        .into_immutable_string()
        .ok()
        .and_then(|s| limits.get(s.as_str()).cloned())
        .unwrap_or(Dynamic::from(0_i64))
}

/// `ombudsman`'s answer where the council's document sets no time for its
/// reply: due on the date the ombudsman set, when staff recorded one; no
/// clock without it.
fn reply_by_ombudsman_date(enquiry: &mut Map) -> Fallible<Dynamic> {
    static DEADLINES: OnceLock<Map> = OnceLock::new();
    let reply_by = enquiry.get("reply_by").cloned().unwrap_or(Dynamic::UNIT);
    if reply_by.is_unit() {
        return Ok(map(&DEADLINES, [("deadlines", empty())]));
    }
    let received = enquiry
        .get("received")
        .and_then(|d| d.read_lock::<Date>().map(|d| *d))
        .ok_or("the enquiry's `received` must be a date")?;
    let name = match enquiry.get("ombudsman").map(Dynamic::to_string).as_deref() {
        Some("housing") => "the Housing Ombudsman",
        Some("ico") => "the Information Commissioner",
        _ => "the Local Government and Social Care Ombudsman",
    };
    static REPLY: OnceLock<Map> = OnceLock::new();
    let reply = map(
        &REPLY,
        [
            ("kind", "ombudsman_response".into()),
            ("due", reply_by),
            (
                "explanation",
                format!("the date {name} set for the reply to its enquiry of {received}").into(),
            ),
        ],
    );
    Ok(map(
        &DEADLINES,
        [("deadlines", Dynamic::from_array(vec![reply]))],
    ))
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::super::{convert, sandbox};

    fn eval(script: &str) -> Value {
        let value = sandbox::engine()
            .eval::<rhai::Dynamic>(script)
            .unwrap_or_else(|e| panic!("{script}: {e}"));
        convert::to_json(&value, "").unwrap()
    }

    #[test]
    fn a_working_day_deadline_says_how_it_was_counted() {
        assert_eq!(
            eval(r#"working_days_after("respond", date("2026-12-21"), 15, "receipt", "para 16")"#),
            json!({ "kind": "respond", "due": "2027-01-14",
                    "explanation": "15 working days after receipt on 2026-12-21 (para 16)" })
        );
        assert_eq!(
            eval(
                r#"working_days_after("acknowledge", date("2026-12-24"), 1, "receipt", "4.5").explanation"#
            ),
            json!("1 working day after receipt on 2026-12-24 (4.5)")
        );
        let too_far = sandbox::engine().eval::<rhai::Dynamic>(
            r#"working_days_after("respond", date("2026-12-21"), 99999, "receipt", "x")"#,
        );
        assert!(too_far.unwrap_err().to_string().contains("out of range"));
    }

    #[test]
    fn a_deadline_in_weeks_counts_calendar_weeks_and_says_so() {
        // Christmas and New Year's bank holidays do not move it.
        assert_eq!(
            eval(r#"weeks_after("respond", date("2026-12-21"), 10, "receipt", "5.3")"#),
            json!({ "kind": "respond", "due": "2027-03-01",
                    "explanation": "10 weeks after receipt on 2026-12-21 (5.3)" })
        );
        assert_eq!(
            eval(r#"weeks_after("respond", date("2026-12-21"), 1, "receipt", "x").explanation"#),
            json!("1 week after receipt on 2026-12-21 (x)")
        );
        let too_far = sandbox::engine().eval::<rhai::Dynamic>(
            r#"weeks_after("respond", date("2026-12-21"), -9223372036854775807 - 1, "receipt", "x")"#,
        );
        assert!(too_far.unwrap_err().to_string().contains("out of range"));
    }

    #[test]
    fn answers_have_the_shape_the_hooks_return() {
        assert_eq!(
            eval(r#"out_of_scope("why", "where")"#),
            json!({ "stage": null, "in_scope": false, "reason": "why", "signpost": "where",
                    "deadlines": [], "requirements": [] })
        );
        assert_eq!(eval(r#"in_scope("stage_1", [], []).in_scope"#), json!(true));
        assert_eq!(
            eval(r#"allowed("stage_2", [], [])"#),
            json!({ "allowed": true, "reason": null, "stage": "stage_2",
                    "deadlines": [], "requirements": [] })
        );
        assert_eq!(eval(r#"refused("no").allowed"#), json!(false));
    }

    #[test]
    fn case_readings_follow_the_host_rules() {
        assert_eq!(
            eval(r#"is_complaint(#{ kind: "eir_complaint" })"#),
            json!(true)
        );
        assert_eq!(
            eval(r#"#{ kind: "compliment" }.is_complaint()"#),
            json!(false)
        );
        assert_eq!(eval(r#"is_complaint(#{})"#), json!(false));
        let clocks = r#"[#{ kind: "acknowledge" }, #{ kind: "respond" }]"#;
        assert_eq!(
            eval(&format!(
                "#{{ acknowledged: () }}.unless_acknowledged({clocks}).len()"
            )),
            json!(2)
        );
        assert_eq!(
            eval(&format!(
                r#"#{{ acknowledged: date("2026-12-21") }}.unless_acknowledged({clocks})"#
            )),
            json!([{ "kind": "respond" }])
        );
        assert_eq!(
            eval(r#"responded_on(#{ responded: (), today: date("2026-12-21") })"#),
            json!("2026-12-21")
        );
        assert_eq!(
            eval(
                r#"acknowledged_on(#{ acknowledged: date("2026-12-01"), today: date("2026-12-21") })"#
            ),
            json!("2026-12-01")
        );
    }

    #[test]
    fn a_goodwill_limit_is_the_table_amount_for_a_listed_seniority() {
        let limits = r#"#{ officer: 5000, chief_officer: () }"#;
        assert_eq!(
            eval(&format!(r#"{limits}.limit_for("officer")"#)),
            json!(5000)
        );
        assert_eq!(
            eval(&format!(r#"{limits}.limit_for("chief_officer")"#)),
            json!(null)
        );
        assert_eq!(eval(&format!(r#"{limits}.limit_for("trainee")"#)), json!(0));
        assert_eq!(eval(&format!(r#"{limits}.limit_for(())"#)), json!(0));
    }

    #[test]
    fn the_reply_to_an_ombudsman_is_due_on_its_own_date_or_not_at_all() {
        assert_eq!(
            eval(
                r#"reply_by_ombudsman_date(#{ ombudsman: "lgsco", received: date("2027-03-15"), reply_by: date("2027-04-12") })"#
            ),
            json!({ "deadlines": [{ "kind": "ombudsman_response", "due": "2027-04-12",
                "explanation": "the date the Local Government and Social Care Ombudsman set for the reply to its enquiry of 2027-03-15" }] })
        );
        assert_eq!(
            eval(
                r#"reply_by_ombudsman_date(#{ ombudsman: "housing", received: date("2027-03-15"), reply_by: date("2027-04-12") }).deadlines[0].explanation"#
            ),
            json!("the date the Housing Ombudsman set for the reply to its enquiry of 2027-03-15")
        );
        assert_eq!(
            eval(
                r#"reply_by_ombudsman_date(#{ ombudsman: "ico", received: date("2027-03-15"), reply_by: () })"#
            ),
            json!({ "deadlines": [] })
        );
    }

    #[test]
    fn a_script_that_defines_the_same_function_uses_its_own() {
        // Versions published before the host offered these keep their own.
        let ast = sandbox::engine()
            .compile(
                "fn allowed(stage, deadlines, reason) { #{ allowed: true, reason: reason, stage: stage } }\n\
                 fn grant() { allowed(\"stage_2\", [], \"discretion\") }",
            )
            .unwrap();
        let value = sandbox::engine()
            .call_fn::<rhai::Dynamic>(&mut rhai::Scope::new(), &ast, "grant", ())
            .unwrap();
        assert_eq!(
            convert::to_json(&value, "").unwrap(),
            json!({ "allowed": true, "reason": "discretion", "stage": "stage_2" })
        );
    }
}
