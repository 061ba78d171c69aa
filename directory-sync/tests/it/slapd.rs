//! Test harness: a private OpenLDAP `slapd` (Debian package) started as a child process on a
//! free port of 127.0.0.1, with its own slapd.conf and mdb database in a temporary folder; no
//! system service is used. It can be stopped and started again on the same port with the
//! same data (the "directory down" tests), optionally with LDAPS/StartTLS, and is killed on drop.
//!
//! Shared with `examples/bench.rs` through `#[path]`.

#![allow(dead_code, unreachable_pub)]

use std::fmt::Write as _;
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use directory_sync::connection::{BindSecret, DirectoryConfig};

/// The database suffix; the layouts of the tests live below it.
pub const SUFFIX: &str = "dc=habilis,dc=test";
/// The root DN (no ACL applies to it).
pub const ROOT_DN: &str = "cn=admin,dc=habilis,dc=test";
/// The root DN's password.
pub const ROOT_PW: &str = "test-secret";

const SLAPD: &str = "/usr/sbin/slapd";
const SLAPADD: &str = "/usr/sbin/slapadd";

/// TLS material written by [`Slapd::start_tls`].
pub struct Tls {
    /// The CA certificate (PEM) that signed the server certificate.
    pub ca_file: PathBuf,
    /// The LDAPS port.
    pub ldaps_port: u16,
}

/// A running (or stopped) private slapd.
pub struct Slapd {
    dir: tempfile::TempDir,
    port: u16,
    tls: Option<Tls>,
    child: Option<Child>,
}

fn require_slapd() {
    assert!(
        Path::new(SLAPD).exists() && Path::new(SLAPADD).exists(),
        "OpenLDAP slapd is not installed: run scripts/slapd-deps.sh (it installs the Debian \
         packages slapd and ldap-utils; CI runs it before the tests)"
    );
}

fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    listener.local_addr().expect("local addr").port()
}

impl Slapd {
    /// Starts a slapd with the suffix entry in place, on plain LDAP.
    pub async fn start() -> Self {
        Self::launch(false).await
    }

    /// Starts a slapd that also speaks LDAPS and StartTLS, with a fresh CA and server
    /// certificate for 127.0.0.1 made with the `openssl` command.
    pub async fn start_tls() -> Self {
        Self::launch(true).await
    }

    async fn launch(tls: bool) -> Self {
        require_slapd();
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::create_dir(dir.path().join("data")).expect("data dir");
        let tls = tls.then(|| Tls {
            ca_file: make_certificates(dir.path()),
            ldaps_port: 0,
        });
        let mut slapd = Self {
            dir,
            port: 0,
            tls,
            child: None,
        };
        slapd.write_config();
        slapd.seed_suffix();
        // The port is chosen by binding :0 and released before slapd binds it: another process
        // may take it meanwhile, so retry on a new port when slapd cannot bind.
        for _ in 0..5 {
            slapd.port = free_port();
            if let Some(tls) = slapd.tls.as_mut() {
                tls.ldaps_port = free_port();
            }
            if slapd.spawn().await {
                return slapd;
            }
        }
        panic!("slapd did not start; log:\n{}", slapd.log());
    }

    fn conf_path(&self) -> PathBuf {
        self.dir.path().join("slapd.conf")
    }

    fn write_config(&self) {
        let d = self.dir.path().display();
        let mut conf = String::new();
        for schema in ["core", "cosine", "inetorgperson", "nis"] {
            writeln!(conf, "include /etc/ldap/schema/{schema}.schema").unwrap();
        }
        writeln!(conf, "pidfile {d}/slapd.pid\nargsfile {d}/slapd.args").unwrap();
        writeln!(conf, "modulepath /usr/lib/ldap\nmoduleload back_mdb").unwrap();
        if let Some(tls) = &self.tls {
            writeln!(conf, "TLSCACertificateFile {}", tls.ca_file.display()).unwrap();
            writeln!(
                conf,
                "TLSCertificateFile {d}/server.pem\nTLSCertificateKeyFile {d}/server.key"
            )
            .unwrap();
        }
        // Big role groups make big add requests: allow 64 MiB (the default is 4 MiB).
        writeln!(
            conf,
            "sizelimit unlimited\nthreads 8\nsockbuf_max_incoming_auth 67108863"
        )
        .unwrap();
        writeln!(
            conf,
            "database mdb\nmaxsize 8589934592\nsuffix \"{SUFFIX}\""
        )
        .unwrap();
        writeln!(
            conf,
            "rootdn \"{ROOT_DN}\"\nrootpw {ROOT_PW}\ndirectory {d}/data"
        )
        .unwrap();
        // Tests and the benchmark trade durability for speed, the same for both contenders.
        writeln!(conf, "dbnosync\nindex objectClass eq\nindex uid eq").unwrap();
        std::fs::write(self.conf_path(), conf).expect("write slapd.conf");
    }

