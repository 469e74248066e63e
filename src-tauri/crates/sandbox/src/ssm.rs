//! Systems Manager (awsJson1_1): SendCommand, ListCommands, ListCommandInvocations,
//! GetCommandInvocation, DescribeInstanceInformation, StartAutomationExecution and
//! GetAutomationExecution.
//!
//! A running instance's agent comes online [`AGENT_ONLINE_AFTER`] simulated seconds after it
//! launched (never, for an instance or server set offline through the admin endpoint). A command
//! "runs" its script for a few simulated seconds: `echo` lines are its output, an `exit N` line
//! fails it with code N, and a TCP or HTTP probe (`/dev/tcp/HOST/PORT`, `Test-NetConnection`,
//! `curl URL`) answers when the port is one of the scenario's open ports. An automation succeeds
//! after [`AUTOMATION_SECONDS`] unless its document was set to time out.

use crate::estate::{iso, Estate};
use crate::protocol::{json11_error, json11_ok, Request};
use crate::Shared;
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};
use time::OffsetDateTime;

/// Simulated seconds from an instance's launch to its SSM agent being online.
pub const AGENT_ONLINE_AFTER: i64 = 40;
/// Simulated seconds a command runs.
const COMMAND_SECONDS: i64 = 6;
/// Simulated seconds an automation runs.
pub const AUTOMATION_SECONDS: i64 = 30;
/// Simulated seconds after which a timing-out automation gives up.
const AUTOMATION_TIMEOUT_SECONDS: i64 = 120;

/// One command on one instance.
#[derive(Debug, Clone)]
pub struct Invocation {
    /// Instance.
    pub instance_id: String,
    /// Exit code once it ran.
    pub code: i32,
    /// Output (standard output and error).
    pub output: String,
}

/// A command sent with SendCommand.
#[derive(Debug, Clone)]
pub struct Command {
    /// `…-…` UUID-like ID.
    pub id: String,
    /// Owner account and region.
    pub account: String,
    /// Region.
    pub region: String,
    /// Document.
    pub document: String,
    /// Comment.
    pub comment: String,
    /// When it was sent.
    pub requested: OffsetDateTime,
    /// Per instance.
    pub invocations: Vec<Invocation>,
}

/// An automation execution.
#[derive(Debug, Clone)]
pub struct Automation {
    /// ID.
    pub id: String,
    /// Owner account.
    pub account: String,
    /// Region.
    pub region: String,
    /// Document.
    pub document: String,
    /// Parameters.
    pub parameters: BTreeMap<String, Vec<String>>,
    /// When it started.
    pub started: OffsetDateTime,
    /// It times out instead of succeeding.
    pub times_out: bool,
}

/// What SSM and Route 53 hold in the sandbox (both outside any one region's DRS state).
#[derive(Debug, Clone, Default)]
pub struct RunbookState {
    /// Commands by ID.
    pub commands: BTreeMap<String, Command>,
    /// Automations by ID.
    pub automations: BTreeMap<String, Automation>,
    /// Client token → automation ID.
    pub tokens: BTreeMap<String, String>,
    /// Instances or source servers whose agent never comes online.
    pub agents_offline: BTreeSet<String>,
    /// Automation documents that time out.
    pub automation_timeouts: BTreeSet<String>,
    /// Post-launch action documents (DRS `actionCode`s) whose runs fail.
    pub failing_actions: BTreeSet<String>,
    /// Custom SSM documents.
    pub documents: BTreeSet<String>,
    /// Ports the recovered instances answer on.
    pub open_ports: BTreeSet<u16>,
    /// Route 53 zones by ID.
    pub zones: BTreeMap<String, crate::route53::Zone>,
    /// Route 53 changes: ID → when submitted.
    pub changes: BTreeMap<String, OffsetDateTime>,
    /// Counter for IDs.
    pub counter: u64,
}

impl RunbookState {
    /// A new ID with `prefix`.
    pub fn next_id(&mut self, prefix: &str) -> String {
        self.counter += 1;
        format!(
            "{prefix}{:08x}-5a0d-4c6d-9e8f-{:012x}",
            0xd5_0000 + self.counter,
            self.counter
        )
    }
}

