//! The one hardened Rhai engine every policy runs on, and the per-call guard
//! that carries the council's calendar, the wall-clock budget and what the
//! script printed.
//!
//! The engine starts empty (`Engine::new_raw`) and gets only the packages a
//! policy needs, so nothing that blocks, reads the clock or does I/O (Rhai's
//! `sleep`, `timestamp`, `eval`, `exit`, ...) is reachable. The list of
//! callable functions is reviewed in `allowed_functions.txt`.

use std::{
    cell::RefCell,
    collections::HashMap,
    panic::{AssertUnwindSafe, catch_unwind},
    sync::{Arc, Mutex, OnceLock},
    time::{Duration, Instant},
};

#[cfg(test)]
use chrono::NaiveDate;
use rhai::{
    Dynamic, Engine, Module, OptimizationLevel,
    packages::{
        ArithmeticPackage, BasicArrayPackage, BasicIteratorPackage, BasicMapPackage,
        BasicMathPackage, BasicStringPackage, LogicPackage, MoreStringPackage, Package,
    },
};

use super::{calendar::Calendar, prelude};

/// Bounds on one hook call. Real hooks use a few thousand operations; these
/// leave room for generous scripts and none for runaway ones.
pub const MAX_OPERATIONS: u64 = 200_000;
pub const MAX_CALL_LEVELS: usize = 24;
pub const MAX_EXPR_DEPTH: usize = 48;
pub const MAX_FN_EXPR_DEPTH: usize = 32;
pub const MAX_STRING_BYTES: usize = 16 * 1024;
/// Rhai counts these over a whole nested value, so a script's list of tests
/// counts every map inside it.
pub const MAX_ARRAY_LEN: usize = 10_000;
pub const MAX_MAP_LEN: usize = 10_000;
pub const MAX_FUNCTIONS: usize = 256;
pub const WALL_CLOCK: Duration = Duration::from_millis(50);
/// Marker returned from the progress callback; it ends the run as `ErrorTerminated`.
pub const TIMED_OUT: &str = "wall-clock budget exceeded";
/// What `print` and `debug` may write in one hook call.
pub const MAX_OUTPUT_LINES: usize = 20;
pub const MAX_OUTPUT_BYTES: usize = 2048;
/// What all calls of one validation or preview may hand back to the admin.
pub const MAX_CAPTURED_LINES: usize = 200;
/// Live traffic: lines per council the server log takes in a burst, and how
/// many it takes back per second after that.
pub const LOG_BURST: f64 = 40.0;
pub const LOG_PER_SECOND: f64 = 2.0;

/// Built-in names that would let a script reach code the static check cannot
/// see (a function named at run time) or leave a hook early.
const DISABLED: &[&str] = &[
    "eval",
    "Fn",
    "call",
    "curry",
    "is_def_fn",
    "is_def_var",
    "is_shared",
    "exit",
];

struct CallGuard {
    deadline: Instant,
    calendar: Arc<Calendar>,
    council: Arc<str>,
    lines: usize,
    bytes: usize,
    truncated: bool,
}

thread_local! {
    // A hook runs synchronously on one thread, so the guard for the call in
    // progress lives here; prelude functions read the calendar from it.
    static CALL: RefCell<Option<CallGuard>> = const { RefCell::new(None) };
    // Set while a script is validated or previewed: its output goes back to
    // the admin, not to the server log, and all its calls share one deadline.
    static SESSION: RefCell<Option<Session>> = const { RefCell::new(None) };
}

struct Session {
    deadline: Instant,
    output: Vec<String>,
    dropped: usize,
}

pub fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(build)
}

