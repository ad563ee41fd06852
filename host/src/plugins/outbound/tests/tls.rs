//! A throwaway test PKI (generated with openssl for these tests only, valid 2024–2124): a CA
//! and a leaf for `localhost` / 127.0.0.1 signed by it. It protects nothing.

use std::sync::Arc;

use rustls::ServerConfig;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::TlsAcceptor;

const CA: &str = "
-----BEGIN CERTIFICATE-----
MIIBZzCCAQ2gAwIBAgIBATAKBggqhkjOPQQDAjAaMRgwFgYDVQQDDA9ndWljaGV0
IHRlc3QgQ0EwIBcNMjQwMTAxMDAwMDAwWhgPMjEyNDAxMDEwMDAwMDBaMBoxGDAW
BgNVBAMMD2d1aWNoZXQgdGVzdCBDQTBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IA
BLw4ZX+oxRNGirXF9/+rLx5x9HpDafokNUkhPwB6Y7LNuKyc3mdRSpBdaXxivOJk
oSeS9F58aEf5O+msPPoJLaOjQjBAMA8GA1UdEwEB/wQFMAMBAf8wDgYDVR0PAQH/
BAQDAgEGMB0GA1UdDgQWBBS5k9QzZKdWYY+XFsWwCywZnqVaUzAKBggqhkjOPQQD
AgNIADBFAiBoaEY4uJW3Blu85+t6Q0TlGVCQinnuCuZnSQ541q5howIhAOvq0v33
rvGQk869eOocTUZpa3qswGhLCj5aQr3f6vXY
-----END CERTIFICATE-----
";

const LEAF: &str = "
-----BEGIN CERTIFICATE-----
MIIBszCCAVigAwIBAgIBAjAKBggqhkjOPQQDAjAaMRgwFgYDVQQDDA9ndWljaGV0
IHRlc3QgQ0EwIBcNMjQwMTAxMDAwMDAwWhgPMjEyNDAxMDEwMDAwMDBaMBQxEjAQ
BgNVBAMMCWxvY2FsaG9zdDBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABN1c6fuO
xti8IDCK3FkXVEDT1LWuyY8VKH+fUo5aVn4QSaBC+0pvizcy2OyTXLzdCYKCV/TE
T2t+d3QOpGDvBj+jgZIwgY8wGgYDVR0RBBMwEYIJbG9jYWxob3N0hwR/AAABMAwG
A1UdEwEB/wQCMAAwDgYDVR0PAQH/BAQDAgeAMBMGA1UdJQQMMAoGCCsGAQUFBwMB
MB8GA1UdIwQYMBaAFLmT1DNkp1Zhj5cWxbALLBmepVpTMB0GA1UdDgQWBBQtpk0W
oBm4oFDMbXjkdKWasFuWYTAKBggqhkjOPQQDAgNJADBGAiEA+MkRPTadgw+blivY
KclJ1PetqSlzBZCA8tb797Mbx8YCIQCwf1H370enT4N5ToH122826tMtMHz62Ps1
UMWvilSqDQ==
-----END CERTIFICATE-----
";

const LEAF_KEY: &str = "
-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg0UAGvTfDL9Gv8rqX
xZHT/4T6TaONnQz3V5qFRCWaXRWhRANCAATdXOn7jsbYvCAwitxZF1RA09S1rsmP
FSh/n1KOWlZ+EEmgQvtKb4s3Mtjsk1y83QmCglf0xE9rfnd0DqRg7wY/
-----END PRIVATE KEY-----
";

pub fn ca_certificate() -> CertificateDer<'static> {
    CertificateDer::from_pem_slice(CA.as_bytes()).unwrap()
}

pub fn acceptor() -> TlsAcceptor {
    let leaf = CertificateDer::from_pem_slice(LEAF.as_bytes()).unwrap();
    let key = PrivateKeyDer::from_pem_slice(LEAF_KEY.as_bytes()).unwrap();
    let config = ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![leaf, ca_certificate()], key)
        .unwrap();
    TlsAcceptor::from(Arc::new(config))
}
