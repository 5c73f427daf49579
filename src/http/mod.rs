//! HTTP routes: GraphQL (POST, GraphiQL on GET), health, readiness, metrics.

mod graphql;

pub use graphql::BodyLimit;
mod health;

use actix_web::web;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/graphql")
            .route(web::post().to(graphql::execute))
            .route(web::get().to(graphql::graphiql)),
    )
    .route("/healthz", web::get().to(health::healthz))
    .route("/readyz", web::get().to(health::readyz))
    .route("/metrics", web::get().to(health::metrics));
}