fn build() -> Engine {
    let mut engine = Engine::new_raw();
    // One module for all packages: a call the engine has not resolved yet
    // in this hook call probes each global module in turn, so one instead
    // of eight. Combined in the order they would be registered, so the same
    // function wins where two packages define it.
    let mut library = Module::new();
    for package in [
        ArithmeticPackage::new().as_shared_module(),
        LogicPackage::new().as_shared_module(),
        BasicMathPackage::new().as_shared_module(),
        BasicStringPackage::new().as_shared_module(),
        MoreStringPackage::new().as_shared_module(),
        BasicIteratorPackage::new().as_shared_module(),
        BasicArrayPackage::new().as_shared_module(),
        BasicMapPackage::new().as_shared_module(),
    ] {
        library.combine((*package).clone());
    }
    library.build_index();
    engine.register_global_module(library.into());
    for symbol in DISABLED {
        engine.disable_symbol(*symbol);
    }
    engine
        .set_max_operations(MAX_OPERATIONS)
        .set_max_call_levels(MAX_CALL_LEVELS)
        .set_max_expr_depths(MAX_EXPR_DEPTH, MAX_FN_EXPR_DEPTH)
        .set_max_string_size(MAX_STRING_BYTES)
        .set_max_array_size(MAX_ARRAY_LEN)
        .set_max_map_size(MAX_MAP_LEN)
        .set_max_functions(MAX_FUNCTIONS)
        // Simple folds constant expressions of built-in operators only; it
        // never runs script functions at compile time.
        .set_optimization_level(OptimizationLevel::Simple)
        .on_print(emit)
        .on_debug(|text, _, pos| emit(&format!("{pos}: {text}")))
        .on_progress(|ops| {
            // Reading the clock on every operation would dominate small hooks.
            if ops % 512 == 0 && over_budget() {
                Some(Dynamic::from(TIMED_OUT))
            } else {
                None
            }
        });
    prelude::register(&mut engine);
    engine
}

fn over_budget() -> bool {
    CALL.with(|call| {
        call.borrow()
            .as_ref()
            .is_some_and(|g| Instant::now() > g.deadline)
    })
}

/// A panic inside the engine or a host function, caught at the call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Panicked(pub String);

/// Runs `f` so that a panic becomes a value; the only place a script's
/// engine work is shielded, so every caller gets the same containment.
pub fn contained<R>(f: impl FnOnce() -> R) -> Result<R, Panicked> {
    catch_unwind(AssertUnwindSafe(f)).map_err(|payload| {
        let message = payload
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown fault".to_owned());
        Panicked(message)
    })
}

/// Runs `f` as one guarded hook call of `council`'s script on `calendar`.
pub fn guarded<R>(
    council: &str,
    calendar: &Arc<Calendar>,
    f: impl FnOnce() -> R,
) -> Result<R, Panicked> {
    guarded_for(WALL_CLOCK, council, calendar, f)
}

pub fn guarded_for<R>(
    budget: Duration,
    council: &str,
    calendar: &Arc<Calendar>,
    f: impl FnOnce() -> R,
) -> Result<R, Panicked> {
    let mut deadline = Instant::now() + budget;
    if let Some(total) = SESSION.with(|s| s.borrow().as_ref().map(|s| s.deadline)) {
        deadline = deadline.min(total);
    }
    let previous = CALL.with(|call| {
        call.replace(Some(CallGuard {
            deadline,
            calendar: calendar.clone(),
            council: Arc::from(council),
            lines: 0,
            bytes: 0,
            truncated: false,
        }))
    });
    let result = contained(f);
    CALL.with(|call| call.replace(previous));
    result
}

/// What a validation or preview session gathered besides its result.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SessionOutput {
    /// What the script printed, in order, within the per-call limits.
    pub lines: Vec<String>,
    /// Whether the session ran past its total budget.
    pub out_of_time: bool,
}

/// Runs `f` as one validation or preview: every hook call inside shares the
/// `budget` and what scripts print is returned instead of logged.
pub fn session<R>(budget: Duration, f: impl FnOnce() -> R) -> (R, SessionOutput) {
    let deadline = Instant::now() + budget;
    let previous = SESSION.with(|s| {
        s.replace(Some(Session {
            deadline,
            output: Vec::new(),
            dropped: 0,
        }))
    });
    let result = f();
    let session = SESSION.with(|s| s.replace(previous));
    let mut output = SessionOutput {
        out_of_time: Instant::now() > deadline,
        ..Default::default()
    };
    if let Some(mut session) = session {
        if session.dropped > 0 {
            session.output.push(format!(
                "... {} more line(s) not shown (at most {MAX_CAPTURED_LINES})",
                session.dropped
            ));
        }
        output.lines = session.output;
    }
    (result, output)
}

