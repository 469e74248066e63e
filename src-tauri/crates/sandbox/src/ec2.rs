//! EC2 (ec2 query protocol, XML): DescribeInstances with filters and pagination,
//! DescribeInstanceStatus, CreateTags,
//! DeleteTags, StartInstances, StopInstances, DescribeSubnets, DescribeSecurityGroups, and the
//! launch templates DRS keeps per source server (DescribeLaunchTemplateVersions,
//! CreateLaunchTemplateVersion, ModifyLaunchTemplate).

use crate::estate::{Instance, RegionState};
use crate::protocol::{esc, query_error, xml_ok, Request, Service};
use crate::Shared;
use axum::http::StatusCode;
use axum::response::Response;
use std::fmt::Write;

const NS: &str = "http://ec2.amazonaws.com/doc/2016-11-15/";

fn err(req: &Request, status: StatusCode, code: &str, message: &str) -> Response {
    query_error(Service::Ec2, status, code, message, &req.request_id)
}

fn state_code(state: &str) -> u16 {
    match state {
        "pending" => 0,
        "running" => 16,
        "shutting-down" => 32,
        "terminated" => 48,
        "stopping" => 64,
        _ => 80,
    }
}

fn tag_set(tags: &std::collections::BTreeMap<String, String>) -> String {
    let mut out = String::from("<tagSet>");
    for (k, v) in tags {
        let _ = write!(
            out,
            "<item><key>{}</key><value>{}</value></item>",
            esc(k),
            esc(v)
        );
    }
    out.push_str("</tagSet>");
    out
}

fn instance_xml(i: &Instance, account: &str) -> String {
    format!(
        "<item><reservationId>r-{}</reservationId><ownerId>{account}</ownerId><groupSet/><instancesSet><item>\
<instanceId>{}</instanceId><imageId>ami-0abcdef1234567890</imageId>\
<instanceState><code>{}</code><name>{}</name></instanceState>\
<privateDnsName>ip-{}.internal</privateDnsName><instanceType>{}</instanceType>\
<launchTime>{}</launchTime><placement><availabilityZone>{}a</availabilityZone><tenancy>default</tenancy></placement>\
<subnetId>{}</subnetId><vpcId>vpc-0a1b2c3d4e5f60789</vpcId><privateIpAddress>{}</privateIpAddress>\
<architecture>{}</architecture><rootDeviceType>{}</rootDeviceType><rootDeviceName>/dev/xvda</rootDeviceName>\
<virtualizationType>hvm</virtualizationType><hypervisor>xen</hypervisor><bootMode>{}</bootMode>\
<platformDetails>{}</platformDetails>{}{}</item></instancesSet></item>",
        &i.id[2..],
        esc(&i.id),
        state_code(&i.state),
        esc(&i.state),
        i.private_ip.replace('.', "-"),
        esc(&i.instance_type),
        esc(&i.launch_time),
        "us",
        esc(&i.subnet_id),
        esc(&i.private_ip),
        esc(&i.architecture),
        esc(&i.root_device_type),
        esc(&i.boot_mode),
        esc(&i.platform),
        if i.platform == "Windows" { "<platform>windows</platform>" } else { "" },
        tag_set(&i.tags),
    )
}

fn matches(i: &Instance, filters: &[(String, Vec<String>)]) -> bool {
    filters.iter().all(|(name, values)| {
        if let Some(key) = name.strip_prefix("tag:") {
            i.tags
                .get(key)
                .is_some_and(|v| values.iter().any(|w| w == v))
        } else {
            match name.as_str() {
                "tag-key" => values.iter().any(|k| i.tags.contains_key(k)),
                "instance-state-name" => values.iter().any(|s| s == &i.state),
                "instance-id" => values.iter().any(|s| s == &i.id),
                "subnet-id" => values.iter().any(|s| s == &i.subnet_id),
                "private-ip-address" => values.iter().any(|s| s == &i.private_ip),
                _ => false,
            }
        }
    })
}

