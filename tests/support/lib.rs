//! Test support: real local services for the integration tests.
//!
//! Each wrapper starts (or creates) a real service on loopback and cleans it
//! up on drop. scripts/setup.sh installs the programs and scripts/test.sh
//! exports where they are:
//!
//! | module       | service                        | environment                         |
//! |--------------|--------------------------------|-------------------------------------|
//! | [`smtp`]     | aiosmtpd SMTP sink (Maildir)   | `GUICHET_PYTHON`                    |
//! | [`postgres`] | one PostgreSQL database a test | `GUICHET_TEST_POSTGRES_URL`, `GUICHET_TEST_KEEP_DB` |
//! | [`browser`]  | ChromeDriver + headless Chromium | `GUICHET_CHROMEDRIVER`, `GUICHET_CHROMIUM`, `GUICHET_TEST_ARTIFACTS` |
//! | [`contrats`] | API Entreprise, BAN, API Carto and RDV Service Public stand-ins (axum, in-process) | — |
//! | [`pdf`]      | `pdftotext` (poppler-utils) on rendered PDFs | — |
//! | [`demo`]     | the demo démarche: seeded, found, filed | — |
//! | [`s3`]       | SeaweedFS `weed mini` S3 server, one bucket | `GUICHET_TEST_WEED` |
//! | [`panne`]    | a proxy answering 500 to chosen requests while « broken » | — |

pub mod app;
pub mod browser;
pub mod contrats;
pub mod demo;
pub mod fichiers;
pub mod panne;
pub mod pdf;
pub mod plugin_host;
pub mod postgres;
pub mod processus;
pub mod s3;
pub mod smtp;

mod util;
