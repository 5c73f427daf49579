//! A compiled council policy: validation (syntax, hook shapes, a dry run of
//! every hook, the script's own tests) and typed hook calls.

use std::{
    collections::{BTreeSet, HashSet},
    fmt,
    sync::Arc,
    time::Duration,
};

use chrono::NaiveDate;
use entity::enums::{Channel, ContactKind, Stage};
use rhai::{AST, CallFnOptions, Dynamic, EvalAltResult, Map, Position, Scope};
use sea_orm::{ActiveEnum, Iterable};
use serde::{Serialize, de::DeserializeOwned};
use serde_json::Value;
use sha2::{Digest, Sha256};

use super::{
    calendar::Calendar,
    convert::{self, MapBuilder},
    exclusions::{self, ExclusionTable},
    hooks::{self, *},
    numbers, sandbox, static_check,
};

/// One check of a script, dry runs and tests together, gets this long.
pub const VALIDATION_BUDGET: Duration = Duration::from_secs(2);
/// A check runs at most this many script tests.
pub const MAX_TESTS: usize = 300;
/// How far after its anchor any date a hook answers may fall (five years).
pub const MAX_DAYS_AHEAD: i64 = 5 * 366;

/// One thing wrong with a script, pointing at where it is when known.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    pub message: String,
    pub line: Option<usize>,
    pub column: Option<usize>,
    pub hook: Option<String>,
    pub test: Option<String>,
}

impl Problem {
    pub(crate) fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            line: None,
            column: None,
            hook: None,
            test: None,
        }
    }

    fn at(mut self, pos: Position) -> Self {
        self.line = pos.line();
        self.column = pos.position();
        self
    }

    fn in_hook(mut self, hook: &str) -> Self {
        self.hook = Some(hook.to_owned());
        self
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.line, self.column) {
            (Some(line), Some(col)) => write!(f, "{line}:{col}: ")?,
            (Some(line), None) => write!(f, "{line}: ")?,
            _ => {}
        }
        if let Some(test) = &self.test {
            write!(f, "test `{test}`: ")?;
        } else if let Some(hook) = &self.hook {
            write!(f, "hook `{hook}`: ")?;
        }
        f.write_str(&self.message)
    }
}

/// What validating a script found.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Report {
    pub hooks: Vec<String>,
    pub tests_run: usize,
    pub tests_passed: usize,
    pub problems: Vec<Problem>,
    /// What the script printed while it was checked, within the limits.
    pub output: Vec<String>,
}

pub fn sha256(source: &str) -> String {
    hex::encode(Sha256::digest(source.as_bytes()))
}

pub struct CompiledPolicy {
    pub council: String,
    /// 0 for a script that is being checked and was never published.
    pub version: i32,
    pub sha256: String,
    pub source: Arc<str>,
    /// The script as written: what the checks read and errors point into.
    ast: AST,
    /// What hooks run: the same script with its numbers read as constants.
    run: AST,
    calendar: Arc<Calendar>,
    hooks: BTreeSet<String>,
    exclusions: ExclusionTable,
    seniorities: Vec<String>,
}

impl fmt::Debug for CompiledPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "CompiledPolicy({} v{} {})",
            self.council,
            self.version,
            &self.sha256[..12]
        )
    }
}

impl CompiledPolicy {
    /// Parses the script and checks its hooks' signatures and calendar.
    pub fn compile(council: &str, version: i32, source: &str) -> Result<Self, Vec<Problem>> {
        let ast = sandbox::contained(|| sandbox::engine().compile(source))
            .map_err(|fault| {
                vec![Problem::new(format!(
                    "the policy engine failed while compiling {council} v{version}: {}",
                    fault.0
                ))]
            })?
            .map_err(|err| vec![Problem::new(err.err_type().to_string()).at(err.position())])?;
        let mut problems = Vec::new();
        let mut defined = BTreeSet::new();
        for f in ast.iter_functions() {
            match HOOKS.iter().find(|(name, _)| *name == f.name) {
                Some((name, params)) if params.len() == f.params.len() => {
                    defined.insert((*name).to_owned());
                }
                Some((name, params)) => problems.push(
                    Problem::new(format!(
                        "`{name}` must take {} parameter(s) ({}), not {}",
                        params.len(),
                        params.join(", "),
                        f.params.len()
                    ))
                    .in_hook(name),
                ),
                None => {}
            }
        }
        if !problems.is_empty() {
            return Err(problems);
        }
        let mut policy = Self {
            council: council.to_owned(),
            version,
            sha256: sha256(source),
            source: Arc::from(source),
            run: sandbox::contained(|| numbers::inlined(sandbox::engine(), &ast, source))
                .unwrap_or_else(|_| ast.clone()),
            ast,
            calendar: Arc::new(Calendar::england_and_wales()),
            hooks: defined,
            exclusions: ExclusionTable::default(),
            seniorities: Vec::new(),
        };
        if let Some(cal) = policy
            .typed::<CalendarOut>(CALENDAR, vec![])
            .map_err(|p| vec![p])?
        {
            policy.calendar = Arc::new(Calendar::with_closures(cal.closures));
        }
        if let Some(entries) = policy
            .typed::<Vec<exclusions::Entry>>(EXCLUSIONS, vec![])
            .map_err(|p| vec![p])?
        {
            policy.exclusions = ExclusionTable::new(entries);
        }
        if let Some(grades) = policy
            .typed::<Vec<String>>(SENIORITIES, vec![])
            .map_err(|p| vec![p])?
        {
            policy.seniorities = grades;
        }
        Ok(policy)
    }