const FILTERS: &[&str] = &[
    "tag-key",
    "instance-state-name",
    "instance-id",
    "subnet-id",
    "private-ip-address",
];

pub(crate) fn handle(shared: &Shared, req: &Request, op: &str) -> Response {
    let Some(principal) = shared.with_estate(|e| e.principal(&req.access_key).cloned()) else {
        return err(
            req,
            StatusCode::UNAUTHORIZED,
            "AuthFailure",
            "AWS was not able to validate the provided access credentials",
        );
    };
    let account = principal.account;
    shared.with_estate(|e| {
        let now = e.clock.now();
        let region = e.region_mut(&account, &req.region);
        match op {
            "DescribeInstances" => describe_instances(req, region, &account),
            "CreateTags" | "DeleteTags" => tags(req, region, op),
            "DescribeInstanceAttribute" => describe_attribute(req, region),
            "DescribeInstanceStatus" => describe_status(req, region, now),
            "StartInstances" | "StopInstances" => start_stop(req, region, op, now),
            "DescribeSubnets" => describe_subnets(req, region),
            "DescribeSecurityGroups" => describe_security_groups(req),
            "DescribeInstanceTypes" => describe_instance_types(req),
            "DescribeLaunchTemplateVersions" => describe_template_versions(req, region),
            "CreateLaunchTemplateVersion" => create_template_version(req, region),
            "ModifyLaunchTemplate" => modify_template(req, region),
            "" => err(req, StatusCode::BAD_REQUEST, "MissingAction", "The request must contain the parameter Action"),
            other => err(req, StatusCode::BAD_REQUEST, "InvalidAction", &format!("The action {other} is not valid for this web service (the sandbox does not implement it)")),
        }
    })
}

fn describe_instances(req: &Request, region: &RegionState, account: &str) -> Response {
    let filters = req.filters();
    if let Some((bad, _)) = filters
        .iter()
        .find(|(n, _)| !n.starts_with("tag:") && !FILTERS.contains(&n.as_str()))
    {
        return err(
            req,
            StatusCode::BAD_REQUEST,
            "InvalidParameterValue",
            &format!("The filter '{bad}' is invalid"),
        );
    }
    let ids = req.list("InstanceId");
    for id in &ids {
        if !region.instances.contains_key(id) {
            return err(
                req,
                StatusCode::BAD_REQUEST,
                "InvalidInstanceID.NotFound",
                &format!("The instance ID '{id}' does not exist"),
            );
        }
    }
    let max = match req.param("MaxResults").map(str::parse::<usize>) {
        None => None,
        Some(Ok(n)) if (5..=1000).contains(&n) => Some(n),
        Some(_) => {
            return err(
                req,
                StatusCode::BAD_REQUEST,
                "InvalidParameterValue",
                "Value for parameter MaxResults is invalid: it must be between 5 and 1000",
            )
        }
    };
    if max.is_some() && !ids.is_empty() {
        return err(
            req,
            StatusCode::BAD_REQUEST,
            "InvalidParameterCombination",
            "The parameter instancesSet cannot be used with the parameter maxResults",
        );
    }
    let start = match req.param("NextToken").map(str::parse::<usize>) {
        None => 0,
        Some(Ok(n)) => n,
        Some(Err(_)) => {
            return err(
                req,
                StatusCode::BAD_REQUEST,
                "InvalidParameterValue",
                "The token is invalid",
            )
        }
    };
    let selected: Vec<&Instance> = region
        .instances
        .values()
        .filter(|i| ids.is_empty() || ids.contains(&i.id))
        .filter(|i| matches(i, &filters))
        .collect();
    let end = max.map_or(selected.len(), |m| (start + m).min(selected.len()));
    let mut body = format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<DescribeInstancesResponse xmlns=\"{NS}\"><requestId>{}</requestId><reservationSet>", esc(&req.request_id));
    for i in selected.iter().skip(start).take(end.saturating_sub(start)) {
        body.push_str(&instance_xml(i, account));
    }
    body.push_str("</reservationSet>");
    if end < selected.len() {
        let _ = write!(body, "<nextToken>{end}</nextToken>");
    }
    body.push_str("</DescribeInstancesResponse>");
    xml_ok(body)
}

