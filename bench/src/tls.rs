//! A local TLS terminator in front of MiniStack, so that the functions
//! measured reach the local AWS over HTTPS as they reach AWS: the first
//! call pays for loading the root certificates and for a TLS handshake,
//! which is what the connection warm-up moves into init. Over plain HTTP
//! the warm-up would look nearly free and nearly useless.
//!
//! The terminator has a CA of its own, made for the run (rcgen) and
//! written as a PEM bundle that the functions are told to trust with
//! `AWS_CA_BUNDLE` (read in `rightnow_aws::config`); the system's roots
//! stay trusted too, as on Lambda. Each accepted connection is decrypted
//! (rustls on ring, like the functions' client) and copied to MiniStack.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, Result};
use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair, KeyUsagePurpose,
    SanType,
};
use rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;
use tokio_rustls::TlsAcceptor;

/// A running terminator. Dropping it stops accepting.
pub struct TlsTerminator {
    port: u16,
    ca_bundle: PathBuf,
    task: JoinHandle<()>,
}

impl TlsTerminator {
    /// Listens on a free loopback port and forwards to `upstream`
    /// (MiniStack's `127.0.0.1:<port>`). The CA is written to
    /// `<dir>/local-ca.pem`.
    pub async fn start(upstream: SocketAddr, dir: &Path) -> Result<Self> {
        let (ca_pem, chain, key) = certificates()?;
        std::fs::create_dir_all(dir)?;
        let ca_bundle = dir.join("local-ca.pem");
        std::fs::write(&ca_bundle, ca_pem)?;

        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()?
            .with_no_client_auth()
            .with_single_cert(chain, key)?;
        let acceptor = TlsAcceptor::from(Arc::new(config));
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await?;
        let port = listener.local_addr()?.port();
        let task = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let acceptor = acceptor.clone();
                tokio::spawn(async move {
                    // A failed handshake or a reset is the client's to see.
                    let _ = forward(acceptor, client, upstream).await;
                });
            }
        });
        Ok(Self {
            port,
            ca_bundle,
            task,
        })
    }

    /// `https://127.0.0.1:<port>`: the value for `AWS_ENDPOINT_URL`.
    pub fn endpoint(&self) -> String {
        format!("https://127.0.0.1:{}", self.port)
    }

    /// The PEM file for `AWS_CA_BUNDLE`.
    pub fn ca_bundle(&self) -> &Path {
        &self.ca_bundle
    }
}

impl Drop for TlsTerminator {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn forward(acceptor: TlsAcceptor, client: TcpStream, upstream: SocketAddr) -> Result<()> {
    client.set_nodelay(true)?;
    let mut tls = acceptor.accept(client).await?;
    let mut server = TcpStream::connect(upstream).await?;
    server.set_nodelay(true)?;
    tokio::io::copy_bidirectional(&mut tls, &mut server).await?;
    Ok(())
}

/// A CA, and a server certificate it signs for `localhost` and
/// `127.0.0.1`: the CA's PEM, the server's chain and key.
type Certificates = (
    String,
    Vec<rustls::pki_types::CertificateDer<'static>>,
    PrivateKeyDer<'static>,
);

fn certificates() -> Result<Certificates> {
    let mut ca = CertificateParams::new(Vec::<String>::new())?;
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.distinguished_name
        .push(DnType::CommonName, "rightnow-bench local CA");
    ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let ca = CertifiedIssuer::self_signed(ca, KeyPair::generate()?).context("CA certificate")?;

    let mut leaf = CertificateParams::new(vec!["localhost".to_owned()])?;
    leaf.subject_alt_names
        .push(SanType::IpAddress(IpAddr::V4(Ipv4Addr::LOCALHOST)));
    leaf.distinguished_name
        .push(DnType::CommonName, "rightnow-bench local AWS");
    let leaf_key = KeyPair::generate()?;
    let leaf_cert = leaf
        .signed_by(&leaf_key, &ca)
        .context("server certificate")?;

    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf_key.serialize_der()));
    Ok((
        ca.pem(),
        vec![leaf_cert.der().clone(), ca.der().clone()],
        key,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    /// A client trusting only the written bundle completes a handshake
    /// with the terminator for 127.0.0.1, and bytes reach the upstream.
    #[tokio::test]
    async fn a_client_trusting_the_bundle_reaches_the_upstream_over_tls() {
        let upstream = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await.unwrap();
        let upstream_addr = upstream.local_addr().unwrap();
        tokio::spawn(async move {
            let (mut s, _) = upstream.accept().await.unwrap();
            let mut buf = [0u8; 4];
            s.read_exact(&mut buf).await.unwrap();
            s.write_all(&buf).await.unwrap();
        });
        let dir = std::env::temp_dir().join(format!("rightnow-tls-{}", std::process::id()));
        let term = TlsTerminator::start(upstream_addr, &dir).await.unwrap();
        assert!(term.endpoint().starts_with("https://127.0.0.1:"));

        let mut roots = rustls::RootCertStore::empty();
        let pem = std::fs::read(term.ca_bundle()).unwrap();
        for cert in rustls_pemfile_certs(&pem) {
            roots.add(cert).unwrap();
        }
        let config = rustls::ClientConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
        let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
        let tcp = TcpStream::connect(("127.0.0.1", term.port)).await.unwrap();
        let name = rustls::pki_types::ServerName::IpAddress(Ipv4Addr::LOCALHOST.into());
        let mut tls = connector.connect(name, tcp).await.unwrap();
        tls.write_all(b"ping").await.unwrap();
        let mut echoed = [0u8; 4];
        tls.read_exact(&mut echoed).await.unwrap();
        assert_eq!(&echoed, b"ping");
        let _ = std::fs::remove_dir_all(dir);
    }

    fn rustls_pemfile_certs(pem: &[u8]) -> Vec<rustls::pki_types::CertificateDer<'static>> {
        use rustls::pki_types::pem::PemObject;
        rustls::pki_types::CertificateDer::pem_slice_iter(pem)
            .map(Result::unwrap)
            .collect()
    }
}