    /// Calls to functions this build does not offer, as a publish checks.
    /// A stored version passed that check when it was published; it can
    /// fail it later only if this server offers different functions.
    pub fn undefined_calls(&self) -> Vec<Problem> {
        static_check::undefined_calls(&self.ast, &self.source)
    }

    /// Everything a publish checks: compile, that every function called
    /// exists, a dry run of each hook over every kind of contact, channel and
    /// stage (wrong shapes, impossible dates, runaway loops show up here),
    /// and the script's own tests, all within [`VALIDATION_BUDGET`]. What
    /// the script prints comes back in the report.
    pub fn validate(council: &str, source: &str) -> (Option<Self>, Report) {
        let ((policy, mut report), output) =
            sandbox::session(VALIDATION_BUDGET, || Self::check(council, source));
        report.output = output.lines;
        if policy.as_ref().is_some_and(|p| !p.defines(hooks::INTAKE)) {
            // Without it every contact would be stored in scope with no
            // stage and no clocks: an empty or truncated file, never a policy.
            report.problems.push(Problem::new(
                "the script defines no `intake(contact)` hook, so no contact would get a stage or a \
                 deadline; every council's policy needs one (see policies/README.md)",
            ));
        }
        if output.out_of_time
            && !report
                .problems
                .iter()
                .any(|p| p.message.contains(OUT_OF_TIME))
        {
            report.problems.push(Problem::new(out_of_time()));
        }
        (policy, report)
    }

    fn check(council: &str, source: &str) -> (Option<Self>, Report) {
        let policy = match Self::compile(council, 0, source) {
            Ok(policy) => policy,
            Err(problems) => {
                return (
                    None,
                    Report {
                        problems,
                        ..Default::default()
                    },
                );
            }
        };
        let mut report = Report {
            hooks: policy.hooks.iter().cloned().collect(),
            ..Default::default()
        };
        report
            .problems
            .extend(static_check::undefined_calls(&policy.ast, &policy.source));
        report
            .problems
            .extend(policy.exclusions.problems(&policy.source));
        if !report.problems.is_empty() {
            return (Some(policy), report);
        }
        report.problems.extend(policy.dry_run());
        if sandbox::session_out_of_time() {
            report.problems.push(Problem::new(format!(
                "{}; no tests were run",
                out_of_time()
            )));
            return (Some(policy), report);
        }
        let (run, failures) = policy.run_tests();
        report.tests_run = run;
        report.tests_passed = run.saturating_sub(failures.len());
        report.problems.extend(failures);
        (Some(policy), report)
    }

    /// The same compiled script, numbered as the version it was stored as.
    pub fn published_as(self, version: i32) -> Self {
        Self { version, ..self }
    }

    /// The exclusion categories the script declares (empty when it has no
    /// `exclusions` hook).
    pub fn exclusions(&self) -> &[ExclusionOut] {
        self.exclusions.categories()
    }

    /// The officers' grades the script names (empty when it has no
    /// `seniorities` hook): the only seniorities an officer may be given.
    pub fn seniorities(&self) -> &[String] {
        &self.seniorities
    }

    pub fn defines(&self, hook: &str) -> bool {
        self.hooks.contains(hook)
    }

    pub fn hooks(&self) -> impl Iterator<Item = &str> {
        self.hooks.iter().map(String::as_str)
    }

    fn call_raw(&self, hook: &str, args: Vec<Dynamic>) -> Result<Dynamic, Problem> {
        self.call_raw_for(sandbox::WALL_CLOCK, hook, args)
    }