/// `DescribeInstanceAttribute` for `disableApiTermination` (termination protection, which the
/// sandbox keeps as the tag `DisableApiTermination=true`).
/// Simulated seconds from an instance's launch to its status checks passing.
const STATUS_OK_AFTER: i64 = 75;

/// Status checks of running instances: `initializing` for a while after launch, then `ok`.
fn describe_status(req: &Request, region: &RegionState, now: time::OffsetDateTime) -> Response {
    let ids = req.list("InstanceId");
    for id in &ids {
        if !region.instances.contains_key(id) {
            return err(
                req,
                StatusCode::BAD_REQUEST,
                "InvalidInstanceID.NotFound",
                &format!("The instance ID '{id}' does not exist"),
            );
        }
    }
    let mut body = format!(
        "<DescribeInstanceStatusResponse xmlns=\"{NS}\"><requestId>{}</requestId><instanceStatusSet>",
        esc(&req.request_id)
    );
    for i in region.instances.values() {
        if (!ids.is_empty() && !ids.contains(&i.id)) || i.state != "running" {
            continue;
        }
        let launched = time::OffsetDateTime::parse(
            &i.launch_time,
            &time::format_description::well_known::Rfc3339,
        )
        .unwrap_or(now);
        let ok = (now - launched).whole_seconds() >= STATUS_OK_AFTER;
        let (status, detail) = if ok {
            ("ok", "passed")
        } else {
            ("initializing", "initializing")
        };
        let _ = write!(
            body,
            "<item><instanceId>{}</instanceId><availabilityZone>{}a</availabilityZone><instanceState><code>16</code><name>running</name></instanceState>\
<systemStatus><status>{status}</status><details><item><name>reachability</name><status>{detail}</status></item></details></systemStatus>\
<instanceStatus><status>{status}</status><details><item><name>reachability</name><status>{detail}</status></item></details></instanceStatus></item>",
            esc(&i.id),
            esc(&req.region)
        );
    }
    body.push_str("</instanceStatusSet></DescribeInstanceStatusResponse>");
    xml_ok(body)
}

fn describe_attribute(req: &Request, region: &RegionState) -> Response {
    let id = req.param("InstanceId").unwrap_or_default();
    let attribute = req.param("Attribute").unwrap_or_default();
    if attribute != "disableApiTermination" {
        return err(
            req,
            StatusCode::BAD_REQUEST,
            "InvalidParameterValue",
            &format!("Value ({attribute}) for parameter attribute is invalid (the sandbox answers disableApiTermination)"),
        );
    }
    let Some(i) = region.instances.get(id) else {
        return err(
            req,
            StatusCode::BAD_REQUEST,
            "InvalidInstanceID.NotFound",
            &format!("The instance ID '{id}' does not exist"),
        );
    };
    let on = i.tags.get("DisableApiTermination").map(String::as_str) == Some("true");
    xml_ok(format!(
        "<DescribeInstanceAttributeResponse xmlns=\"{NS}\"><requestId>{}</requestId><instanceId>{}</instanceId><disableApiTermination><value>{on}</value></disableApiTermination></DescribeInstanceAttributeResponse>",
        esc(&req.request_id),
        esc(id)
    ))
}

