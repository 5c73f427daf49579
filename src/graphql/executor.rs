//! One operation per HTTP body runs on a schema without extensions. With
//! any extension registered, async-graphql sends every field and every list
//! item through the extension chain and looks both up in the registry for
//! it, although none of ours looks at fields; without one it calls the
//! resolvers directly. What the extensions do for batches and
//! subscriptions is done here instead, in the same order: the nesting
//! limit, sign-in, the parsed-document cache, the document's limits, the
//! dates, and after execution the error codes.

use std::sync::{Arc, OnceLock};

use async_graphql::{
    Request, Response, SchemaEnv, ServerError, ServerResult,
    extensions::{Extension, ExtensionContext, ExtensionFactory, NextPrepareRequest},
    parser::parse_query,
};
use futures_util::FutureExt;

use super::{
    AppSchema,
    document_cache::{Documents, Entry},
    errors, input_dates, limits, signed_in,
};

/// Runs single operations on a schema without extensions, with the checks
/// of the extensions made beforehand.
pub struct Executor {
    /// Runs every validation rule.
    strict: AppSchema,
    /// Runs only the complexity and depth limits, for a document that
    /// passed every rule before with the same operation name and no
    /// variables: the rules would answer the same.
    checked: AppSchema,
    env: SchemaEnv,
    /// Only documents that passed [`limits::check_document`].
    documents: Documents,
}

/// A request ready for the schema.
struct Prepared {
    request: Request,
    entry: Arc<Entry>,
    passed_rules: bool,
}

impl Executor {
    /// `strict` and `checked` are the schema without extensions, in the
    /// two validation modes.
    pub(super) fn new(strict: AppSchema, checked: AppSchema) -> Self {
        Self {
            env: schema_env(),
            strict,
            checked,
            documents: Documents::new(),
        }
    }

    pub async fn execute(&self, request: Request, signed_in: bool) -> Response {
        let mut response = match self.prepare(request, signed_in) {
            Ok(Prepared {
                request,
                passed_rules: true,
                ..
            }) => self.checked.execute(request).await,
            Ok(Prepared { request, entry, .. }) => {
                let reusable = request.variables.is_empty();
                let operation_name = request.operation_name.clone();
                let response = self.strict.execute(request).await;
                if reusable && ran(&response) {
                    let _ = entry.passed_rules.set(operation_name);
                }
                response
            }
            Err(error) => Response::from_errors(vec![error]),
        };
        response.errors.iter_mut().for_each(errors::classify);
        response
    }

    fn prepare(&self, mut request: Request, signed_in: bool) -> ServerResult<Prepared> {
        limits::check_nesting(&request.query)?;
        if !signed_in {
            return Err(signed_in::not_signed_in());
        }
        let registry = &self.env.registry;
        let entry = match self.documents.get(&request.query) {
            Some(entry) => entry,
            None => {
                let document = parse_query(&request.query).map_err(ServerError::from)?;
                limits::check_document(registry, &document)?;
                self.documents.put(&request.query, &document)
            }
        };
        // The rules passed for this text without variables, so its dates,
        // all written in it, passed too.
        let passed_rules = request.variables.is_empty()
            && entry.passed_rules.get() == Some(&request.operation_name);
        if !passed_rules
            && let Some(refused) =
                input_dates::refused_date(registry, &entry.document, &request.variables)
        {
            return Err(refused);
        }
        request.set_parsed_query(entry.document.clone());
        Ok(Prepared {
            request,
            entry,
            passed_rules,
        })
    }
}

/// Whether the operation got past validation: it answered without errors,
/// or with errors of fields only, which execution alone raises.
fn ran(response: &Response) -> bool {
    response.errors.iter().all(|error| !error.path.is_empty())
}

/// The registry of the schema's types. async-graphql lends it only to
/// extensions, so a throwaway schema with one that keeps it answers one
/// request that needs no database.
fn schema_env() -> SchemaEnv {
    let kept = Arc::new(OnceLock::new());
    let probe = super::builder(None)
        .extension(KeepEnv(kept.clone()))
        .finish();
    let answered = probe.execute("{ __typename }").now_or_never();
    debug_assert!(answered.is_some(), "the probe needs no I/O");
    kept.get()
        .cloned()
        .expect("the probe's extension was prepared")
}

struct KeepEnv(Arc<OnceLock<SchemaEnv>>);

impl ExtensionFactory for KeepEnv {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(KeepEnv(self.0.clone()))
    }
}

#[async_trait::async_trait]
impl Extension for KeepEnv {
    async fn prepare_request(
        &self,
        ctx: &ExtensionContext<'_>,
        request: Request,
        next: NextPrepareRequest<'_>,
    ) -> ServerResult<Request> {
        if self.0.get().is_none() {
            let _ = self.0.set(ctx.schema_env.clone());
        }
        next.run(ctx, request).await
    }
}
