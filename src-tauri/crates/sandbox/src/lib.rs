//! # drs-sandbox — a simulated AWS estate on loopback
//!
//! An HTTP server on 127.0.0.1 that speaks the real wire protocols of the AWS services the app
//! uses — DRS (restJson1), EC2 (ec2 query, XML), STS (query, XML), SSM (awsJson1_1), Route 53
//! (restXml), and for always-on monitoring SNS (query), EventBridge (awsJson1_1) and CloudWatch's
//! alarms (Smithy RPC v2 CBOR) — so that the app, its tests
//! and independent clients such as the AWS CLI reach it through the same SDK code path as real
//! AWS, only with another endpoint URL.
//!
//! - [`scenario`]: the estate to simulate — the built-in retail scenario or a YAML file.
//! - [`estate`]: the live state (accounts, regions, servers, instances) and the simulated clock.
//! - `protocol`: SigV4 scope parsing (account from the access key, region from the scope) and
//!   AWS-shaped errors for each protocol.
//! - `drs`, `ec2`, `sts`, `ssm`, `route53`, `alerts` (SNS, EventBridge), `cloudwatch`: the operations (SSM runs simulated scripts on the
//!   recovered instances, whose agents come online a while after launch).
//! - `faults`: seeded fault injection (throttling, 5xx, latency).
//! - `admin`: `/_sandbox/stats`, `/_sandbox/reset`, `/_sandbox/state` for tests and benchmarks.
//!
//! Signatures are parsed, not verified: the sandbox holds no secrets worth protecting.

mod admin;
mod alerts;
mod cloudwatch;
mod drs;
mod ec2;
pub mod estate;
mod failback;
mod faults;
pub mod jobs;
pub mod native;
mod protocol;
mod route53;
pub mod scenario;
mod ssm;
mod sts;

pub use faults::FaultConfig;
pub use scenario::{Scenario, ScenarioError};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, Uri};
use axum::response::{IntoResponse, Response};
use estate::Estate;
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use tokio::net::TcpListener;
use tokio::sync::oneshot;

/// How to run a sandbox.
#[derive(Debug, Clone)]
pub struct SandboxConfig {
    /// Port on 127.0.0.1 (0 = any free port).
    pub port: u16,
    /// The estate.
    pub scenario: Scenario,
    /// Simulated seconds per real second (60 = a simulated minute per second).
    pub time_scale: f64,
    /// Injected faults.
    pub faults: FaultConfig,
    /// Seed for everything random (faults, simulated durations).
    pub seed: u64,
    /// The admin endpoints' token; `None` for a random one per run (benchmarks fix one).
    pub admin_token: Option<String>,
}

impl Default for SandboxConfig {
    fn default() -> Self {
        Self {
            port: 0,
            scenario: Scenario::retail(),
            time_scale: 60.0,
            faults: FaultConfig::default(),
            seed: 42,
            admin_token: None,
        }
    }
}

/// Shared by every request.
pub(crate) struct Shared {
    pub(crate) estate: Mutex<Estate>,
    pub(crate) config: SandboxConfig,
    pub(crate) faults: faults::Faults,
    pub(crate) stats: Mutex<admin::Stats>,
    /// Operations refused for one resource (`POST /_sandbox/refuse/{operation}/{resource}`),
    /// to test what a failure part-way leaves behind.
    pub(crate) refusals: Mutex<Vec<(String, String)>>,
    /// Operations whose next answers are lost: the request is carried out, then answered with
    /// a 500 (`POST /_sandbox/lose-answer/{operation}[/{count}]`), as when a response is lost
    /// on the way back.
    pub(crate) lost_answers: Mutex<BTreeMap<String, u32>>,
    /// What admin requests must carry (`x-sandbox-token` header or `token` query parameter).
    pub(crate) admin_token: String,
}

/// Why the sandbox could not start.
#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    /// The port could not be bound.
    #[error("cannot listen on 127.0.0.1:{port}: {source}")]
    Bind {
        /// The port asked for.
        port: u16,
        /// Why.
        source: std::io::Error,
    },
}

/// A running sandbox; dropping it stops the server.
pub struct RunningSandbox {
    addr: SocketAddr,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
    shared: Arc<Shared>,
}