fn tags(req: &Request, region: &mut RegionState, op: &str) -> Response {
    let ids = req.list("ResourceId");
    if ids.is_empty() {
        return err(
            req,
            StatusCode::BAD_REQUEST,
            "MissingParameter",
            "The request must contain the parameter resourceIdSet",
        );
    }
    for id in &ids {
        if !region.instances.contains_key(id) {
            return err(
                req,
                StatusCode::BAD_REQUEST,
                "InvalidID",
                &format!("The ID '{id}' is not valid"),
            );
        }
    }
    let tags = req.tags();
    for id in &ids {
        if let Some(i) = region.instances.get_mut(id) {
            for (k, v) in &tags {
                if op == "CreateTags" {
                    i.tags.insert(k.clone(), v.clone().unwrap_or_default());
                } else if v.as_ref().is_none_or(|v| i.tags.get(k) == Some(v)) {
                    i.tags.remove(k);
                }
            }
        }
    }
    xml_ok(format!("<{op}Response xmlns=\"{NS}\"><requestId>{}</requestId><return>true</return></{op}Response>", esc(&req.request_id)))
}

/// Starting takes 30 simulated seconds (`pending`), stopping 60 (`stopping`).
fn start_stop(
    req: &Request,
    region: &mut RegionState,
    op: &str,
    now: time::OffsetDateTime,
) -> Response {
    let ids = req.list("InstanceId");
    if ids.is_empty() {
        return err(
            req,
            StatusCode::BAD_REQUEST,
            "MissingParameter",
            "The request must contain the parameter InstanceId",
        );
    }
    for id in &ids {
        match region.instances.get(id) {
            None => {
                return err(
                    req,
                    StatusCode::BAD_REQUEST,
                    "InvalidInstanceID.NotFound",
                    &format!("The instance ID '{id}' does not exist"),
                )
            }
            Some(i) if i.state == "terminated" => {
                return err(
                    req,
                    StatusCode::BAD_REQUEST,
                    "IncorrectInstanceState",
                    &format!(
                    "The instance '{id}' is not in a state from which it can be started or stopped"
                ),
                )
            }
            Some(_) => {}
        }
    }
    let (target, transient, secs) = if op == "StartInstances" {
        ("running", "pending", 30)
    } else {
        ("stopped", "stopping", 60)
    };
    let mut items = String::new();
    for id in &ids {
        let Some(previous) = region.instances.get(id).map(|i| i.state.clone()) else {
            continue;
        };
        let current = if previous == target {
            target
        } else {
            region.transitions.retain(|(_, t, _)| t != id);
            region.transitions.push((
                now + time::Duration::seconds(secs),
                id.clone(),
                target.to_string(),
            ));
            transient
        };
        if let Some(i) = region.instances.get_mut(id) {
            i.state = current.to_string();
            let _ = write!(
                items,
                "<item><instanceId>{}</instanceId><currentState><code>{}</code><name>{current}</name></currentState><previousState><code>{}</code><name>{}</name></previousState></item>",
                esc(id),
                state_code(current),
                state_code(&previous),
                esc(&previous)
            );
        }
    }
    xml_ok(format!("<{op}Response xmlns=\"{NS}\"><requestId>{}</requestId><instancesSet>{items}</instancesSet></{op}Response>", esc(&req.request_id)))
}

/// The CIDR the sandbox gives a subnet: the /24 that holds its instances' addresses.
fn subnet_cidr(region: &RegionState, subnet: &str) -> String {
    if subnet == DRILL_SUBNET.0 {
        return DRILL_SUBNET.1.into();
    }
    region
        .instances
        .values()
        .find(|i| i.subnet_id == subnet)
        .and_then(|i| {
            let parts: Vec<&str> = i.private_ip.split('.').collect();
            (parts.len() == 4).then(|| format!("{}.{}.{}.0/24", parts[0], parts[1], parts[2]))
        })
        .unwrap_or_else(|| "10.0.0.0/16".into())
}

