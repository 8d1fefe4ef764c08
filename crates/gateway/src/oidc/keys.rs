//! The provider's signing keys: RS256 and ES256, generated on first use with aws-lc-rs, stored
//! with the private half sealed, and rotated on demand.
//!
//! The newest unretired key of an algorithm signs. Rotating generates a new key and retires the
//! old ones: they stop signing at once but stay in the JWKS until every token they signed has
//! expired (the longest token lifetime plus a minute of clock skew), so relying parties keep
//! verifying old tokens while new ones carry the new `kid`. Instances sharing a database reload
//! the set every [`RELOAD_EVERY`] and whenever a token names a `kid` they do not know.

use std::sync::Arc;
use std::time::{Duration, Instant};

use aws_lc_rs::encoding::{AsDer, Pkcs8V1Der};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use jsonwebtoken::jwk::{Jwk, PublicKeyUse, ThumbprintHash};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey};
use serde_json::Value;
use tokio::sync::Mutex;
use wxgate_config::SigningAlg;
use wxgate_store::{NewSigningKey, Secret, Store, StoreError, StoredSigningKey};

/// How long a loaded key set is trusted before it is read again.
pub const RELOAD_EVERY: Duration = Duration::from_secs(30);

/// Clock skew allowed on top of the token lifetime before a retired key leaves the JWKS.
const SKEW_MS: i64 = 60_000;

/// Why a key could not be made or read.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// aws-lc-rs refused to generate or export a key (should not happen).
    #[error("cannot generate a {0} signing key")]
    Generate(&'static str),
    /// A stored key does not parse: the database was edited or the master key is wrong.
    #[error(
        "stored signing key {kid} is unusable: {why}; rotate the keys (POST /api/v1/oidc/keys/rotate)"
    )]
    Corrupt {
        /// Its id.
        kid: String,
        /// What failed.
        why: String,
    },
}

/// One key, ready to sign and verify.
pub struct SigningKey {
    /// Its `kid` (the RFC 7638 SHA-256 thumbprint of its public JWK).
    pub kid: String,
    /// Its algorithm.
    pub alg: SigningAlg,
    /// Signs (private half).
    pub encoding: EncodingKey,
    /// Verifies (public half).
    pub decoding: DecodingKey,
    /// The public JWK as published.
    pub jwk: Value,
    /// Made (unix ms).
    pub created_at: i64,
    /// Stopped signing (unix ms), when rotated out.
    pub retired_at: Option<i64>,
    /// Leaves the JWKS (unix ms), when rotated out.
    pub expires_at: Option<i64>,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKey")
            .field("kid", &self.kid)
            .field("alg", &self.alg)
            .field("retired_at", &self.retired_at)
            .finish_non_exhaustive()
    }
}

impl SigningKey {
    /// The jsonwebtoken algorithm.
    pub fn algorithm(&self) -> Algorithm {
        jose_algorithm(self.alg)
    }
}

/// The jsonwebtoken algorithm of `alg`.
pub fn jose_algorithm(alg: SigningAlg) -> Algorithm {
    match alg {
        SigningAlg::RS256 => Algorithm::RS256,
        SigningAlg::ES256 => Algorithm::ES256,
    }
}

struct Loaded {
    at: Instant,
    keys: Vec<Arc<SigningKey>>,
}

/// The key set, cached in memory; one per gateway (`gateway.oidc.keys`).
#[derive(Default)]
pub struct KeyRing {
    loaded: std::sync::Mutex<Option<Arc<Loaded>>>,
    /// Serialises loading and generating, so one instance makes one key per algorithm.
    writer: Mutex<()>,
}

impl std::fmt::Debug for KeyRing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("KeyRing")
    }
}

impl KeyRing {
    fn cached(&self) -> Option<Arc<Loaded>> {
        self.loaded
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
            .filter(|l| l.at.elapsed() < RELOAD_EVERY)
    }

    fn forget(&self) {
        *self.loaded.lock().unwrap_or_else(|e| e.into_inner()) = None;
    }

    async fn reload(&self, store: &Store) -> Result<Arc<Loaded>, KeyError> {
        let rows = store.published_signing_keys(now_ms()).await?;
        let keys = rows
            .into_iter()
            .map(|row| load(row).map(Arc::new))
            .collect::<Result<Vec<_>, _>>()?;
        let loaded = Arc::new(Loaded {
            at: Instant::now(),
            keys,
        });
        *self.loaded.lock().unwrap_or_else(|e| e.into_inner()) = Some(loaded.clone());
        Ok(loaded)
    }

