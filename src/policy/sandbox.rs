//! The one hardened Rhai engine every policy runs on, and the per-call guard
//! that carries the council's calendar and the wall-clock budget.

use std::{
    cell::RefCell,
    sync::{Arc, OnceLock},
    time::{Duration, Instant},
};

#[cfg(test)]
use chrono::NaiveDate;
use rhai::{Dynamic, Engine, OptimizationLevel};

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

struct CallGuard {
    deadline: Instant,
    calendar: Arc<Calendar>,
}

thread_local! {
    // A hook runs synchronously on one thread, so the guard for the call in
    // progress lives here; prelude functions read the calendar from it.
    static CALL: RefCell<Option<CallGuard>> = const { RefCell::new(None) };
}

pub fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(build)
}

fn build() -> Engine {
    let mut engine = Engine::new();
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
        // Built without modules (no `import`) and without `timestamp()`, so a
        // script can neither load code nor read the clock.
        .disable_symbol("eval")
        .on_print(|text| tracing::info!(target: "redress::policy::script", "{text}"))
        .on_debug(|text, source, pos| {
            tracing::debug!(target: "redress::policy::script", source = source.unwrap_or(""), %pos, "{text}")
        })
        .on_progress(|ops| {
            // Reading the clock on every operation would dominate small hooks.
            if ops % 512 == 0 && over_budget() { Some(Dynamic::from(TIMED_OUT)) } else { None }
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

/// Runs `f` as one guarded hook call on `calendar`.
pub fn guarded<R>(calendar: &Arc<Calendar>, f: impl FnOnce() -> R) -> R {
    guarded_for(WALL_CLOCK, calendar, f)
}

pub fn guarded_for<R>(budget: Duration, calendar: &Arc<Calendar>, f: impl FnOnce() -> R) -> R {
    let previous = CALL.with(|call| {
        call.replace(Some(CallGuard {
            deadline: Instant::now() + budget,
            calendar: calendar.clone(),
        }))
    });
    let result = f();
    CALL.with(|call| call.replace(previous));
    result
}

/// The calendar of the call in progress (bank holidays only outside a call).
pub fn calendar() -> Arc<Calendar> {
    CALL.with(|call| call.borrow().as_ref().map(|g| g.calendar.clone()))
        .unwrap_or_else(|| Arc::new(Calendar::england_and_wales()))
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
        let result = guarded_for(Duration::ZERO, &calendar, || {
            engine().call_fn_with_options::<Dynamic>(
                CallFnOptions::new().eval_ast(false),
                &mut Scope::new(),
                &ast,
                "slow",
                (),
            )
        });
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
        let inside = guarded(&calendar, || {
            super::calendar().is_working_day(christmas_shutdown)
        });
        assert!(!inside);
        assert!(
            super::calendar().is_working_day(christmas_shutdown),
            "outside a call: bank holidays only"
        );
    }
}
