//! HTTP routes: GraphQL (POST, GraphiQL on GET, subscriptions over a
//! websocket upgrade), health, readiness, metrics.

mod graphql;

pub use graphql::BodyLimit;
mod health;
mod json_only;
mod subscription_cap;
mod subscriptions;

pub use subscription_cap::MAX_SUBSCRIPTIONS;
pub use subscriptions::SocketLimits;

use actix_web::{guard, web};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/graphql")
            .route(web::post().to(graphql::execute))
            .route(
                web::get()
                    .guard(guard::Header("upgrade", "websocket"))
                    .to(subscriptions::subscribe),
            )
            .route(web::get().to(graphql::graphiql)),
    )
    .route("/healthz", web::get().to(health::healthz))
    .route("/readyz", web::get().to(health::readyz))
    .route("/metrics", web::get().to(health::metrics));
}