fn err(req: &Request, code: &str, message: &str) -> Response {
    json11_error(StatusCode::BAD_REQUEST, code, message, &req.request_id)
}

fn epoch(t: OffsetDateTime) -> f64 {
    t.unix_timestamp() as f64
}

fn str_list(v: Option<&Value>) -> Vec<String> {
    v.and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|x| x.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

fn params(v: Option<&Value>) -> BTreeMap<String, Vec<String>> {
    v.and_then(Value::as_object)
        .map(|o| {
            o.iter()
                .map(|(k, v)| (k.clone(), str_list(Some(v))))
                .collect()
        })
        .unwrap_or_default()
}

pub(crate) fn handle(shared: &Shared, req: &Request, op: &str) -> Response {
    let Some(principal) = shared.with_estate(|e| e.principal(&req.access_key).cloned()) else {
        return json11_error(
            StatusCode::BAD_REQUEST,
            "UnrecognizedClientException",
            "The security token included in the request is invalid.",
            &req.request_id,
        );
    };
    let account = principal.account;
    shared.with_estate(|e| match op {
        "SendCommand" => send_command(req, e, &account),
        "ListCommands" => list_commands(req, e, &account),
        "ListCommandInvocations" => list_invocations(req, e, &account),
        "GetCommandInvocation" => get_invocation(req, e, &account),
        "DescribeInstanceInformation" => describe_instances(req, e, &account),
        "StartAutomationExecution" => start_automation(req, e, &account),
        "GetAutomationExecution" => get_automation(req, e, &account),
        "" => err(
            req,
            "MissingAction",
            "The request must name its operation in X-Amz-Target",
        ),
        other => err(
            req,
            "UnknownOperationException",
            &format!("The sandbox does not implement SSM's {other}"),
        ),
    })
}

/// Whether the agent of `instance_id` is online at `now` (and its platform).
fn agent(
    e: &Estate,
    account: &str,
    region: &str,
    instance_id: &str,
    now: OffsetDateTime,
) -> Option<(bool, String)> {
    let r = e.accounts.get(account)?.regions.get(region)?;
    let i = r.instances.get(instance_id)?;
    if i.state != "running" {
        return Some((false, platform(&i.platform)));
    }
    let server = r
        .recovery_instances
        .values()
        .find(|ri| ri.ec2_instance_id == instance_id)
        .map(|ri| ri.source_server_id.clone());
    let offline = e.runbook.agents_offline.contains(instance_id)
        || server.is_some_and(|s| e.runbook.agents_offline.contains(&s));
    let launched = time::OffsetDateTime::parse(
        &i.launch_time,
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap_or(now);
    let online = !offline && (now - launched).whole_seconds() >= AGENT_ONLINE_AFTER;
    Some((online, platform(&i.platform)))
}

fn platform(ec2: &str) -> String {
    if ec2.contains("Windows") {
        "Windows".into()
    } else {
        "Linux".into()
    }
}

fn known_document(e: &Estate, name: &str) -> bool {
    let bare = name.rsplit('/').next().unwrap_or(name);
    bare.starts_with("AWS-")
        || bare.starts_with("AWSSupport-")
        || e.runbook.documents.contains(bare)
}

/// What a script does on a simulated instance: exit code and output.
fn run_script(lines: &[String], open_ports: &BTreeSet<u16>) -> (i32, String) {
    let mut out = String::new();
    for line in lines {
        let l = line.trim();
        if let Some(rest) = l.strip_prefix("exit ") {
            let code = rest
                .trim()
                .trim_end_matches(';')
                .parse::<i32>()
                .unwrap_or(1);
            if code != 0 {
                out.push_str(&format!("script exited with code {code}\n"));
                return (code, out);
            }
            return (0, out);
        }
        if let Some((host, port)) = tcp_probe(l) {
            if open_ports.contains(&port) {
                out.push_str(&format!("port {port} on {host} answered\n"));
            } else {
                out.push_str(&format!(
                    "bash: connect: Connection refused ({host}:{port})\n"
                ));
                return (1, out);
            }
            continue;
        }
        if let Some((url, port)) = http_probe(l) {
            if open_ports.contains(&port) {
                out.push_str("HTTP 200\n");
            } else {
                out.push_str(&format!(
                    "curl: (7) Failed to connect to {url}: Connection refused\n"
                ));
                return (7, out);
            }
            continue;
        }
        if let Some(text) = l.strip_prefix("echo ") {
            out.push_str(text.trim_matches(|c| c == '"' || c == '\''));
            out.push('\n');
        }
    }
    (0, out)
}

fn tcp_probe(line: &str) -> Option<(String, u16)> {
    if let Some(i) = line.find("/dev/tcp/") {
        let rest = &line[i + "/dev/tcp/".len()..];
        let mut parts = rest.split('/');
        let host = parts.next()?.to_string();
        let port: String = parts
            .next()?
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        return Some((host, port.parse().ok()?));
    }
    if line.contains("Test-NetConnection") {
        let host = line
            .split("-ComputerName '")
            .nth(1)?
            .split('\'')
            .next()?
            .to_string();
        let port: String = line
            .split("-Port ")
            .nth(1)?
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        return Some((host, port.parse().ok()?));
    }
    None
}

fn http_probe(line: &str) -> Option<(String, u16)> {
    if !(line.contains("curl ") || line.contains("Invoke-WebRequest")) {
        return None;
    }
    let start = line.find("http://").or_else(|| line.find("https://"))?;
    let url: String = line[start..]
        .chars()
        .take_while(|c| !c.is_whitespace() && *c != '\'' && *c != '"')
        .collect();
    let https = url.starts_with("https://");
    let authority = url.split("://").nth(1)?.split('/').next()?;
    let port = match authority.rsplit_once(':') {
        Some((_, p)) => p.parse().ok()?,
        None if https => 443,
        None => 80,
    };
    Some((url, port))
}

fn send_command(req: &Request, e: &mut Estate, account: &str) -> Response {
    let j = &req.json;
    let document = j.get("DocumentName").and_then(Value::as_str).unwrap_or("");
    if document.is_empty() {
        return err(req, "ValidationException", "DocumentName is required");
    }
    if !known_document(e, document) {
        return err(
            req,
            "InvalidDocument",
            &format!("Document with name {document} does not exist."),
        );
    }
    let ids = str_list(j.get("InstanceIds"));
    if ids.is_empty() {
        return err(
            req,
            "ValidationException",
            "InstanceIds or Targets is required",
        );
    }
    let now = e.clock.now();
    let bad: Vec<String> = ids
        .iter()
        .filter(|id| !agent(e, account, &req.region, id, now).is_some_and(|(online, _)| online))
        .cloned()
        .collect();
    if !bad.is_empty() {
        return err(
            req,
            "InvalidInstanceId",
            &format!(
                "Instances [[{}]] not in a valid state for account {account}",
                bad.join(", ")
            ),
        );
    }
    let parameters = params(j.get("Parameters"));
    let lines = parameters.get("commands").cloned().unwrap_or_default();
    let invocations = ids
        .iter()
        .map(|id| {
            let (code, output) = run_script(&lines, &e.runbook.open_ports);
            Invocation {
                instance_id: id.clone(),
                code,
                output,
            }
        })
        .collect();
    let id = e.runbook.next_id("");
    let comment = j
        .get("Comment")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let cmd = Command {
        id: id.clone(),
        account: account.to_string(),
        region: req.region.clone(),
        document: document.to_string(),
        comment,
        requested: now,
        invocations,
    };
    let body = json!({ "Command": command_json(&cmd, now) });
    e.runbook.commands.insert(id, cmd);
    json11_ok(&body, &req.request_id)
}

/// Status of one invocation at `now`.
fn invocation_status(cmd: &Command, inv: &Invocation, now: OffsetDateTime) -> &'static str {
    let elapsed = (now - cmd.requested).whole_seconds();
    if elapsed < 1 {
        "Pending"
    } else if elapsed < COMMAND_SECONDS {
        "InProgress"
    } else if inv.code == 0 {
        "Success"
    } else {
        "Failed"
    }
}

fn command_status(cmd: &Command, now: OffsetDateTime) -> &'static str {
    let statuses: Vec<&str> = cmd
        .invocations
        .iter()
        .map(|i| invocation_status(cmd, i, now))
        .collect();
    if statuses.contains(&"Pending") {
        "Pending"
    } else if statuses.contains(&"InProgress") {
        "InProgress"
    } else if statuses.iter().all(|s| *s == "Success") {
        "Success"
    } else {
        "Failed"
    }
}