    async fn keys(&self, store: &Store) -> Result<Arc<Loaded>, KeyError> {
        if let Some(loaded) = self.cached() {
            return Ok(loaded);
        }
        let _guard = self.writer.lock().await;
        if let Some(loaded) = self.cached() {
            return Ok(loaded);
        }
        self.reload(store).await
    }

    /// Every published key (active and retired), newest first.
    pub async fn published(&self, store: &Store) -> Result<Vec<Arc<SigningKey>>, KeyError> {
        Ok(self.keys(store).await?.keys.clone())
    }

    /// The key that signs `alg` tokens now, generating the first one if there is none.
    pub async fn signing_key(
        &self,
        store: &Store,
        alg: SigningAlg,
    ) -> Result<Arc<SigningKey>, KeyError> {
        let active = |loaded: &Loaded| {
            loaded
                .keys
                .iter()
                .find(|k| k.alg == alg && k.retired_at.is_none())
                .cloned()
        };
        if let Some(key) = active(&*self.keys(store).await?) {
            return Ok(key);
        }
        let _guard = self.writer.lock().await;
        let loaded = self.reload(store).await?;
        if let Some(key) = active(&loaded) {
            return Ok(key);
        }
        store.insert_signing_key(&generate(alg)?).await?;
        let loaded = self.reload(store).await?;
        active(&loaded).ok_or(KeyError::Generate(alg.as_str()))
    }

    /// The published key called `kid` (reloading once when it is unknown, in case another
    /// instance rotated).
    pub async fn find(
        &self,
        store: &Store,
        kid: &str,
    ) -> Result<Option<Arc<SigningKey>>, KeyError> {
        let find = |loaded: &Loaded| loaded.keys.iter().find(|k| k.kid == kid).cloned();
        if let Some(key) = find(&*self.keys(store).await?) {
            return Ok(Some(key));
        }
        let _guard = self.writer.lock().await;
        Ok(find(&*self.reload(store).await?))
    }