/// Whether the session in progress has spent its total budget.
pub fn session_out_of_time() -> bool {
    SESSION.with(|s| {
        s.borrow()
            .as_ref()
            .is_some_and(|s| Instant::now() > s.deadline)
    })
}

/// One line of `print` or `debug`, held to the call's limits.
fn emit(text: &str) {
    let line = CALL.with(|call| {
        let mut call = call.borrow_mut();
        let guard = call.as_mut()?;
        let room = MAX_OUTPUT_BYTES.saturating_sub(guard.bytes);
        if guard.lines >= MAX_OUTPUT_LINES || room == 0 {
            if guard.truncated {
                return None;
            }
            guard.truncated = true;
            return Some((
                guard.council.clone(),
                format!(
                    "... further output of this call dropped (at most {MAX_OUTPUT_LINES} lines, {MAX_OUTPUT_BYTES} bytes)"
                ),
            ));
        }
        let mut end = text.len().min(room);
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        guard.lines += 1;
        guard.bytes += end.max(1);
        Some((guard.council.clone(), text[..end].to_owned()))
    });
    let Some((council, line)) = line else {
        return;
    };
    let captured = SESSION.with(|s| {
        let mut s = s.borrow_mut();
        let session = s.as_mut()?;
        if session.output.len() < MAX_CAPTURED_LINES {
            session.output.push(line.clone());
        } else {
            session.dropped += 1;
        }
        Some(())
    });
    if captured.is_none() && log_bucket_allows(&council) {
        tracing::info!(target: "redress::policy::script", council = %council, "{line}");
    }
}

/// A token bucket per council for script output reaching the server log.
struct Bucket {
    tokens: f64,
    at: Instant,
    dropped: u64,
}

fn log_bucket_allows(council: &str) -> bool {
    static BUCKETS: OnceLock<Mutex<HashMap<String, Bucket>>> = OnceLock::new();
    let now = Instant::now();
    let mut buckets = BUCKETS
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let bucket = buckets.entry(council.to_owned()).or_insert(Bucket {
        tokens: LOG_BURST,
        at: now,
        dropped: 0,
    });
    let refill = now.duration_since(bucket.at).as_secs_f64() * LOG_PER_SECOND;
    bucket.tokens = (bucket.tokens + refill).min(LOG_BURST);
    bucket.at = now;
    if bucket.tokens < 1.0 {
        bucket.dropped += 1;
        return false;
    }
    bucket.tokens -= 1.0;
    if bucket.dropped > 0 {
        tracing::warn!(target: "redress::policy::script", council, dropped = bucket.dropped, "script output over its rate; lines dropped");
        bucket.dropped = 0;
    }
    true
}