    fn call_raw_for(
        &self,
        budget: Duration,
        hook: &str,
        args: Vec<Dynamic>,
    ) -> Result<Dynamic, Problem> {
        // A fresh scope per call: nothing to rewind.
        let options = CallFnOptions::new().eval_ast(false).rewind_scope(false);
        let result = sandbox::guarded_for(budget, &self.council, &self.calendar, || {
            sandbox::engine().call_fn_with_options::<Dynamic>(
                options,
                &mut Scope::new(),
                &self.run,
                hook,
                args,
            )
        });
        match result {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(err)) => Err(self.runtime_problem(*err).in_hook(hook)),
            Err(fault) => Err(Problem::new(format!(
                "the policy engine failed while running {} v{}: {}",
                self.council, self.version, fault.0
            ))
            .in_hook(hook)),
        }
    }

    /// Calls a hook and types its answer; `None` when the script lacks it.
    fn typed<T: DeserializeOwned>(
        &self,
        hook: &str,
        args: Vec<Dynamic>,
    ) -> Result<Option<T>, Problem> {
        if !self.defines(hook) {
            return Ok(None);
        }
        let value = self.call_raw(hook, args)?;
        if let Some(typed) = convert::from_dynamic(&value) {
            return Ok(Some(typed));
        }
        let json = convert::to_json(&value, "").map_err(|m| Problem::new(m).in_hook(hook))?;
        // Tracking the path is paid only to word an error.
        if let Ok(typed) = T::deserialize(&json) {
            return Ok(Some(typed));
        }
        serde_path_to_error::deserialize(&json)
            .map(Some)
            .map_err(|err| {
                let at = err.path().to_string();
                let at = if at == "." {
                    String::new()
                } else {
                    format!("{at}: ")
                };
                Problem::new(format!(
                    "answered in the wrong shape ({at}{}); it returned {json}",
                    err.inner()
                ))
                .in_hook(hook)
            })
    }

    /// The script's exclusion table decides first; `intake` the rest.
    pub fn intake(&self, contact: &Contact) -> Result<IntakeOut, Problem> {
        if let Some(excluded) = self.exclusions.decide(contact)? {
            return Ok(excluded);
        }
        let out = self
            .typed::<IntakeOut>(INTAKE, vec![contact.to_dynamic()])?
            .unwrap_or_else(|| IntakeOut::default_for(contact.kind));
        check_dates(INTAKE, contact.received, &out.deadlines)?;
        Ok(out)
    }

    pub fn acknowledged(&self, case: Map, anchor: NaiveDate) -> Result<DeadlinesOut, Problem> {
        self.clocks(ACKNOWLEDGED, vec![Dynamic::from_map(case)], anchor)
    }

    /// A hook that answers only deadlines, none before `anchor`; none
    /// without the hook.
    fn clocks(
        &self,
        hook: &str,
        args: Vec<Dynamic>,
        anchor: NaiveDate,
    ) -> Result<DeadlinesOut, Problem> {
        let out = self.typed::<DeadlinesOut>(hook, args)?.unwrap_or_default();
        check_dates(hook, anchor, &out.deadlines)?;
        Ok(out)
    }

    /// The default without a `responded` hook: no further stage, the LGSCO.
    pub fn responded(&self, case: Map, anchor: NaiveDate) -> Result<RespondedOut, Problem> {
        let out = self
            .typed::<RespondedOut>(RESPONDED, vec![Dynamic::from_map(case)])?
            .unwrap_or(RespondedOut {
                next_stage: None,
                deadlines: Vec::new(),
                ombudsman: Some(entity::enums::Ombudsman::Lgsco),
            });
        check_dates(RESPONDED, anchor, &out.deadlines)?;
        Ok(out)
    }

    pub fn escalation(
        &self,
        case: Map,
        request: Map,
        anchor: NaiveDate,
    ) -> Result<EscalationOut, Problem> {
        let out = self
            .typed::<EscalationOut>(
                ESCALATION,
                vec![Dynamic::from_map(case), Dynamic::from_map(request)],
            )?
            .unwrap_or(EscalationOut {
                allowed: false,
                reason: Some("this council's policy has no further stage".into()),
                stage: None,
                deadlines: Vec::new(),
                requirements: Vec::new(),
            });
        if out.allowed {
            check_dates(ESCALATION, anchor, &out.deadlines)?;
        }
        Ok(out)
    }

    /// `max_due` may not fall before the case was received nor more than
    /// [`MAX_DAYS_AHEAD`] after.
    pub fn extension(&self, case: Map, ext: Map) -> Result<ExtensionOut, Problem> {
        let received = case
            .get("received")
            .and_then(|d| d.clone().try_cast::<super::prelude::Date>());
        let out = self
            .typed::<ExtensionOut>(
                EXTENSION,
                vec![Dynamic::from_map(case), Dynamic::from_map(ext)],
            )?
            .unwrap_or(ExtensionOut {
                allowed: true,
                max_due: None,
                needs_customer_agreement: false,
                reason: None,
            });
        if let (Some(max_due), Some(received)) = (out.max_due, received) {
            in_window(
                EXTENSION,
                "max_due",
                max_due,
                received.0,
                "the case was received",
            )?;
        }
        Ok(out)
    }

    /// When the next holding response is due, if the policy sets a cadence.
    pub fn holding_response(
        &self,
        case: Map,
        anchor: NaiveDate,
    ) -> Result<Option<DueOut>, Problem> {
        let out = self
            .typed::<Option<DueOut>>(HOLDING_RESPONSE, vec![Dynamic::from_map(case)])?
            .flatten();
        if let Some(due) = &out {
            check_dates(
                HOLDING_RESPONSE,
                anchor,
                &[DeadlineOut {
                    kind: entity::enums::DeadlineKind::HoldingResponse,
                    due: due.due,
                    explanation: due.explanation.clone(),
                }],
            )?;
        }
        Ok(out)
    }

    pub fn ombudsman(
        &self,
        case: Map,
        enquiry: Map,
        anchor: NaiveDate,
    ) -> Result<DeadlinesOut, Problem> {
        self.clocks(
            OMBUDSMAN,
            vec![Dynamic::from_map(case), Dynamic::from_map(enquiry)],
            anchor,
        )
    }

    pub fn can_close(&self, case: Map) -> Result<CloseOut, Problem> {
        Ok(self
            .typed::<CloseOut>(CAN_CLOSE, vec![Dynamic::from_map(case)])?
            .unwrap_or(CloseOut {
                allowed: true,
                reason: None,
            }))
    }

    /// The clocks a reopened case runs on, counted from the reopening (the
    /// case map's `reopened`). Without the hook a reopened case has none.
    pub fn reopened(&self, case: Map, anchor: NaiveDate) -> Result<DeadlinesOut, Problem> {
        self.clocks(REOPENED, vec![Dynamic::from_map(case)], anchor)
    }

    /// The clocks that run from a checklist item being recorded as done
    /// (`requirement` is `#{ key, met: Date }`). Without the hook, none.
    pub fn requirement_met(
        &self,
        case: Map,
        requirement: Map,
        anchor: NaiveDate,
    ) -> Result<DeadlinesOut, Problem> {
        self.clocks(
            REQUIREMENT_MET,
            vec![Dynamic::from_map(case), Dynamic::from_map(requirement)],
            anchor,
        )
    }

    /// The officer's limit in pence; `None` when the council has not entered
    /// one (the hook answers `()`, or is missing).
    pub fn goodwill_limit(&self, officer: Map) -> Result<Option<i64>, Problem> {
        let limit = self
            .typed::<Option<i64>>(GOODWILL_LIMIT, vec![Dynamic::from_map(officer)])?
            .flatten();
        if let Some(limit) = limit
            && limit < 0
        {
            return Err(
                Problem::new(format!("a limit cannot be negative ({limit})"))
                    .in_hook(GOODWILL_LIMIT),
            );
        }
        Ok(limit)
    }

    pub fn persistent_review(
        &self,
        designation: Map,
        letter_date: NaiveDate,
    ) -> Result<ReviewOut, Problem> {
        let out =
            self.typed::<ReviewOut>(PERSISTENT_REVIEW, vec![Dynamic::from_map(designation)])?;
        let out = out.unwrap_or_else(|| ReviewOut {
            review_by: super::calendar::add_months(letter_date, 6),
            explanation: format!("six months after the letter of {letter_date}"),
        });
        in_window(
            PERSISTENT_REVIEW,
            "review_by",
            out.review_by,
            letter_date,
            "the letter",
        )?;
        Ok(out)
    }

    /// Runs every defined hook over every kind of contact and channel, case
    /// hooks also at every stage they can be called at, and checks the
    /// answers. A fault is reported once, with the first inputs that showed it.
    fn dry_run(&self) -> Vec<Problem> {
        let today = chrono::Utc::now().date_naive();
        let mut problems = Vec::new();
        let mut seen = HashSet::new();
        let mut note = |result: Result<(), Problem>, sample: &dyn Fn() -> String| {
            if let Err(mut problem) = result
                && seen.insert(problem.to_string())
            {
                problem.message = format!("{} (dry run: {})", problem.message, sample());
                problems.push(problem);
            }
        };
        let case_hooks = CaseHooks::defined_in(self);
        'matrix: for kind in ContactKind::iter() {
            for channel in Channel::iter() {
                let contact = Contact {
                    kind,
                    channel,
                    received: today,
                    today,
                    ..Contact::default()
                };
                let named = |stage: Option<Option<Stage>>| {
                    let stage = match stage {
                        None => String::new(),
                        Some(None) => ", no stage".to_owned(),
                        Some(Some(s)) => format!(", stage {}", s.to_value()),
                    };
                    format!(
                        "kind {}, channel {}{stage}",
                        kind.to_value(),
                        channel.to_value(),
                    )
                };
                note(self.intake(&contact).map(drop), &|| named(None));
                if channel == Channel::Email {
                    let discrimination = Contact {
                        discrimination: true,
                        ..contact.clone()
                    };
                    note(self.intake(&discrimination).map(drop), &|| {
                        format!("{}, discrimination", named(None))
                    });
                }
                if case_hooks.is_empty() {
                    continue;
                }
                // A case may have no stage (a contact that is not a
                // complaint, unless the intake gave it one) or be at any.
                for stage in std::iter::once(None).chain(Stage::iter().map(Some)) {
                    if sandbox::session_out_of_time() {
                        break 'matrix;
                    }
                    for result in self.case_hooks(&case_hooks, &contact, stage, today) {
                        note(result, &|| named(Some(stage)));
                    }
                }
            }
        }
        let designation = MapBuilder::default()
            .str("level", "restricted")
            .date("letter_date", today)
            .date("today", today);
        note(
            self.persistent_review(designation.into_map(), today)
                .map(drop),
            &|| "a restricted designation".to_owned(),
        );
        for roles in [&["dcro"][..], &["frontline"], &["complaints_manager"]] {
            let officer = MapBuilder::default()
                .strs("roles", roles)
                .opt_str("seniority", None::<String>);
            note(self.goodwill_limit(officer.into_map()).map(drop), &|| {
                format!("an officer with roles {roles:?}")
            });
        }
        problems
    }

    /// Every defined case hook on `contact` as a case at `stage`, each
    /// seeing the case as it stands when the host calls it. A stage is
    /// answered only at a complaints stage, never at the ombudsman's.
    fn case_hooks(
        &self,
        defined: &CaseHooks,
        contact: &Contact,
        stage: Option<Stage>,
        today: NaiveDate,
    ) -> Vec<Result<(), Problem>> {
        let plain = {
            let mut case = hooks::plain_case(contact);
            if let Some(stage) = stage {
                case.insert("stage".into(), Dynamic::from(stage.to_value()));
            }
            case
        };
        let case_at = |status: &str, dates: &[&str]| {
            let mut case = plain.clone();
            case.insert("status".into(), Dynamic::from(status.to_string()));
            for key in dates {
                case.insert((*key).into(), Dynamic::from(super::prelude::Date(today)));
            }
            case
        };
        let answerable = stage.is_some_and(|s| s != Stage::Ombudsman);
        let mut results = Vec::with_capacity(8);
        if defined.acknowledged {
            let acknowledged = case_at("acknowledged", &["acknowledged"]);
            results.push(self.acknowledged(acknowledged, today).map(drop));
        }
        let responded = case_at("responded", &["acknowledged", "responded", "last_update"]);
        if defined.responded && answerable {
            results.push(self.responded(responded.clone(), today).map(drop));
        }
        if defined.escalation {
            let request = hooks::escalation_request(today, false, false);
            results.push(self.escalation(responded.clone(), request, today).map(drop));
        }
        let in_progress = case_at("in_progress", &["acknowledged", "last_update"]);
        if defined.extension {
            let ext = MapBuilder::default()
                .str("kind", "respond")
                .date("current_due", super::calendar::add_calendar_days(today, 10))
                .date(
                    "requested_due",
                    super::calendar::add_calendar_days(today, 20),
                );
            results.push(
                self.extension(in_progress.clone(), ext.into_map())
                    .map(drop),
            );
        }
        if defined.holding_response {
            results.push(self.holding_response(in_progress, today).map(drop));
        }
        if defined.ombudsman {
            let enquiry = MapBuilder::default()
                .str("ombudsman", "lgsco")
                .date("received", today);
            results.push(
                self.ombudsman(responded.clone(), enquiry.into_map(), today)
                    .map(drop),
            );
        }
        if defined.can_close {
            results.push(
                self.can_close(hooks::closing(responded, "closed"))
                    .map(drop),
            );
        }
        if defined.reopened {
            let reopened = case_at("in_progress", &["acknowledged", "responded"]);
            results.push(
                self.reopened(hooks::reopening(reopened, today, "closed"), today)
                    .map(drop),
            );
        }
        results
    }

    /// Runs `tests()`; returns how many ran and the failures.
    pub fn run_tests(&self) -> (usize, Vec<Problem>) {
        if !self.defines(TESTS) {
            return (0, Vec::new());
        }
        // Building the list is not live traffic: it may use what is left of
        // the check's budget rather than one call's.
        let tests = match self.call_raw_for(VALIDATION_BUDGET, TESTS, vec![]) {
            Ok(value) => value,
            Err(p) => return (0, vec![p]),
        };
        let Some(tests) = tests.read_lock::<rhai::Array>().map(|a| a.clone()) else {
            return (
                0,
                vec![Problem::new("must return an array of tests").in_hook(TESTS)],
            );
        };
        if tests.len() > MAX_TESTS {
            return (
                0,
                vec![
                    Problem::new(format!(
                        "returns {} tests; a check runs at most {MAX_TESTS}: trim or merge them",
                        tests.len()
                    ))
                    .in_hook(TESTS),
                ],
            );
        }
        let mut failures = Vec::new();
        for (i, test) in tests.iter().enumerate() {
            if sandbox::session_out_of_time() {
                failures.push(Problem::new(format!(
                    "{}; stopped after {i} of {} tests",
                    out_of_time(),
                    tests.len()
                )));
                return (i, failures);
            }
            let name = test
                .read_lock::<Map>()
                .and_then(|m| m.get("name").map(|n| n.to_string()))
                .unwrap_or_else(|| format!("#{}", i + 1));
            if let Err(mut problem) = self.run_test(test) {
                // Where the test itself is written, unless the failure already
                // points into the script.
                if let Some(line) = self.line_of_test(&name) {
                    if let Some(raised) = problem.line.filter(|l| *l != line) {
                        let col = problem.column.map(|c| format!(":{c}")).unwrap_or_default();
                        problem.message = format!(
                            "{} (raised at {raised}{col} in the script)",
                            problem.message
                        );
                    }
                    problem.line = Some(line);
                    problem.column = None;
                }
                problem.test = Some(name);
                failures.push(problem);
            }
        }
        (tests.len(), failures)
    }

    /// The line where a test's name is written in the source, when it is a
    /// plain string there.
    fn line_of_test(&self, name: &str) -> Option<usize> {
        let quoted = serde_json::to_string(name).ok()?;
        let at = self.source.find(&quoted)?;
        Some(self.source[..at].matches('\n').count() + 1)
    }

    fn run_test(&self, test: &Dynamic) -> Result<(), Problem> {
        let map = test.read_lock::<Map>().map(|m| m.clone()).ok_or_else(|| {
            Problem::new("a test must be a map with name, hook, input and expect")
        })?;
        let hook = map
            .get("hook")
            .map(|h| h.to_string())
            .ok_or_else(|| Problem::new("the test names no hook"))?;
        let arity = HOOKS
            .iter()
            .find(|(name, _)| *name == hook)
            .map(|(_, params)| params.len())
            .ok_or_else(|| Problem::new(format!("`{hook}` is not a hook")))?;
        let mut args: Vec<Dynamic> = match map.get("input") {
            Some(input) if input.is_array() => input
                .read_lock::<rhai::Array>()
                .map(|a| a.clone())
                .unwrap_or_default(),
            Some(input) => vec![input.clone()],
            None => Vec::new(),
        };
        if args.len() != arity {
            return Err(Problem::new(format!(
                "`{hook}` takes {arity} input(s), the test gives {}",
                args.len()
            )));
        }
        if let Some(first) = args.first_mut() {
            *first = with_plain_defaults(&hook, first);
        }
        let expected = map.get("expect").cloned().unwrap_or(Dynamic::UNIT);
        let expected = convert::to_json(&expected, "expect").map_err(Problem::new)?;
        let excluded = match (hook.as_str(), args.first()) {
            (INTAKE, Some(contact)) => self.exclusions.decide_for_test(contact)?,
            _ => None,
        };
        let actual = if let Some(out) = excluded {
            serde_json::to_value(out).map_err(|e| Problem::new(e.to_string()))?
        } else if self.defines(&hook) {
            let value = self.call_raw(&hook, args)?;
            // An intake answer is compared as the host reads it, so a key it
            // leaves to its default (`in_scope: true`) is what a test sees.
            let read = (hook == INTAKE)
                .then(|| convert::from_dynamic::<IntakeOut>(&value))
                .flatten();
            match read {
                Some(out) => serde_json::to_value(out).map_err(|e| Problem::new(e.to_string()))?,
                None => convert::to_json(&value, "").map_err(Problem::new)?,
            }
        } else {
            return Err(Problem::new(format!("the script has no `{hook}` hook")));
        };
        matches(&expected, &actual, "")
            .map_err(|m| Problem::new(format!("{m}; the hook returned {actual}")))
    }
}

