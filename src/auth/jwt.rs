use std::{fs, time::Duration};

use anyhow::Context;
use jsonwebtoken::{
    Algorithm, DecodingKey, EncodingKey, Header, Validation, decode, decode_header, encode,
};
use serde::{Deserialize, Serialize};

use crate::config::JwtArgs;

/// Used only when no secret is configured, and announced loudly at start-up.
pub const DEV_SECRET: &str = "redress-development-secret-do-not-use-in-production";

/// An HS256 key must be at least as long as the hash it keys (RFC 7518
/// section 3.2): 256 bits.
pub const MIN_SECRET_BYTES: usize = 32;
/// Clock skew tolerated on `exp` and `nbf` may not exceed this: a larger
/// leeway would quietly keep expired tokens working.
pub const MAX_LEEWAY_SECS: u64 = 300;
/// Longer than any token an identity provider issues for these claims;
/// anything longer is refused before it is decoded.
pub const MAX_TOKEN_BYTES: usize = 8 * 1024;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    pub sub: String,
    pub council: String,
    pub roles: Vec<String>,
    pub exp: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nbf: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iat: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iss: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aud: Option<Audience>,
}

/// RFC 7519 lets `aud` be one audience or a list, and identity providers
/// send either; which one is accepted is checked before this is read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Audience {
    One(String),
    Many(Vec<String>),
}

#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error("the token is longer than {MAX_TOKEN_BYTES} bytes")]
    TooLong,
    #[error("the token has expired")]
    Expired,
    #[error("the token is not valid yet")]
    NotYetValid,
    #[error("the token's signing algorithm is not accepted")]
    Algorithm,
    #[error("the token's header marks parameters critical that this server does not understand")]
    CriticalHeader,
    #[error("the token's signature does not verify")]
    Signature,
    #[error("the token's issuer or audience is not accepted")]
    IssuerOrAudience,
    #[error("the token is malformed or misses a required claim (sub, council, roles, exp)")]
    Malformed,
}

/// Resolved signing settings, shared by the verifier and the minter.
#[derive(Clone)]
pub struct JwtConfig {
    secret: Option<Vec<u8>>,
    public_key: Option<(Algorithm, DecodingKey)>,
    issuer: Option<String>,
    audience: Option<String>,
    leeway_secs: u64,
    pub using_dev_secret: bool,
}

impl JwtConfig {
    pub fn from_args(args: &JwtArgs) -> anyhow::Result<Self> {
        let public_key = match &args.jwt_public_key {
            None => None,
            Some(path) => {
                let pem = fs::read(path)
                    .with_context(|| format!("reading JWT public key {}", path.display()))?;
                let key = DecodingKey::from_rsa_pem(&pem)
                    .map(|key| (Algorithm::RS256, key))
                    .or_else(|_| DecodingKey::from_ec_pem(&pem).map(|key| (Algorithm::ES256, key)))
                    .with_context(|| {
                        format!(
                            "{} is neither an RSA nor an EC public key in PEM",
                            path.display()
                        )
                    })?;
                Some(key)
            }
        };
        if args.jwt_leeway_secs > MAX_LEEWAY_SECS {
            anyhow::bail!(
                "REDRESS_JWT_LEEWAY_SECS may be at most {MAX_LEEWAY_SECS} seconds, not {}",
                args.jwt_leeway_secs
            );
        }
        let using_dev_secret = args.jwt_secret.is_none() && public_key.is_none();
        let secret = match (&args.jwt_secret, &public_key) {
            (Some(secret), _) if secret.len() < MIN_SECRET_BYTES => {
                anyhow::bail!("REDRESS_JWT_SECRET must be at least {MIN_SECRET_BYTES} bytes")
            }
            (Some(secret), _) => Some(secret.as_bytes().to_vec()),
            (None, Some(_)) => None,
            (None, None) => Some(DEV_SECRET.as_bytes().to_vec()),
        };
        Ok(Self {
            secret,
            public_key,
            issuer: args.jwt_issuer.clone(),
            audience: args.jwt_audience.clone(),
            leeway_secs: args.jwt_leeway_secs,
            using_dev_secret,
        })
    }
}

#[derive(Clone)]
pub struct TokenVerifier {
    hmac: Option<(DecodingKey, Validation)>,
    public: Option<(DecodingKey, Validation)>,
}