fn describe_subnets(req: &Request, region: &RegionState) -> Response {
    let wanted = req.list("SubnetId");
    let mut subnets: Vec<String> = region
        .instances
        .values()
        .map(|i| i.subnet_id.clone())
        .collect();
    subnets.push(DRILL_SUBNET.0.to_string());
    subnets.sort();
    subnets.dedup();
    for w in &wanted {
        if !subnets.contains(w) {
            return err(
                req,
                StatusCode::BAD_REQUEST,
                "InvalidSubnetID.NotFound",
                &format!("The subnet ID '{w}' does not exist"),
            );
        }
    }
    let mut items = String::new();
    for s in subnets
        .iter()
        .filter(|s| wanted.is_empty() || wanted.contains(s))
    {
        let _ = write!(
            items,
            "<item><subnetId>{}</subnetId><state>available</state><vpcId>{VPC}</vpcId><cidrBlock>{}</cidrBlock><availableIpAddressCount>240</availableIpAddressCount><availabilityZone>{}a</availabilityZone></item>",
            esc(s),
            subnet_cidr(region, s),
            esc(&req.region)
        );
    }
    xml_ok(format!("<DescribeSubnetsResponse xmlns=\"{NS}\"><requestId>{}</requestId><subnetSet>{items}</subnetSet></DescribeSubnetsResponse>", esc(&req.request_id)))
}

/// The VPC every sandbox subnet and security group is in.
pub(crate) const VPC: &str = "vpc-0a1b2c3d4e5f60789";
/// An isolated subnet for drills (no instance runs there until a drill launches into it).
pub(crate) const DRILL_SUBNET: (&str, &str) = ("subnet-0d1d2d3d4d5d6d7d8", "10.250.0.0/24");

/// Instance types the sandbox knows (DescribeInstanceTypes refuses others, as EC2 does).
const INSTANCE_TYPES: &[&str] = &[
    "t3.micro",
    "t3.small",
    "t3.medium",
    "t3.large",
    "m5.large",
    "m5.xlarge",
    "m5.2xlarge",
    "m6i.large",
    "m6i.xlarge",
    "c5.large",
    "c5.xlarge",
    "r5.large",
    "r5.xlarge",
    "r5.2xlarge",
    "m6g.large",
    "m6g.xlarge",
    "c6g.large",
];