/// Which case hooks the script defines: the dry run builds a hook's inputs
/// only when it will call it.
struct CaseHooks {
    acknowledged: bool,
    responded: bool,
    escalation: bool,
    extension: bool,
    holding_response: bool,
    ombudsman: bool,
    can_close: bool,
    reopened: bool,
}

impl CaseHooks {
    fn defined_in(policy: &CompiledPolicy) -> Self {
        Self {
            acknowledged: policy.defines(hooks::ACKNOWLEDGED),
            responded: policy.defines(hooks::RESPONDED),
            escalation: policy.defines(hooks::ESCALATION),
            extension: policy.defines(hooks::EXTENSION),
            holding_response: policy.defines(hooks::HOLDING_RESPONSE),
            ombudsman: policy.defines(hooks::OMBUDSMAN),
            can_close: policy.defines(hooks::CAN_CLOSE),
            reopened: policy.defines(hooks::REOPENED),
        }
    }

    fn is_empty(&self) -> bool {
        !(self.acknowledged
            || self.responded
            || self.escalation
            || self.extension
            || self.holding_response
            || self.ombudsman
            || self.can_close
            || self.reopened)
    }
}

/// Inputs a test leaves out take a plain contact's values; `today` and a
/// case's `stage_received` default to the day of receipt, so tests do not
/// depend on when they run.
fn with_plain_defaults(hook: &str, given: &Dynamic) -> Dynamic {
    let Some(map) = given.read_lock::<Map>().map(|m| m.clone()) else {
        return given.clone();
    };
    let received = map.get("received").cloned();
    let today = map.get("today").cloned().or_else(|| received.clone());
    let base = match hook {
        INTAKE => Contact::default().to_map(),
        ACKNOWLEDGED | RESPONDED | ESCALATION | EXTENSION | HOLDING_RESPONSE | OMBUDSMAN
        | REOPENED | REQUIREMENT_MET => hooks::plain_case(&Contact::default()),
        CAN_CLOSE => hooks::closing(hooks::plain_case(&Contact::default()), "closed"),
        _ => Map::new(),
    };
    // A case's stage began at its receipt unless the test says otherwise.
    let stage_received = (base.contains_key("stage_received")
        && !map.contains_key("stage_received"))
    .then(|| received.clone())
    .flatten();
    let mut merged = convert::with_defaults(given, base);
    if let Some(m) = merged.write_lock::<Map>().as_deref_mut() {
        hooks::derive_facts(m, &map);
        if let Some(today) = today {
            m.insert("today".into(), today);
        }
        if let Some(start) = stage_received {
            m.insert("stage_received".into(), start);
        }
    }
    merged
}