fn command_json(cmd: &Command, now: OffsetDateTime) -> Value {
    json!({
        "CommandId": cmd.id,
        "DocumentName": cmd.document,
        "Comment": cmd.comment,
        "InstanceIds": cmd.invocations.iter().map(|i| i.instance_id.clone()).collect::<Vec<_>>(),
        "RequestedDateTime": epoch(cmd.requested),
        "Status": command_status(cmd, now),
        "StatusDetails": command_status(cmd, now),
        "TargetCount": cmd.invocations.len(),
        "CompletedCount": cmd.invocations.iter().filter(|i| matches!(invocation_status(cmd, i, now), "Success" | "Failed")).count(),
        "ErrorCount": cmd.invocations.iter().filter(|i| invocation_status(cmd, i, now) == "Failed").count(),
    })
}

fn own_command<'a>(
    e: &'a Estate,
    req: &Request,
    account: &str,
) -> Result<&'a Command, Box<Response>> {
    let id = req
        .json
        .get("CommandId")
        .and_then(Value::as_str)
        .unwrap_or("");
    e.runbook
        .commands
        .get(id)
        .filter(|c| c.account == account && c.region == req.region)
        .ok_or_else(|| {
            Box::new(err(
                req,
                "InvalidCommandId",
                &format!("Command {id} was not found"),
            ))
        })
}

