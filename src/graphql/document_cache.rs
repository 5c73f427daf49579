//! Parsed and validated documents, kept by query text. Clients send the same
//! few queries again and again; parsing and validating one costs about as
//! much CPU as executing a page of cases with it, and gives the same answer
//! every time.
//!
//! The request limits still run on every request, cached or not: a cached
//! document only skips the parser, and a cached validation only the rules
//! check, never the complexity budget drawn from it.

use std::{
    num::NonZeroUsize,
    sync::{Arc, Mutex, OnceLock},
};

use async_graphql::{
    Request, ServerError, ServerResult, ValidationResult, Variables,
    extensions::{
        Extension, ExtensionContext, ExtensionFactory, NextParseQuery, NextPrepareRequest,
        NextValidation,
    },
    parser::types::ExecutableDocument,
};
use lru::LruCache;

/// Distinct queries kept per schema; a client's screens ask a few dozen.
const CAPACITY: usize = 256;
/// Longer texts are parsed every time, so that junk cannot fill the cache
/// with large entries.
const MAX_QUERY_BYTES: usize = 8 * 1024;

pub(super) struct Entry {
    pub(super) document: ExecutableDocument,
    /// The validation of the document without variables, for one
    /// operation name: the rules' answer depends on nothing else.
    validated: OnceLock<(Option<String>, ValidationResult)>,
    /// The operation name for which the document, without variables,
    /// passed every validation rule when it last ran.
    pub(super) passed_rules: OnceLock<Option<String>>,
}

/// Documents by query text, least recently used dropped first.
#[derive(Clone)]
pub(super) struct Documents(Arc<Mutex<LruCache<String, Arc<Entry>>>>);

impl Documents {
    pub(super) fn new() -> Self {
        let capacity = NonZeroUsize::new(CAPACITY).expect("a positive capacity");
        Self(Arc::new(Mutex::new(LruCache::new(capacity))))
    }

    fn entries(&self) -> std::sync::MutexGuard<'_, LruCache<String, Arc<Entry>>> {
        // A panic while holding the lock leaves a usable cache behind.
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(super) fn get(&self, query: &str) -> Option<Arc<Entry>> {
        if query.len() > MAX_QUERY_BYTES {
            return None;
        }
        self.entries().get(query).cloned()
    }

    pub(super) fn put(&self, query: &str, document: &ExecutableDocument) -> Arc<Entry> {
        let entry = Arc::new(Entry {
            document: document.clone(),
            validated: OnceLock::new(),
            passed_rules: OnceLock::new(),
        });
        if query.len() <= MAX_QUERY_BYTES {
            self.entries().put(query.to_owned(), entry.clone());
        }
        entry
    }
}

/// Registered on the schema after the request limits, so that they see
/// every document, cached or parsed.
pub struct DocumentCache {
    documents: Documents,
}

impl DocumentCache {
    pub fn new() -> Self {
        Self {
            documents: Documents::new(),
        }
    }
}

impl Default for DocumentCache {
    fn default() -> Self {
        Self::new()
    }
}

impl ExtensionFactory for DocumentCache {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(CachedDocuments {
            documents: self.documents.clone(),
            request: Mutex::new(None),
        })
    }
}

/// What one request found in the cache.
struct Lookup {
    query: String,
    operation_name: Option<String>,
    without_variables: bool,
    found: Option<Arc<Entry>>,
}

struct CachedDocuments {
    documents: Documents,
    request: Mutex<Option<Lookup>>,
}

impl CachedDocuments {
    fn lookup(&self) -> std::sync::MutexGuard<'_, Option<Lookup>> {
        self.request.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[async_trait::async_trait]
impl Extension for CachedDocuments {
    async fn prepare_request(
        &self,
        ctx: &ExtensionContext<'_>,
        request: Request,
        next: NextPrepareRequest<'_>,
    ) -> ServerResult<Request> {
        let mut request = next.run(ctx, request).await?;
        if request.query.len() <= MAX_QUERY_BYTES {
            let found = self.documents.get(&request.query);
            if let Some(entry) = &found {
                request.set_parsed_query(entry.document.clone());
            }
            *self.lookup() = Some(Lookup {
                query: request.query.clone(),
                operation_name: request.operation_name.clone(),
                without_variables: request.variables.is_empty(),
                found,
            });
        }
        Ok(request)
    }

    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        let document = next.run(ctx, query, variables).await?;
        let mut lookup = self.lookup();
        if let Some(lookup) = lookup.as_mut().filter(|l| l.found.is_none()) {
            lookup.found = Some(self.documents.put(&lookup.query, &document));
        }
        Ok(document)
    }

    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        let reusable = self
            .lookup()
            .take()
            .filter(|l| l.without_variables)
            .and_then(|l| Some((l.operation_name, l.found?)));
        let Some((operation_name, entry)) = reusable else {
            return next.run(ctx).await;
        };
        if let Some((validated_for, result)) = entry.validated.get()
            && *validated_for == operation_name
        {
            return Ok(*result);
        }
        let result = next.run(ctx).await?;
        let _ = entry.validated.set((operation_name, result));
        Ok(result)
    }
}