/// `expected` must be contained in `actual`: maps by their keys, lists of
/// maps with a `kind` by kind, everything else equal.
fn matches(expected: &Value, actual: &Value, path: &str) -> Result<(), String> {
    match (expected, actual) {
        (Value::Object(exp), Value::Object(act)) => exp.iter().try_for_each(|(k, v)| {
            let here = if path.is_empty() {
                k.clone()
            } else {
                format!("{path}.{k}")
            };
            matches(v, act.get(k).unwrap_or(&Value::Null), &here)
        }),
        (Value::Array(exp), Value::Array(act)) if exp.is_empty() => {
            if act.is_empty() {
                Ok(())
            } else {
                Err(format!(
                    "{path}: expected none, found {}",
                    Value::Array(act.clone())
                ))
            }
        }
        (Value::Array(exp), Value::Array(act)) if exp.iter().all(|e| e.get("kind").is_some()) => {
            exp.iter().enumerate().try_for_each(|(i, e)| {
                let kind = &e["kind"];
                act.iter()
                    .filter(|a| a.get("kind") == Some(kind))
                    .find(|a| matches(e, a, "").is_ok())
                    .map(drop)
                    .ok_or_else(|| {
                        let near = act.iter().find(|a| a.get("kind") == Some(kind));
                        match near {
                            Some(a) => format!("{path}[{i}] ({kind}): expected {e}, found {a}"),
                            None => format!("{path}[{i}]: no {kind} in the answer"),
                        }
                    })
            })
        }
        (Value::Array(exp), Value::Array(act)) if exp.len() == act.len() => exp
            .iter()
            .zip(act)
            .enumerate()
            .try_for_each(|(i, (e, a))| matches(e, a, &format!("{path}[{i}]"))),
        (Value::Number(e), Value::Number(a)) if e.as_f64() == a.as_f64() => Ok(()),
        (e, a) if e == a => Ok(()),
        (e, a) => Err(format!(
            "{}: expected {e}, found {a}",
            if path.is_empty() { "answer" } else { path }
        )),
    }
}