impl RunningSandbox {
    /// The endpoint URL to give the SDK or the AWS CLI (`--endpoint-url`).
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The token this run's admin endpoints require (`x-sandbox-token` header or `?token=`);
    /// random per run.
    pub fn admin_token(&self) -> &str {
        &self.shared.admin_token
    }

    /// An admin URL with this run's token: `admin_url("stats")` is
    /// `http://127.0.0.1:PORT/_sandbox/stats?token=…`.
    pub fn admin_url(&self, path: &str) -> String {
        format!(
            "{}/_sandbox/{}?token={}",
            self.endpoint(),
            path.trim_start_matches('/'),
            self.shared.admin_token
        )
    }

    /// Static credentials of each sandbox account.
    pub fn credentials(&self) -> Vec<scenario::AccountKeys> {
        self.shared.config.scenario.account_keys()
    }

    /// Stops the server and waits for it.
    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for RunningSandbox {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// Starts a sandbox on a tokio runtime and returns once it accepts connections.
pub async fn start(config: SandboxConfig) -> Result<RunningSandbox, SandboxError> {
    let port = config.port;
    let listener = TcpListener::bind(("127.0.0.1", port))
        .await
        .map_err(|source| SandboxError::Bind { port, source })?;
    let addr = listener
        .local_addr()
        .map_err(|source| SandboxError::Bind { port, source })?;
    let shared = Arc::new(Shared {
        estate: Mutex::new(Estate::new(
            &config.scenario,
            config.time_scale,
            config.seed,
        )),
        faults: faults::Faults::new(config.faults.clone(), config.seed),
        stats: Mutex::new(admin::Stats::default()),
        refusals: Mutex::new(Vec::new()),
        lost_answers: Mutex::new(BTreeMap::new()),
        admin_token: config
            .admin_token
            .clone()
            .unwrap_or_else(|| format!("{:032x}", rand::random::<u128>())),
        config,
    });
    let app = axum::Router::new()
        .fallback(handle)
        .with_state(shared.clone());
    let (tx, rx) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = rx.await;
            })
            .await;
    });
    Ok(RunningSandbox {
        addr,
        shutdown: Some(tx),
        task: Some(task),
        shared,
    })
}

async fn handle(
    State(shared): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Some(refused) = foreign_host(&headers) {
        return refused;
    }
    let path = uri.path().to_string();
    if path.starts_with("/_sandbox/") {
        // The simulated clock is public (the app's engine reads it); the rest needs the token.
        let public = method == Method::GET && path == "/_sandbox/clock";
        if !public && !admin::authorised(&shared.admin_token, &headers, &uri) {
            return admin::forbidden();
        }
        return admin::handle(&shared, &method, &path);
    }
    let request = match protocol::Request::parse(&method, &uri, &headers, body) {
        Ok(r) => r,
        Err(resp) => return *resp,
    };
    let operation = request.operation();
    if let Some(delay) = shared.faults.latency() {
        tokio::time::sleep(delay).await;
    }
    if let Some(fault) = shared.faults.draw() {
        shared.stats_record(&request.service, &operation, Some(fault));
        return protocol::fault_response(&request, &operation, fault);
    }
    if let Some(resp) = shared.refusal(&request, &operation) {
        shared.stats_record_result(&request.service, &operation, true);
        return resp;
    }
    let response = match request.service {
        protocol::Service::Drs => drs::handle(&shared, &request, &operation),
        protocol::Service::Ec2 => ec2::handle(&shared, &request, &operation),
        protocol::Service::Sts => sts::handle(&shared, &request, &operation),
        protocol::Service::Ssm => ssm::handle(&shared, &request, &operation),
        protocol::Service::Route53 => route53::handle(&shared, &request, &operation),
        protocol::Service::CloudWatch => cloudwatch::handle(&shared, &request, &operation),
        protocol::Service::Sns => alerts::handle_sns(&shared, &request, &operation),
        protocol::Service::Events => alerts::handle_events(&shared, &request, &operation),
    };
    let failed = !response.status().is_success();
    shared.stats_record_result(&request.service, &operation, failed);
    if !failed && shared.lose_answer(&operation) {
        // Carried out (counted once above); the answer is lost on the way back.
        if let Ok(mut s) = shared.stats.lock() {
            s.lost(request.service.name(), &operation);
        }
        return protocol::fault_response(&request, &operation, faults::Fault::ServerError);
    }
    response
}