fn describe_instance_types(req: &Request) -> Response {
    let wanted = req.list("InstanceType");
    let unknown: Vec<&String> = wanted
        .iter()
        .filter(|t| !INSTANCE_TYPES.contains(&t.as_str()))
        .collect();
    if !unknown.is_empty() {
        return err(
            req,
            StatusCode::BAD_REQUEST,
            "InvalidInstanceType",
            &format!(
                "The following supplied instance types do not exist: [{}]",
                unknown
                    .iter()
                    .map(|t| t.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        );
    }
    let mut items = String::new();
    for t in INSTANCE_TYPES
        .iter()
        .filter(|t| wanted.is_empty() || wanted.iter().any(|w| w == *t))
    {
        let _ = write!(items, "<item><instanceType>{t}</instanceType></item>");
    }
    xml_ok(format!("<DescribeInstanceTypesResponse xmlns=\"{NS}\"><requestId>{}</requestId><instanceTypeSet>{items}</instanceTypeSet></DescribeInstanceTypesResponse>", esc(&req.request_id)))
}

fn describe_security_groups(req: &Request) -> Response {
    let groups = [
        ("sg-0123456789abcdef0", "retail-web", "Web tier"),
        ("sg-0123456789abcdef1", "retail-app", "Application tier"),
        ("sg-0123456789abcdef2", "retail-db", "Database tier"),
        (
            "sg-0123456789abcdef3",
            "dr-isolated",
            "Isolated drill network",
        ),
    ];
    let wanted = req.list("GroupId");
    for w in &wanted {
        if !groups.iter().any(|(id, _, _)| id == w) {
            return err(
                req,
                StatusCode::BAD_REQUEST,
                "InvalidGroup.NotFound",
                &format!("The security group '{w}' does not exist"),
            );
        }
    }
    let mut items = String::new();
    for (id, name, desc) in groups
        .iter()
        .filter(|(id, _, _)| wanted.is_empty() || wanted.iter().any(|w| w == id))
    {
        let _ = write!(items, "<item><groupId>{id}</groupId><groupName>{name}</groupName><groupDescription>{desc}</groupDescription><vpcId>{VPC}</vpcId></item>");
    }
    xml_ok(format!("<DescribeSecurityGroupsResponse xmlns=\"{NS}\"><requestId>{}</requestId><securityGroupInfo>{items}</securityGroupInfo></DescribeSecurityGroupsResponse>", esc(&req.request_id)))
}

fn template_data_xml(d: &crate::estate::TemplateData) -> String {
    let mut out = String::from("<launchTemplateData>");
    if let Some(t) = &d.instance_type {
        let _ = write!(out, "<instanceType>{}</instanceType>", esc(t));
    }
    out.push_str("<networkInterfaceSet><item><deviceIndex>0</deviceIndex>");
    if let Some(sn) = &d.subnet_id {
        let _ = write!(out, "<subnetId>{}</subnetId>", esc(sn));
    }
    out.push_str("<groupSet>");
    for g in &d.security_group_ids {
        let _ = write!(out, "<groupId>{}</groupId>", esc(g));
    }
    out.push_str("</groupSet>");
    if let Some(ip) = &d.private_ip {
        let _ = write!(out, "<privateIpAddress>{}</privateIpAddress>", esc(ip));
    }
    out.push_str("</item></networkInterfaceSet></launchTemplateData>");
    out
}

fn version_xml(t: &crate::estate::LaunchTemplate, n: u32, tag: &str) -> String {
    let d = &t.versions[(n - 1) as usize];
    format!(
        "<{tag}><launchTemplateId>{}</launchTemplateId><launchTemplateName>{}</launchTemplateName><versionNumber>{n}</versionNumber><defaultVersion>{}</defaultVersion><createTime>2026-01-01T00:00:00.000Z</createTime>{}</{tag}>",
        esc(&t.id),
        esc(&t.name),
        n == t.default_version,
        template_data_xml(d)
    )
}

fn template_id<'a>(req: &'a Request, region: &RegionState) -> Result<&'a str, Box<Response>> {
    let Some(id) = req.param("LaunchTemplateId") else {
        return Err(Box::new(err(
            req,
            StatusCode::BAD_REQUEST,
            "MissingParameter",
            "The request must contain the parameter LaunchTemplateId",
        )));
    };
    if !region.launch_templates.contains_key(id) {
        return Err(Box::new(err(
            req,
            StatusCode::BAD_REQUEST,
            "InvalidLaunchTemplateId.NotFound",
            &format!("The specified launch template, with template ID {id}, does not exist."),
        )));
    }
    Ok(id)
}

fn resolve_version(t: &crate::estate::LaunchTemplate, v: &str) -> Option<u32> {
    match v {
        "$Default" => Some(t.default_version),
        "$Latest" => Some(t.versions.len() as u32),
        n => n
            .parse::<u32>()
            .ok()
            .filter(|n| *n >= 1 && (*n as usize) <= t.versions.len()),
    }
}

fn describe_template_versions(req: &Request, region: &RegionState) -> Response {
    let id = match template_id(req, region) {
        Ok(id) => id,
        Err(r) => return *r,
    };
    let Some(t) = region.launch_templates.get(id) else {
        return err(
            req,
            StatusCode::BAD_REQUEST,
            "InvalidLaunchTemplateId.NotFound",
            "The launch template does not exist.",
        );
    };
    let wanted = req.list("LaunchTemplateVersion");
    let mut numbers = Vec::new();
    if wanted.is_empty() {
        numbers.extend(1..=t.versions.len() as u32);
    } else {
        for v in &wanted {
            match resolve_version(t, v) {
                Some(n) => numbers.push(n),
                None => {
                    return err(
                        req,
                        StatusCode::BAD_REQUEST,
                        "InvalidLaunchTemplateId.VersionNotFound",
                        &format!("Could not find launch template version {v} for template {id}"),
                    )
                }
            }
        }
    }
    let items: String = numbers.iter().map(|n| version_xml(t, *n, "item")).collect();
    xml_ok(format!(
        "<DescribeLaunchTemplateVersionsResponse xmlns=\"{NS}\"><requestId>{}</requestId><launchTemplateVersionSet>{items}</launchTemplateVersionSet></DescribeLaunchTemplateVersionsResponse>",
        esc(&req.request_id)
    ))
}