impl TokenVerifier {
    pub fn new(config: &JwtConfig) -> Self {
        let validation = |alg: Algorithm| {
            let mut v = Validation::new(alg);
            v.leeway = config.leeway_secs;
            v.validate_nbf = true;
            v.set_required_spec_claims(&["exp", "sub"]);
            match &config.issuer {
                Some(iss) => {
                    v.set_issuer(&[iss]);
                    v.required_spec_claims.insert("iss".into());
                }
                None => v.iss = None,
            }
            match &config.audience {
                Some(aud) => {
                    v.set_audience(&[aud]);
                    v.required_spec_claims.insert("aud".into());
                }
                None => v.validate_aud = false,
            }
            v
        };
        Self {
            hmac: config.secret.as_ref().map(|secret| {
                (
                    DecodingKey::from_secret(secret),
                    validation(Algorithm::HS256),
                )
            }),
            public: config
                .public_key
                .as_ref()
                .map(|(alg, key)| (key.clone(), validation(*alg))),
        }
    }

    /// Checks the token's length, then the header's algorithm against the
    /// allow-list, before any signature work, so oversized tokens, `alg:
    /// none` and algorithm confusion fail early. Only the configured keys
    /// verify: `kid`, `jku`, `jwk`, `x5u` and `x5c` in the header are never
    /// looked at, let alone fetched.
    pub fn verify(&self, token: &str) -> Result<Claims, TokenError> {
        if token.len() > MAX_TOKEN_BYTES {
            return Err(TokenError::TooLong);
        }
        let header = decode_header(token).map_err(|_| TokenError::Malformed)?;
        let (key, validation) = [&self.hmac, &self.public]
            .into_iter()
            .flatten()
            .find(|(_, v)| v.algorithms.contains(&header.alg))
            .ok_or(TokenError::Algorithm)?;
        // RFC 7515 section 4.1.11: no extension is understood here, so a
        // token that makes one critical is refused.
        if header.crit.is_some() {
            return Err(TokenError::CriticalHeader);
        }
        decode::<Claims>(token, key, validation)
            .map(|data| data.claims)
            .map_err(|err| {
                use jsonwebtoken::errors::ErrorKind as K;
                match err.kind() {
                    K::ExpiredSignature => TokenError::Expired,
                    K::ImmatureSignature => TokenError::NotYetValid,
                    K::InvalidSignature => TokenError::Signature,
                    K::InvalidAlgorithm => TokenError::Algorithm,
                    K::InvalidIssuer | K::InvalidAudience => TokenError::IssuerOrAudience,
                    _ => TokenError::Malformed,
                }
            })
    }
}

/// Signs development tokens with the configured HS256 secret.
pub struct TokenMinter {
    key: EncodingKey,
    issuer: Option<String>,
    audience: Option<String>,
}

impl TokenMinter {
    pub fn new(config: &JwtConfig) -> anyhow::Result<Self> {
        let secret = config
            .secret
            .as_ref()
            .context("minting needs REDRESS_JWT_SECRET (public-key tokens are issued by your identity provider)")?;
        Ok(Self {
            key: EncodingKey::from_secret(secret),
            issuer: config.issuer.clone(),
            audience: config.audience.clone(),
        })
    }

    pub fn mint(
        &self,
        council: &str,
        roles: &[String],
        sub: &str,
        name: Option<String>,
        ttl: Duration,
    ) -> anyhow::Result<String> {
        let now = jsonwebtoken::get_current_timestamp();
        let claims = Claims {
            sub: sub.to_owned(),
            council: council.to_owned(),
            roles: roles.to_vec(),
            exp: now + ttl.as_secs(),
            nbf: None,
            iat: Some(now),
            name,
            iss: self.issuer.clone(),
            aud: self.audience.clone().map(Audience::One),
        };
        Ok(encode(&Header::new(Algorithm::HS256), &claims, &self.key)?)
    }
}

/// Roles named in a token, parsed; an unknown one is refused rather than ignored.
pub fn parse_roles(roles: &[String]) -> Result<Vec<super::Role>, String> {
    if roles.is_empty() {
        return Err("the token carries no roles".into());
    }
    let mut parsed: Vec<super::Role> = Vec::with_capacity(roles.len());
    for role in roles {
        let role = role.parse()?;
        if !parsed.contains(&role) {
            parsed.push(role);
        }
    }
    Ok(parsed)
}