fn list_commands(req: &Request, e: &mut Estate, account: &str) -> Response {
    let now = e.clock.now();
    let mut after: Option<OffsetDateTime> = None;
    if let Some(filters) = req.json.get("Filters").and_then(Value::as_array) {
        for f in filters {
            let key = f.get("key").and_then(Value::as_str).unwrap_or("");
            let value = f.get("value").and_then(Value::as_str).unwrap_or("");
            if key == "InvokedAfter" {
                match OffsetDateTime::parse(value, &time::format_description::well_known::Rfc3339) {
                    Ok(t) => after = Some(t),
                    Err(_) => {
                        return err(
                            req,
                            "InvalidFilterValue",
                            &format!("InvokedAfter {value} is not a date"),
                        )
                    }
                }
            }
        }
    }
    let wanted = req.json.get("CommandId").and_then(Value::as_str);
    let commands: Vec<Value> = e
        .runbook
        .commands
        .values()
        .filter(|c| c.account == account && c.region == req.region)
        .filter(|c| wanted.is_none_or(|w| w == c.id))
        .filter(|c| after.is_none_or(|t| c.requested >= t))
        .map(|c| command_json(c, now))
        .collect();
    json11_ok(&json!({ "Commands": commands }), &req.request_id)
}

fn plugin_name(document: &str) -> &'static str {
    if document.contains("PowerShell") {
        "aws:runPowerShellScript"
    } else {
        "aws:runShellScript"
    }
}

fn list_invocations(req: &Request, e: &mut Estate, account: &str) -> Response {
    let now = e.clock.now();
    let cmd = match own_command(e, req, account) {
        Ok(c) => c,
        Err(r) => return *r,
    };
    let details = req
        .json
        .get("Details")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let list: Vec<Value> = cmd
        .invocations
        .iter()
        .map(|i| {
            let status = invocation_status(cmd, i, now);
            let done = matches!(status, "Success" | "Failed");
            let mut v = json!({
                "CommandId": cmd.id,
                "InstanceId": i.instance_id,
                "DocumentName": cmd.document,
                "Comment": cmd.comment,
                "RequestedDateTime": epoch(cmd.requested),
                "Status": status,
                "StatusDetails": status,
            });
            if details {
                v["CommandPlugins"] = json!([{
                    "Name": plugin_name(&cmd.document),
                    "Status": status,
                    "StatusDetails": status,
                    "ResponseCode": if done { i.code } else { -1 },
                    "Output": if done { i.output.clone() } else { String::new() },
                }]);
            }
            v
        })
        .collect();
    json11_ok(&json!({ "CommandInvocations": list }), &req.request_id)
}

