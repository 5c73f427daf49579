//! Who is calling: JWT verification, roles and the `Actor` every resolver
//! receives. A request without a valid token never reaches the domain.

mod actor;
mod jwt;
pub mod permissions;
mod role;

pub use actor::Actor;
pub use jwt::{
    Claims, DEV_SECRET, JwtConfig, MAX_LEEWAY_SECS, MAX_TOKEN_BYTES, MIN_SECRET_BYTES, TokenError,
    TokenMinter, TokenVerifier, parse_roles,
};
pub use permissions::{Action, Reach};
pub use role::Role;

use crate::{councils::CouncilDirectory, error::AppError};

/// Turns a bearer token into an `Actor`. A bad token is UNAUTHENTICATED; a
/// good token for a council or role this server does not know is FORBIDDEN.
pub fn authenticate(
    verifier: &TokenVerifier,
    councils: &CouncilDirectory,
    token: &str,
) -> Result<Actor, AppError> {
    authenticate_until(verifier, councils, token).map(|(actor, _)| actor)
}

/// As `authenticate`, with the token's `exp` (seconds since the Unix epoch),
/// for connections that must end when the token does.
pub fn authenticate_until(
    verifier: &TokenVerifier,
    councils: &CouncilDirectory,
    token: &str,
) -> Result<(Actor, u64), AppError> {
    let claims = verifier
        .verify(token)
        .map_err(|err| AppError::Unauthenticated(err.to_string()))?;
    let council = councils
        .by_slug(&claims.council)
        .ok_or_else(|| AppError::Forbidden(format!("unknown council `{}`", claims.council)))?;
    let roles = parse_roles(&claims.roles).map_err(AppError::Forbidden)?;
    if claims.sub.trim().is_empty() {
        return Err(AppError::Unauthenticated(
            "the token's `sub` is empty".into(),
        ));
    }
    let actor = Actor {
        council_id: council.id,
        council_slug: council.slug.clone(),
        subject: claims.sub,
        name: claims.name,
        roles,
    };
    Ok((actor, claims.exp))
}