#[cfg(test)]
thread_local! {
    static FAULT: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Makes the host's calendar lookup fail on this thread while `f` runs, to
/// prove a fault in host code is contained.
#[cfg(test)]
pub fn with_host_fault<R>(f: impl FnOnce() -> R) -> R {
    FAULT.with(|x| x.set(true));
    let result = f();
    FAULT.with(|x| x.set(false));
    result
}

/// The calendar of the call in progress (bank holidays only outside a call).
pub fn calendar() -> Arc<Calendar> {
    #[cfg(test)]
    if FAULT.with(std::cell::Cell::get) {
        panic!("injected host fault");
    }
    CALL.with(|call| call.borrow().as_ref().map(|g| g.calendar.clone()))
        .unwrap_or_else(|| Arc::new(Calendar::england_and_wales()))
}

/// Every function a script can call, one signature a line, sorted: what
/// `allowed_functions.txt` must match.
pub fn callable_signatures() -> Vec<String> {
    let mut all: Vec<String> = engine()
        .gen_fn_signatures(true)
        .iter()
        .map(|s| pretty_signature(s))
        .collect();
    all.sort();
    all.dedup();
    all
}

/// A signature as an admin reads it: `add_days(_: Date, _: i64) -> Date`
/// rather than Rust's `&mut` and `core::result::Result<...>`.
pub fn pretty_signature(raw: &str) -> String {
    // Host functions taking any value name Rhai's type in full.
    let raw = raw.replace("types::dynamic::Dynamic", "Dynamic");
    let Some((head, ret)) = raw.rsplit_once(" -> ") else {
        return raw.replace("&mut ", "");
    };
    let ret = match ret
        .strip_prefix("core::result::Result<")
        .or_else(|| ret.strip_prefix("Result<"))
    {
        Some(inner) => ok_type(inner),
        None => ret,
    };
    let ret = ret.rsplit("::").next().unwrap_or(ret);
    format!("{} -> {ret}", head.replace("&mut ", ""))
}

/// The success type of a `Result<T, E>`'s inside, as scripts name it.
fn ok_type(inner: &str) -> &str {
    let mut depth = 0usize;
    let end = inner
        .char_indices()
        .find(|&(_, c)| {
            match c {
                '<' => depth += 1,
                '>' => depth = depth.saturating_sub(1),
                _ => {}
            }
            c == ',' && depth == 0
        })
        .map_or(inner.len(), |(i, _)| i);
    let ok = &inner[..end];
    if ok.contains("BTreeMap<") {
        "map"
    } else if ok.contains("Vec<") {
        "array"
    } else {
        ok
    }
}

#[cfg(test)]
mod tests {
    use rhai::{CallFnOptions, Dynamic, EvalAltResult, Scope};

    use super::*;

    #[test]
    fn a_script_that_outruns_its_wall_clock_budget_is_terminated() {
        // Few operations, so only the clock can stop it.
        let ast = engine()
            .compile("fn slow() { let d = date(\"2026-01-05\"); for i in 0..5000 { d = d.add_working_days(3000); d = d.add_working_days(-3000); } d }")
            .unwrap();
        let calendar = Arc::new(Calendar::england_and_wales());
        let result = guarded_for(Duration::ZERO, "test", &calendar, || {
            engine().call_fn_with_options::<Dynamic>(
                CallFnOptions::new().eval_ast(false),
                &mut Scope::new(),
                &ast,
                "slow",
                (),
            )
        })
        .unwrap();
        let err = result.unwrap_err();
        let terminated = match *err {
            EvalAltResult::ErrorInFunctionCall(_, _, inner, _) => {
                matches!(*inner, EvalAltResult::ErrorTerminated(..))
            }
            other => matches!(other, EvalAltResult::ErrorTerminated(..)),
        };
        assert!(terminated, "expected termination by the wall-clock budget");
    }

    #[test]
    fn the_calendar_of_the_call_is_the_one_prelude_functions_use() {
        let christmas_shutdown = NaiveDate::from_ymd_opt(2026, 12, 29).unwrap();
        let calendar = Arc::new(Calendar::with_closures([christmas_shutdown]));
        let inside = guarded("test", &calendar, || {
            super::calendar().is_working_day(christmas_shutdown)
        })
        .unwrap();
        assert!(!inside);
        assert!(
            super::calendar().is_working_day(christmas_shutdown),
            "outside a call: bank holidays only"
        );
    }

    #[test]
    fn a_panic_in_a_call_is_contained_and_the_guard_is_restored() {
        let calendar = Arc::new(Calendar::england_and_wales());
        let result = guarded("test", &calendar, || -> () { panic!("boom") });
        assert_eq!(result, Err(Panicked("boom".into())));
        assert!(CALL.with(|c| c.borrow().is_none()), "guard left behind");
    }

    #[test]
    fn output_is_held_to_the_per_call_limits_and_returned_in_a_session() {
        let ast = engine()
            .compile("fn chatty() { for i in 0..100 { print(`line ${i}`); } }")
            .unwrap();
        let calendar = Arc::new(Calendar::england_and_wales());
        let call = || {
            guarded("test", &calendar, || {
                engine()
                    .call_fn::<Dynamic>(&mut Scope::new(), &ast, "chatty", ())
                    .unwrap()
            })
            .unwrap()
        };
        let (_, output) = session(Duration::from_secs(2), || {
            let _ = call();
            let _ = call();
        });
        // Two calls of 20 lines each plus one truncation note each.
        assert_eq!(output.lines.len(), 2 * (MAX_OUTPUT_LINES + 1));
        assert_eq!(output.lines[0], "line 0");
        assert_eq!(output.lines[MAX_OUTPUT_LINES - 1], "line 19");
        assert!(output.lines[MAX_OUTPUT_LINES].contains("dropped"));
        assert!(!output.out_of_time);
    }

    #[test]
    fn one_huge_line_is_cut_to_the_byte_limit() {
        let ast = engine()
            .compile("fn big() { let s = \"é\"; s.pad(5000, 'é'); print(s); print(\"more\"); }")
            .unwrap();
        let calendar = Arc::new(Calendar::england_and_wales());
        let (_, output) = session(Duration::from_secs(2), || {
            guarded("test", &calendar, || {
                engine()
                    .call_fn::<Dynamic>(&mut Scope::new(), &ast, "big", ())
                    .unwrap()
            })
            .unwrap()
        });
        let bytes: usize = output.lines.iter().take(1).map(String::len).sum();
        assert!(bytes <= MAX_OUTPUT_BYTES, "{bytes}");
        assert!(output.lines[1].contains("dropped"), "{:?}", output.lines);
    }

    #[test]
    fn the_server_log_takes_a_burst_per_council_then_refuses() {
        let council = "bucket-test";
        let allowed = (0..100).filter(|_| log_bucket_allows(council)).count();
        assert_eq!(allowed, LOG_BURST as usize);
        assert!(
            log_bucket_allows("another-council"),
            "buckets are per council"
        );
    }

    const ALLOWED_HEADER: &str = "\
# Every function a policy script can call, one signature a line, as the
# engine reports it. Reviewed: none blocks, reads the clock, does I/O or runs
# code named at run time. A test compares this list with the engine; after a
# Rhai upgrade or a prelude change regenerate it with
#   REDRESS_WRITE_ALLOWED_FUNCTIONS=1 cargo test --lib policy::sandbox
# and review the diff before committing it.
";

    #[test]
    fn every_callable_function_is_on_the_reviewed_list() {
        let callable = callable_signatures();
        if std::env::var_os("REDRESS_WRITE_ALLOWED_FUNCTIONS").is_some() {
            let path = concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/src/policy/allowed_functions.txt"
            );
            let text = format!("{}\n{}\n", ALLOWED_HEADER.trim_end(), callable.join("\n"));
            std::fs::write(path, text).unwrap();
            return;
        }
        let reviewed: Vec<&str> = include_str!("allowed_functions.txt")
            .lines()
            .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
            .collect();
        let unreviewed: Vec<&String> = callable
            .iter()
            .filter(|s| !reviewed.contains(&s.as_str()))
            .collect();
        let gone: Vec<&&str> = reviewed
            .iter()
            .filter(|s| !callable.iter().any(|c| c == **s))
            .collect();
        assert!(
            unreviewed.is_empty() && gone.is_empty(),
            "the functions scripts can call changed.\n\
             Not on the reviewed list: {unreviewed:#?}\nListed but gone: {gone:#?}\n\
             Review each new function (it must not block, read the clock, do I/O or \
             run code named at run time), then regenerate the list with\n  \
             REDRESS_WRITE_ALLOWED_FUNCTIONS=1 cargo test --lib policy::sandbox \
             and review its diff"
        );
    }

    #[test]
    fn nothing_that_blocks_reads_the_clock_or_runs_other_code_is_callable() {
        let callable = callable_signatures();
        for banned in [
            "sleep(",
            "timestamp(",
            "eval(",
            "exit(",
            "parse_json(",
            "get_fn_metadata_list(",
        ] {
            assert!(
                !callable.iter().any(|s| s.starts_with(banned)),
                "{banned} is callable"
            );
        }
    }
}