fn create_template_version(req: &Request, region: &mut RegionState) -> Response {
    let id = match template_id(req, region) {
        Ok(id) => id.to_string(),
        Err(r) => return *r,
    };
    let Some(t) = region.launch_templates.get_mut(&id) else {
        return err(
            req,
            StatusCode::BAD_REQUEST,
            "InvalidLaunchTemplateId.NotFound",
            "The launch template does not exist.",
        );
    };
    let source = req.param("SourceVersion").unwrap_or("$Latest");
    let Some(base) = resolve_version(t, source) else {
        return err(
            req,
            StatusCode::BAD_REQUEST,
            "InvalidLaunchTemplateId.VersionNotFound",
            &format!("Could not find launch template version {source}"),
        );
    };
    if t.versions.len() >= 10_000 {
        return err(
            req,
            StatusCode::BAD_REQUEST,
            "LaunchTemplateVersionLimitExceeded",
            "The launch template has too many versions",
        );
    }
    let mut data = t.versions[(base - 1) as usize].clone();
    if let Some(v) = req.param("LaunchTemplateData.InstanceType") {
        data.instance_type = Some(v.to_string());
    }
    // A network interface given in the new version replaces the source version's whole
    // interface (as in EC2): what it leaves out is gone.
    let prefix = "LaunchTemplateData.NetworkInterface.1";
    if req.params.iter().any(|(k, _)| k.starts_with(prefix)) {
        data.subnet_id = req.param(&format!("{prefix}.SubnetId")).map(str::to_string);
        data.security_group_ids = req.list(&format!("{prefix}.SecurityGroupId"));
        data.private_ip = req
            .param(&format!("{prefix}.PrivateIpAddress"))
            .map(str::to_string);
    }
    t.versions.push(data);
    let n = t.versions.len() as u32;
    xml_ok(format!(
        "<CreateLaunchTemplateVersionResponse xmlns=\"{NS}\"><requestId>{}</requestId>{}</CreateLaunchTemplateVersionResponse>",
        esc(&req.request_id),
        version_xml(t, n, "launchTemplateVersion")
    ))
}

fn modify_template(req: &Request, region: &mut RegionState) -> Response {
    let id = match template_id(req, region) {
        Ok(id) => id.to_string(),
        Err(r) => return *r,
    };
    let Some(t) = region.launch_templates.get_mut(&id) else {
        return err(
            req,
            StatusCode::BAD_REQUEST,
            "InvalidLaunchTemplateId.NotFound",
            "The launch template does not exist.",
        );
    };
    if let Some(v) = req.param("SetDefaultVersion") {
        match resolve_version(t, v) {
            Some(n) => t.default_version = n,
            None => {
                return err(
                    req,
                    StatusCode::BAD_REQUEST,
                    "InvalidLaunchTemplateId.VersionNotFound",
                    &format!("Could not find launch template version {v}"),
                )
            }
        }
    }
    xml_ok(format!(
        "<ModifyLaunchTemplateResponse xmlns=\"{NS}\"><requestId>{}</requestId><launchTemplate><launchTemplateId>{}</launchTemplateId><launchTemplateName>{}</launchTemplateName><defaultVersionNumber>{}</defaultVersionNumber><latestVersionNumber>{}</latestVersionNumber></launchTemplate></ModifyLaunchTemplateResponse>",
        esc(&req.request_id),
        esc(&t.id),
        esc(&t.name),
        t.default_version,
        t.versions.len()
    ))
}