/// A request whose `Host` is not this machine's loopback is refused: a web page that
/// re-points its own name at 127.0.0.1 (DNS rebinding) sends its own name as the `Host`.
fn foreign_host(headers: &HeaderMap) -> Option<Response> {
    let host = headers
        .get(axum::http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("");
    let name = if let Some(rest) = host.strip_prefix('[') {
        rest.split(']').next().unwrap_or("")
    } else {
        host.rsplit_once(':').map_or(host, |(n, _)| n)
    };
    if matches!(name, "127.0.0.1" | "localhost" | "::1") {
        return None;
    }
    Some(
        (
            axum::http::StatusCode::FORBIDDEN,
            format!(
                "the sandbox answers only requests addressed to this machine's loopback \
                 (127.0.0.1, localhost or [::1]), not to \"{host}\""
            ),
        )
            .into_response(),
    )
}

impl Shared {
    /// The refusal set for this operation on this request's resource, if any.
    fn refusal(&self, request: &protocol::Request, operation: &str) -> Option<Response> {
        let refusals = self.refusals.lock().ok()?;
        if refusals.is_empty() {
            return None;
        }
        let resource = request
            .param("LaunchTemplateId")
            .map(str::to_string)
            .or_else(|| {
                request
                    .json
                    .get("sourceServerID")
                    .and_then(|v| v.as_str())
                    .map(str::to_string)
            })
            .unwrap_or_else(|| "*".to_string());
        // `*` refuses the operation on anything (an IAM policy without the action).
        if !refusals
            .iter()
            .any(|(op, r)| op == operation && (r == "*" || *r == resource))
        {
            return None;
        }
        let message =
            format!("{operation} on {resource} is refused (set up by the sandbox's test hook)");
        Some(match request.service {
            protocol::Service::Ec2 | protocol::Service::Sts | protocol::Service::Sns => {
                protocol::query_error(
                    request.service,
                    axum::http::StatusCode::FORBIDDEN,
                    "UnauthorizedOperation",
                    &message,
                    &request.request_id,
                )
            }
            protocol::Service::Drs => protocol::json_error(
                axum::http::StatusCode::FORBIDDEN,
                "AccessDeniedException",
                &message,
                &request.request_id,
            ),
            protocol::Service::Ssm | protocol::Service::Events => protocol::json11_error(
                axum::http::StatusCode::BAD_REQUEST,
                "AccessDeniedException",
                &message,
                &request.request_id,
            ),
            protocol::Service::Route53 => protocol::route53_error(
                axum::http::StatusCode::FORBIDDEN,
                "AccessDenied",
                &message,
                &request.request_id,
            ),
            protocol::Service::CloudWatch => cloudwatch::error(
                axum::http::StatusCode::FORBIDDEN,
                "AccessDenied",
                &message,
                &request.request_id,
            ),
        })
    }

    /// Whether this answer of `operation` is to be lost (counting it down).
    fn lose_answer(&self, operation: &str) -> bool {
        let Ok(mut lost) = self.lost_answers.lock() else {
            return false;
        };
        match lost.get_mut(operation) {
            Some(n) if *n > 0 => {
                *n -= 1;
                true
            }
            _ => false,
        }
    }

    fn stats_record(&self, service: &protocol::Service, op: &str, fault: Option<faults::Fault>) {
        if let Ok(mut s) = self.stats.lock() {
            s.record(service.name(), op, fault, false);
        }
    }

    fn stats_record_result(&self, service: &protocol::Service, op: &str, failed: bool) {
        if let Ok(mut s) = self.stats.lock() {
            s.record(service.name(), op, None, failed);
        }
    }

    /// Runs `f` on the estate after bringing the simulation up to now.
    pub(crate) fn with_estate<T>(&self, f: impl FnOnce(&mut Estate) -> T) -> T {
        let mut guard = match self.estate.lock() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        };
        guard.advance();
        f(&mut guard)
    }
}
