//! The accept loop. Connections are served by hyper directly (not `axum::serve`) because fault injection
//! must be able to kill one specific connection mid-request: each connection gets a kill switch that the
//! request pipeline fires, and the connection task races serving against it.

use std::convert::Infallible;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpListener;
use tokio::sync::{mpsc, watch, Notify};
use tokio_rustls::rustls;
use tokio_rustls::TlsAcceptor;

use crate::router;
use crate::shared::Shared;

/// How long in-flight requests get to finish after shutdown starts.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(2);
const TLS_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// A fresh self-signed certificate for the loopback names (plus the listen address when it is a specific
/// non-loopback IP). Returns `(certificate PEM, private key PEM)`.
pub(crate) fn generate_self_signed(listen_ip: IpAddr) -> io::Result<(String, String)> {
    let mut names = vec!["localhost".to_string(), "127.0.0.1".to_string(), "::1".to_string()];
    if !listen_ip.is_unspecified() && !listen_ip.is_loopback() {
        names.push(listen_ip.to_string());
    }
    let certified = rcgen::generate_simple_self_signed(names).map_err(io::Error::other)?;
    Ok((certified.cert.pem(), certified.key_pair.serialize_pem()))
}

/// An acceptor serving the certificate chain and private key given as PEM.
pub(crate) fn acceptor_from_pem(cert_pem: &str, key_pem: &str) -> io::Result<TlsAcceptor> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let invalid =
        |what: &str, e: &dyn std::fmt::Display| io::Error::new(io::ErrorKind::InvalidData, format!("{what}: {e}"));
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(cert_pem.as_bytes())
        .collect::<Result<_, _>>()
        .map_err(|e| invalid("TLS certificate", &e))?;
    if chain.is_empty() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            "TLS certificate: no CERTIFICATE in the PEM",
        ));
    }
    let key = PrivateKeyDer::from_pem_slice(key_pem.as_bytes()).map_err(|e| invalid("TLS private key", &e))?;
    // Explicit provider: the process may link several rustls backends, so relying on a default would panic.
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(io::Error::other)?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .map_err(|e| invalid("TLS certificate and key", &e))?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(TlsAcceptor::from(Arc::new(config)))
}

/// Accepts until `shutdown` turns true (or its sender is dropped), then lets open connections drain.
pub(crate) async fn run(
    listener: std::net::TcpListener,
    tls: Option<TlsAcceptor>,
    shared: Arc<Shared>,
    mut shutdown: watch::Receiver<bool>,
) {
    // Converted here because registration needs the emulator runtime's reactor.
    let listener = match TcpListener::from_std(listener) {
        Ok(l) => l,
        Err(e) => {
            tracing::error!("cannot register the listener: {e}");
            return;
        }
    };
    // Every connection task holds a sender clone; recv() returns None once all of them are gone.
    let (alive_tx, mut alive_rx) = mpsc::channel::<()>(1);
    let for_connections = shutdown.clone();
    loop {
        tokio::select! {
            _ = stopped(&mut shutdown) => break,
            accepted = listener.accept() => {
                let (stream, peer) = match accepted {
                    Ok(accepted) => accepted,
                    Err(e) => {
                        // Typically EMFILE; back off instead of spinning.
                        tracing::warn!("accept failed: {e}");
                        tokio::time::sleep(Duration::from_millis(20)).await;
                        continue;
                    }
                };
                let _ = stream.set_nodelay(true);
                let shared = shared.clone();
                let shutdown = for_connections.clone();
                let alive = alive_tx.clone();
                let tls = tls.clone();
                tokio::spawn(async move {
                    match tls {
                        None => serve_connection(stream, peer, shared, shutdown).await,
                        Some(acceptor) => {
                            match tokio::time::timeout(TLS_HANDSHAKE_TIMEOUT, acceptor.accept(stream)).await {
                                Ok(Ok(tls_stream)) => serve_connection(tls_stream, peer, shared, shutdown).await,
                                Ok(Err(e)) => tracing::debug!("TLS handshake failed: {e}"),
                                Err(_) => tracing::debug!("TLS handshake timed out"),
                            }
                        }
                    }
                    drop(alive);
                });
            }
        }
    }
    drop(listener);
    drop(alive_tx);
    let _ = tokio::time::timeout(DRAIN_TIMEOUT + Duration::from_secs(1), alive_rx.recv()).await;
}

async fn serve_connection<I>(io: I, peer: SocketAddr, shared: Arc<Shared>, mut shutdown: watch::Receiver<bool>)
where
    I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let kill = Arc::new(Notify::new());
    let service = {
        let kill = kill.clone();
        service_fn(move |mut req: hyper::Request<hyper::body::Incoming>| {
            req.extensions_mut().insert(router::Peer(peer));
            let shared = shared.clone();
            let kill = kill.clone();
            async move { Ok::<_, Infallible>(router::handle(shared, req, kill).await) }
        })
    };
    let conn = http1::Builder::new()
        .timer(TokioTimer::new())
        .keep_alive(true)
        .serve_connection(TokioIo::new(io), service);
    tokio::pin!(conn);
    // Dropping `conn` closes the socket without writing anything: that is the kill switch's effect.
    tokio::select! {
        _ = conn.as_mut() => return,
        _ = kill.notified() => return,
        _ = stopped(&mut shutdown) => {}
    }
    conn.as_mut().graceful_shutdown();
    tokio::select! {
        _ = conn.as_mut() => {}
        _ = kill.notified() => {}
        _ = tokio::time::sleep(DRAIN_TIMEOUT) => {}
    }
}

/// Resolves once shutdown was requested (or the emulator handle is gone). The guard `wait_for` returns is
/// dropped here so the caller's future stays `Send`.
async fn stopped(shutdown: &mut watch::Receiver<bool>) {
    let _ = shutdown.wait_for(|stop| *stop).await;
}
