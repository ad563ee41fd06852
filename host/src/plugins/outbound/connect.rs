//! Name resolution, address checks and the connection itself, in one place so the socket is
//! always opened to an address that was checked (the name is never resolved twice, so a DNS
//! answer cannot change between the check and the connection).

use std::io;
use std::net::SocketAddr;
use std::sync::{Arc, OnceLock};

use rustls::pki_types::{CertificateDer, ServerName};
use rustls::{ClientConfig, RootCertStore};
use tokio::net::TcpStream;
use tokio::time::timeout;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;

use super::address::classify;
use super::error::OutboundError;
use super::origin::{Origin, Scheme};
use super::policy::{MAX_CONNECT_ATTEMPTS, OutboundPolicy};

/// A connection to a checked address, plain or TLS.
pub enum Connection {
    Plain(TcpStream),
    Tls(Box<TlsStream<TcpStream>>),
}

/// Resolves `target` (unless it is a literal address) and checks every address: one refused
/// address refuses the name, since which one the resolver lists first is the attacker's pick.
pub async fn checked_addresses(target: &Origin, allow_private: bool) -> Result<Vec<SocketAddr>, OutboundError> {
    let host = target.bare_host();
    let addresses: Vec<SocketAddr> = match target.ip_literal() {
        Some(ip) => vec![SocketAddr::new(ip, target.port())],
        None => {
            let resolved = tokio::net::lookup_host((host, target.port()))
                .await
                .map_err(|source| OutboundError::Dns { host: host.to_owned(), source })?;
            let mut addresses: Vec<SocketAddr> = Vec::new();
            for address in resolved {
                if !addresses.contains(&address) {
                    addresses.push(address);
                }
            }
            addresses
        }
    };
    if addresses.is_empty() {
        return Err(OutboundError::Dns {
            host: host.to_owned(),
            source: io::Error::new(io::ErrorKind::NotFound, "no address"),
        });
    }
    for address in &addresses {
        if !classify(address.ip()).is_allowed(allow_private) {
            return Err(OutboundError::PrivateAddress { host: host.to_owned(), addr: address.ip() });
        }
    }
    Ok(addresses)
}

/// Connects to the first reachable checked address of `target`, then TLS for https.
pub async fn connect(policy: &OutboundPolicy, target: &Origin) -> Result<Connection, OutboundError> {
    let addresses = checked_addresses(target, policy.allow_private_addresses).await?;
    let tcp = connect_tcp(policy, target, &addresses).await?;
    match target.scheme() {
        Scheme::Http => Ok(Connection::Plain(tcp)),
        Scheme::Https => {
            let host = target.bare_host().to_owned();
            let tls_error = |source| OutboundError::Tls { host: host.clone(), source };
            let name = ServerName::try_from(host.clone())
                .map_err(|e| tls_error(io::Error::new(io::ErrorKind::InvalidInput, e)))?;
            let connector = TlsConnector::from(tls_config(&policy.extra_root_certificates).map_err(tls_error)?);
            let stream = timeout(policy.connect_timeout, connector.connect(name, tcp))
                .await
                .map_err(|_| OutboundError::Timeout { after: policy.connect_timeout })?
                .map_err(tls_error)?;
            Ok(Connection::Tls(Box::new(stream)))
        }
    }
}

async fn connect_tcp(
    policy: &OutboundPolicy,
    target: &Origin,
    addresses: &[SocketAddr],
) -> Result<TcpStream, OutboundError> {
    let mut last_error = None;
    for address in addresses.iter().take(MAX_CONNECT_ATTEMPTS) {
        // Test servers only ever listen on loopback: should a regression let a refused
        // address through, the test must fail here rather than send a packet elsewhere.
        #[cfg(test)]
        if !address.ip().to_canonical().is_loopback() {
            return Err(OutboundError::Connect {
                host: target.bare_host().to_owned(),
                source: io::Error::other("test build: connection outside loopback blocked"),
            });
        }
        match timeout(policy.connect_timeout, TcpStream::connect(address)).await {
            Ok(Ok(stream)) => {
                // Small request/response exchanges: no reason to wait for Nagle.
                let _ = stream.set_nodelay(true);
                return Ok(stream);
            }
            Ok(Err(source)) => {
                last_error = Some(OutboundError::Connect { host: target.bare_host().to_owned(), source })
            }
            Err(_) => last_error = Some(OutboundError::Timeout { after: policy.connect_timeout }),
        }
    }
    Err(last_error.unwrap_or_else(|| OutboundError::Connect {
        host: target.bare_host().to_owned(),
        source: io::Error::new(io::ErrorKind::NotFound, "no address"),
    }))
}

/// The public web PKI (Mozilla's roots through webpki-roots), plus the policy's extra anchors.
/// HTTP/1.1 only, the one protocol the host's client speaks. The crypto provider is named
/// explicitly so nothing depends on a process-wide default being installed.
fn tls_config(extra_roots: &[CertificateDer<'static>]) -> Result<Arc<ClientConfig>, io::Error> {
    static PUBLIC_ROOTS: OnceLock<Arc<ClientConfig>> = OnceLock::new();
    if extra_roots.is_empty()
        && let Some(config) = PUBLIC_ROOTS.get()
    {
        return Ok(config.clone());
    }
    let mut roots = RootCertStore { roots: webpki_roots::TLS_SERVER_ROOTS.to_vec() };
    for certificate in extra_roots {
        roots.add(certificate.clone()).map_err(io::Error::other)?;
    }
    let mut config = ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .map_err(io::Error::other)?
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    let config = Arc::new(config);
    if extra_roots.is_empty() {
        return Ok(PUBLIC_ROOTS.get_or_init(|| config).clone());
    }
    Ok(config)
}