/// A date before its anchor or years away is a script bug, not a rule.
fn in_window(
    hook: &str,
    what: &str,
    date: NaiveDate,
    anchor: NaiveDate,
    anchor_is: &str,
) -> Result<(), Problem> {
    let last = anchor + chrono::Days::new(MAX_DAYS_AHEAD.unsigned_abs());
    if date < anchor || date > last {
        return Err(Problem::new(format!(
            "{what} {date} is outside the window the host accepts: from {anchor} ({anchor_is}) to {last}"
        ))
        .in_hook(hook));
    }
    Ok(())
}

/// A deadline before its anchor or decades away is a script bug, not a rule.
fn check_dates(hook: &str, anchor: NaiveDate, deadlines: &[DeadlineOut]) -> Result<(), Problem> {
    for d in deadlines {
        if d.due < anchor || (d.due - anchor).num_days() > MAX_DAYS_AHEAD {
            return Err(Problem::new(format!(
                "deadline `{}` falls on {}, impossible for an event on {anchor} (the host accepts up to {MAX_DAYS_AHEAD} days after it)",
                serde_json::to_value(d.kind)
                    .unwrap_or_default()
                    .as_str()
                    .unwrap_or("?"),
                d.due
            ))
            .in_hook(hook));
        }
        if d.explanation.trim().is_empty() {
            return Err(Problem::new("every deadline needs an explanation").in_hook(hook));
        }
    }
    Ok(())
}