fn get_invocation(req: &Request, e: &mut Estate, account: &str) -> Response {
    let now = e.clock.now();
    let cmd = match own_command(e, req, account) {
        Ok(c) => c,
        Err(r) => return *r,
    };
    let instance = req
        .json
        .get("InstanceId")
        .and_then(Value::as_str)
        .unwrap_or("");
    let Some(i) = cmd.invocations.iter().find(|i| i.instance_id == instance) else {
        return err(
            req,
            "InvocationDoesNotExist",
            "An invocation for this command and instance does not exist",
        );
    };
    let status = invocation_status(cmd, i, now);
    let done = matches!(status, "Success" | "Failed");
    json11_ok(
        &json!({
            "CommandId": cmd.id,
            "InstanceId": i.instance_id,
            "DocumentName": cmd.document,
            "Comment": cmd.comment,
            "PluginName": plugin_name(&cmd.document),
            "Status": status,
            "StatusDetails": status,
            "ResponseCode": if done { i.code } else { -1 },
            "StandardOutputContent": if done && i.code == 0 { i.output.clone() } else { String::new() },
            "StandardErrorContent": if done && i.code != 0 { i.output.clone() } else { String::new() },
        }),
        &req.request_id,
    )
}

fn describe_instances(req: &Request, e: &mut Estate, account: &str) -> Response {
    let now = e.clock.now();
    let mut wanted: Option<Vec<String>> = None;
    for f in req
        .json
        .get("Filters")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if f.get("Key").and_then(Value::as_str) == Some("InstanceIds") {
            wanted = Some(str_list(f.get("Values")));
        }
    }
    if let Some(list) = req
        .json
        .get("InstanceInformationFilterList")
        .and_then(Value::as_array)
    {
        for f in list {
            if f.get("key").and_then(Value::as_str) == Some("InstanceIds") {
                wanted = Some(str_list(f.get("valueSet")));
            }
        }
    }
    let ids: Vec<String> = match wanted {
        Some(w) => w,
        None => e
            .accounts
            .get(account)
            .and_then(|a| a.regions.get(&req.region))
            .map(|r| r.instances.keys().cloned().collect())
            .unwrap_or_default(),
    };
    let list: Vec<Value> = ids
        .iter()
        .filter_map(|id| {
            let (online, platform) = agent(e, account, &req.region, id, now)?;
            let launched = e
                .accounts
                .get(account)?
                .regions
                .get(&req.region)?
                .instances
                .get(id)?
                .launch_time
                .clone();
            let registered = time::OffsetDateTime::parse(
                &launched,
                &time::format_description::well_known::Rfc3339,
            )
            .map(|t| (now - t).whole_seconds() >= AGENT_ONLINE_AFTER)
            .unwrap_or(true);
            // An instance whose agent never registered is not listed at all.
            if !online && !registered {
                return None;
            }
            Some(json!({
                "InstanceId": id,
                "PingStatus": if online { "Online" } else { "ConnectionLost" },
                "LastPingDateTime": epoch(now),
                "AgentVersion": "3.3.987.0",
                "IsLatestVersion": true,
                "PlatformType": platform,
                "ResourceType": "EC2Instance",
            }))
        })
        .collect();
    json11_ok(&json!({ "InstanceInformationList": list }), &req.request_id)
}