    /// Rotates `alg`: a new key signs from now on; the previous ones stay published for
    /// `token_lifetime_ms` (plus skew) and are then dropped. Returns the new key.
    pub async fn rotate(
        &self,
        store: &Store,
        alg: SigningAlg,
        token_lifetime_ms: i64,
    ) -> Result<Arc<SigningKey>, KeyError> {
        let _guard = self.writer.lock().await;
        let new = generate(alg)?;
        store.insert_signing_key(&new).await?;
        let now = now_ms();
        store
            .retire_signing_keys(
                alg.as_str(),
                &new.kid,
                now,
                now + token_lifetime_ms + SKEW_MS,
            )
            .await?;
        store.delete_expired_signing_keys(now).await?;
        self.forget();
        let loaded = self.reload(store).await?;
        loaded
            .keys
            .iter()
            .find(|k| k.kid == new.kid)
            .cloned()
            .ok_or(KeyError::Generate(alg.as_str()))
    }
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// Generates a key pair of `alg`: PKCS#8 private key and the public JWK with its thumbprint as
/// `kid`.
pub fn generate(alg: SigningAlg) -> Result<NewSigningKey, KeyError> {
    let pkcs8: Vec<u8> = match alg {
        SigningAlg::RS256 => {
            let pair = aws_lc_rs::rsa::KeyPair::generate(aws_lc_rs::rsa::KeySize::Rsa2048)
                .map_err(|_| KeyError::Generate("RS256"))?;
            let der: Pkcs8V1Der<'static> =
                pair.as_der().map_err(|_| KeyError::Generate("RS256"))?;
            der.as_ref().to_vec()
        }
        SigningAlg::ES256 => {
            let pair = aws_lc_rs::signature::EcdsaKeyPair::generate(
                &aws_lc_rs::signature::ECDSA_P256_SHA256_FIXED_SIGNING,
            )
            .map_err(|_| KeyError::Generate("ES256"))?;
            pair.to_pkcs8v1()
                .map_err(|_| KeyError::Generate("ES256"))?
                .as_ref()
                .to_vec()
        }
    };
    let encoding = encoding_key(alg, &pkcs8).map_err(|_| KeyError::Generate(alg.as_str()))?;
    let (kid, jwk) = public_jwk(alg, &encoding).map_err(|_| KeyError::Generate(alg.as_str()))?;
    Ok(NewSigningKey {
        kid,
        alg: alg.as_str().to_owned(),
        private_key: Secret::new(STANDARD.encode(&pkcs8)),
        public_jwk: jwk,
        created_at: now_ms(),
    })
}

/// The signing key of a PKCS#8 document.
fn encoding_key(alg: SigningAlg, pkcs8: &[u8]) -> Result<EncodingKey, jsonwebtoken::errors::Error> {
    match alg {
        // jsonwebtoken's RSA signer wants PKCS#1; its PEM reader unwraps PKCS#8 to that.
        SigningAlg::RS256 => {
            EncodingKey::from_rsa_pem(pem::encode(&pem::Pem::new("PRIVATE KEY", pkcs8)).as_bytes())
        }
        SigningAlg::ES256 => Ok(EncodingKey::from_ec_der(pkcs8)),
    }
}

/// The public JWK (`kid`, `alg`, `use`=`sig`) of a signing key, and its `kid`.
fn public_jwk(
    alg: SigningAlg,
    encoding: &EncodingKey,
) -> Result<(String, Value), jsonwebtoken::errors::Error> {
    let mut jwk = Jwk::from_encoding_key(encoding, jose_algorithm(alg))?;
    let kid = jwk.thumbprint(ThumbprintHash::SHA256)?;
    jwk.common.key_id = Some(kid.clone());
    jwk.common.public_key_use = Some(PublicKeyUse::Signature);
    let value = serde_json::to_value(&jwk).map_err(jsonwebtoken::errors::Error::from)?;
    Ok((kid, value))
}

fn load(row: StoredSigningKey) -> Result<SigningKey, KeyError> {
    let corrupt = |why: String| KeyError::Corrupt {
        kid: row.kid.clone(),
        why,
    };
    let alg =
        SigningAlg::parse(&row.alg).ok_or_else(|| corrupt(format!("unknown alg {}", row.alg)))?;
    let pkcs8 = STANDARD
        .decode(row.private_key.expose())
        .map_err(|e| corrupt(e.to_string()))?;
    let encoding = encoding_key(alg, &pkcs8).map_err(|e| corrupt(e.to_string()))?;
    let jwk: Jwk =
        serde_json::from_value(row.public_jwk.clone()).map_err(|e| corrupt(e.to_string()))?;
    let decoding = DecodingKey::from_jwk(&jwk).map_err(|e| corrupt(e.to_string()))?;
    Ok(SigningKey {
        kid: row.kid.clone(),
        alg,
        encoding,
        decoding,
        jwk: row.public_jwk,
        created_at: row.created_at,
        retired_at: row.retired_at,
        expires_at: row.expires_at,
    })
}

#[cfg(test)]
mod tests {
    use jsonwebtoken::{Header, Validation, decode, encode};
    use serde_json::json;

    use super::*;

    fn round_trip(alg: SigningAlg) {
        let new = generate(alg).unwrap();
        let key = load(StoredSigningKey {
            kid: new.kid.clone(),
            alg: new.alg.clone(),
            private_key: new.private_key.clone(),
            public_jwk: new.public_jwk.clone(),
            created_at: new.created_at,
            retired_at: None,
            expires_at: None,
        })
        .unwrap();
        assert_eq!(new.public_jwk["kid"], json!(new.kid));
        assert_eq!(new.public_jwk["use"], json!("sig"));
        assert_eq!(new.public_jwk["alg"], json!(alg.as_str()));
        assert!(
            new.public_jwk.get("d").is_none(),
            "no private parameters in the JWK"
        );
        let mut header = Header::new(key.algorithm());
        header.kid = Some(key.kid.clone());
        let token = encode(
            &header,
            &json!({"sub": "usr_1", "exp": 4_000_000_000u64}),
            &key.encoding,
        )
        .unwrap();
        let data =
            decode::<Value>(&token, &key.decoding, &Validation::new(key.algorithm())).unwrap();
        assert_eq!(data.claims["sub"], "usr_1");
        let other = generate(alg).unwrap();
        assert_ne!(other.kid, new.kid);
        let other = load(StoredSigningKey {
            kid: other.kid,
            alg: other.alg,
            private_key: other.private_key,
            public_jwk: other.public_jwk,
            created_at: 0,
            retired_at: None,
            expires_at: None,
        })
        .unwrap();
        assert!(
            decode::<Value>(&token, &other.decoding, &Validation::new(key.algorithm())).is_err(),
            "another key's signature does not verify"
        );
    }

    #[test]
    fn rs256_keys_sign_and_verify() {
        round_trip(SigningAlg::RS256);
    }

    #[test]
    fn es256_keys_sign_and_verify() {
        round_trip(SigningAlg::ES256);
    }
}