const OUT_OF_TIME: &str = "in total";

fn out_of_time() -> String {
    format!(
        "the check took longer than {} s {OUT_OF_TIME} (all hooks' dry runs and all tests); \
         make slow hooks cheaper or trim the tests",
        VALIDATION_BUDGET.as_secs()
    )
}

impl CompiledPolicy {
    fn runtime_problem(&self, err: EvalAltResult) -> Problem {
        // The error a script raised is wrapped once per function it was raised
        // through; its own position is on the innermost one.
        let err = match err {
            EvalAltResult::ErrorInFunctionCall(_, _, inner, _) => {
                return self.runtime_problem(*inner);
            }
            other => other,
        };
        let pos = err.position();
        let message = match &err {
            EvalAltResult::ErrorTerminated(..) if sandbox::session_out_of_time() => out_of_time(),
            EvalAltResult::ErrorTerminated(..) => {
                format!(
                    "stopped: took longer than {} ms",
                    sandbox::WALL_CLOCK.as_millis()
                )
            }
            EvalAltResult::ErrorTooManyOperations(..) => {
                format!(
                    "stopped: more than {} operations (a loop that never ends?)",
                    sandbox::MAX_OPERATIONS
                )
            }
            EvalAltResult::ErrorStackOverflow(..) => {
                format!(
                    "stopped: calls nested deeper than {} (unbounded recursion?)",
                    sandbox::MAX_CALL_LEVELS
                )
            }
            EvalAltResult::ErrorDataTooLarge(what, ..) => {
                format!("stopped: {what} grew past its limit")
            }
            EvalAltResult::ErrorFunctionNotFound(name, ..) if name.starts_with("eval") => {
                "`eval` is not available to policies".to_owned()
            }
            EvalAltResult::ErrorFunctionNotFound(call, ..) => {
                static_check::explain_not_found(call, &self.ast, &self.source)
            }
            other => strip_position(other.to_string()),
        };
        Problem::new(message).at(pos)
    }
}

fn strip_position(message: String) -> String {
    match message.rfind(" (line ") {
        Some(i) => message[..i].to_owned(),
        None => message,
    }
}