fn start_automation(req: &Request, e: &mut Estate, account: &str) -> Response {
    let j = &req.json;
    let document = j.get("DocumentName").and_then(Value::as_str).unwrap_or("");
    if !known_document(e, document) {
        return err(
            req,
            "AutomationDefinitionNotFoundException",
            &format!("Automation definition {document} not found"),
        );
    }
    let token = j
        .get("ClientToken")
        .and_then(Value::as_str)
        .map(str::to_string);
    if let Some(t) = &token {
        if let Some(id) = e.runbook.tokens.get(&t.to_ascii_lowercase()) {
            return json11_ok(&json!({ "AutomationExecutionId": id }), &req.request_id);
        }
    }
    let id = e.runbook.next_id("");
    let times_out = e.runbook.automation_timeouts.contains(document);
    let a = Automation {
        id: id.clone(),
        account: account.to_string(),
        region: req.region.clone(),
        document: document.to_string(),
        parameters: params(j.get("Parameters")),
        started: e.clock.now(),
        times_out,
    };
    e.runbook.automations.insert(id.clone(), a);
    if let Some(t) = token {
        e.runbook.tokens.insert(t.to_ascii_lowercase(), id.clone());
    }
    json11_ok(&json!({ "AutomationExecutionId": id }), &req.request_id)
}

fn get_automation(req: &Request, e: &mut Estate, account: &str) -> Response {
    let now = e.clock.now();
    let id = req
        .json
        .get("AutomationExecutionId")
        .and_then(Value::as_str)
        .unwrap_or("");
    let Some(a) = e
        .runbook
        .automations
        .get(id)
        .filter(|a| a.account == account && a.region == req.region)
    else {
        return err(
            req,
            "AutomationExecutionNotFoundException",
            &format!("Automation execution {id} not found"),
        );
    };
    let elapsed = (now - a.started).whole_seconds();
    let (status, end, failure) = if a.times_out {
        if elapsed >= AUTOMATION_TIMEOUT_SECONDS {
            (
                "TimedOut",
                Some(a.started + time::Duration::seconds(AUTOMATION_TIMEOUT_SECONDS)),
                Some(format!(
                    "Step timed out while step is verifying the runbook {} (simulated)",
                    a.document
                )),
            )
        } else {
            ("InProgress", None, None)
        }
    } else if elapsed >= AUTOMATION_SECONDS {
        (
            "Success",
            Some(a.started + time::Duration::seconds(AUTOMATION_SECONDS)),
            None,
        )
    } else {
        ("InProgress", None, None)
    };
    let mut v = json!({
        "AutomationExecutionId": a.id,
        "DocumentName": a.document,
        "DocumentVersion": "1",
        "ExecutionStartTime": epoch(a.started),
        "AutomationExecutionStatus": status,
        "Parameters": a.parameters,
        "Mode": "Auto",
    });
    if let Some(t) = end {
        v["ExecutionEndTime"] = json!(epoch(t));
    }
    if let Some(f) = failure {
        v["FailureMessage"] = json!(f);
    }
    if status == "Success" {
        v["Outputs"] =
            json!({ format!("{}.Result", a.document): [format!("completed at {}", iso(now))] });
    }
    json11_ok(&json!({ "AutomationExecution": v }), &req.request_id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scripts_fail_on_exit_and_closed_ports() {
        let open: BTreeSet<u16> = [5432, 80].into_iter().collect();
        assert_eq!(
            run_script(&["echo 'hello'".into()], &open),
            (0, "hello\n".into())
        );
        assert_eq!(
            run_script(&["echo checking".into(), "exit 3".into()], &open).0,
            3
        );
        let tcp = "timeout 10 bash -c '</dev/tcp/db.retail.internal/5432' && echo ok".to_string();
        assert_eq!(run_script(&[tcp], &open).0, 0);
        let closed = "timeout 10 bash -c '</dev/tcp/10.0.0.1/9999'".to_string();
        assert_eq!(run_script(&[closed], &open).0, 1);
        let http = "curl -sS -o /dev/null -f 'http://localhost/health'".to_string();
        assert_eq!(run_script(&[http], &open), (0, "HTTP 200\n".into()));
        let https = "curl -f 'https://localhost:8443/'".to_string();
        assert_eq!(run_script(&[https], &open).0, 7);
        let ps = "if (Test-NetConnection -ComputerName 'sql' -Port 1433 -InformationLevel Quiet) { 'x' }".to_string();
        assert_eq!(tcp_probe(&ps), Some(("sql".into(), 1433)));
    }
}
