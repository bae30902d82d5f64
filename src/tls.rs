//! TLS for every client: the trusted roots (Mozilla's bundled set and the OS store) are read once per
//! process and shared, so a client made later (a Unity app makes one per scene) does not parse the OS store
//! again; a client's `extraRootCaPem` is added to a copy of them.

use std::sync::{Arc, OnceLock};

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::CertificateDer;
use rustls::{ClientConfig, RootCertStore};

use crate::error::{Error, ErrorKind, Result};

static ROOTS: OnceLock<Arc<RootCertStore>> = OnceLock::new();

/// The bundled roots and the OS store's, read at the first call.
fn shared_roots() -> Arc<RootCertStore> {
    ROOTS
        .get_or_init(|| {
            let mut roots = RootCertStore::empty();
            roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
            // OS stores often hold certificates rustls cannot read (ancient, no extensions): skipped, as
            // reqwest does.
            for cert in rustls_native_certs::load_native_certs().certs {
                let _ = roots.add(cert);
            }
            Arc::new(roots)
        })
        .clone()
}

/// The certificates of `pem`, checked (naming `extraRootCaPem`).
pub(crate) fn extra_roots(pem: &str) -> Result<Vec<CertificateDer<'static>>> {
    let certs = CertificateDer::pem_slice_iter(pem.as_bytes())
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(|e| Error::invalid_argument("extraRootCaPem", format_args!("not PEM certificates: {e}")))?;
    if certs.is_empty() {
        return Err(Error::invalid_argument("extraRootCaPem", "contains no certificate"));
    }
    Ok(certs)
}

/// A TLS configuration trusting the shared roots and `extra_pem`'s, speaking HTTP/1.1.
pub(crate) fn client_config(extra_pem: Option<&str>) -> Result<ClientConfig> {
    let roots = match extra_pem {
        None => shared_roots(),
        Some(pem) => {
            let mut roots = (*shared_roots()).clone();
            for cert in extra_roots(pem)? {
                roots
                    .add(cert)
                    .map_err(|e| Error::invalid_argument("extraRootCaPem", format_args!("not a usable root: {e}")))?;
            }
            Arc::new(roots)
        }
    };
    let mut config = ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .map_err(|e| Error::new(ErrorKind::InvalidArgument, format!("cannot set up TLS: {e}")))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(config)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_roots_are_read_once_and_shared() {
        assert!(Arc::ptr_eq(&shared_roots(), &shared_roots()));
        client_config(None).unwrap();
    }

    #[test]
    fn extra_roots_name_the_key_when_they_are_not_pem() {
        let error = client_config(Some("not a certificate")).unwrap_err();
        assert_eq!(error.argument(), Some("extraRootCaPem"));
    }
}