    fn seed_suffix(&self) {
        let ldif = self.dir.path().join("suffix.ldif");
        std::fs::write(
            &ldif,
            format!("dn: {SUFFIX}\nobjectClass: dcObject\nobjectClass: organization\no: Habilis tests\ndc: habilis\n"),
        )
        .expect("write suffix.ldif");
        let out = Command::new(SLAPADD)
            .arg("-f")
            .arg(self.conf_path())
            .arg("-l")
            .arg(&ldif)
            .output()
            .expect("run slapadd");
        assert!(
            out.status.success(),
            "slapadd failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    fn log_path(&self) -> PathBuf {
        self.dir.path().join("slapd.log")
    }

    /// slapd's output so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.log_path()).unwrap_or_default()
    }

    /// Spawns slapd on the chosen ports; false when it exited (port taken).
    async fn spawn(&mut self) -> bool {
        let mut urls = format!("ldap://127.0.0.1:{}/", self.port);
        if let Some(tls) = &self.tls {
            urls.push_str(&format!(" ldaps://127.0.0.1:{}/", tls.ldaps_port));
        }
        let log = std::fs::File::create(self.log_path()).expect("log file");
        // slapd writes its pid file once its listeners are bound: a stale one from a killed run
        // must not pass for that.
        let pid_file = self.dir.path().join("slapd.pid");
        let _ = std::fs::remove_file(&pid_file);
        let child = Command::new(SLAPD)
            .arg("-f")
            .arg(self.conf_path())
            .arg("-h")
            .arg(urls)
            // -d keeps slapd in the foreground, so it stays our child and dies with the test.
            .args(["-d", "0"])
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log"))
            .stderr(log)
            .spawn()
            .expect("spawn slapd");
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if let Some(status) = self
                .child
                .as_mut()
                .and_then(|c| c.try_wait().ok().flatten())
            {
                eprintln!("slapd exited with {status}: {}", self.log());
                self.child = None;
                return false;
            }
            // An answer on the port alone could come from another test's server that took the
            // port meanwhile, while this slapd fails to bind and exits: wait for our pid file
            // too, and check the child once more after the answer.
            if pid_file.exists()
                && TcpStream::connect(("127.0.0.1", self.port)).is_ok()
                && self
                    .child
                    .as_mut()
                    .is_some_and(|c| matches!(c.try_wait(), Ok(None)))
            {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!("slapd did not answer within 20 s; log:\n{}", self.log());
    }

    /// Kills slapd (as a crash or an outage would); the data stays.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts slapd again on the same port with the same data.
    pub async fn restart(&mut self) {
        self.stop();
        assert!(
            self.spawn().await,
            "slapd did not restart; log:\n{}",
            self.log()
        );
    }

    /// `ldap://127.0.0.1:<port>/`
    pub fn url(&self) -> String {
        format!("ldap://127.0.0.1:{}/", self.port)
    }

    /// The TLS material, for instances started with [`Slapd::start_tls`].
    pub fn tls(&self) -> Option<&Tls> {
        self.tls.as_ref()
    }

    /// A configuration binding as the root DN, managing `base_dn`.
    pub fn config(&self, base_dn: &str) -> DirectoryConfig {
        let mut config =
            DirectoryConfig::new(&self.url(), ROOT_DN, BindSecret::new(ROOT_PW), base_dn);
        config.connect_timeout = Duration::from_secs(2);
        config.op_timeout = Duration::from_secs(10);
        config.pool_size = 2;
        config
    }

    /// The process id of the running slapd.
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// The temporary folder.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }
}

impl Drop for Slapd {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A CA and a server certificate for 127.0.0.1 (IP SAN), with the openssl command.
fn make_certificates(dir: &Path) -> PathBuf {
    let run = |args: &[&str]| {
        let out = Command::new("openssl")
            .args(args)
            .current_dir(dir)
            .output()
            .expect("run openssl");
        assert!(
            out.status.success(),
            "openssl {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    run(&[
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem",
        "-days",
        "2",
        "-subj",
        "/CN=Habilis test CA",
        "-addext",
        "basicConstraints=critical,CA:TRUE",
        "-addext",
        "keyUsage=critical,keyCertSign,cRLSign",
    ]);
    run(&[
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "server.key",
        "-out",
        "server.csr",
        "-subj",
        "/CN=127.0.0.1",
    ]);
    std::fs::write(
        dir.join("server.ext"),
        "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n",
    )
    .expect("write server.ext");
    run(&[
        "x509",
        "-req",
        "-in",
        "server.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        "server.pem",
        "-days",
        "2",
        "-extfile",
        "server.ext",
    ]);
    dir.join("ca.pem")
}
