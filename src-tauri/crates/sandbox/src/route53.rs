//! Route 53 (restXml, global): ListHostedZones, GetHostedZone, ChangeResourceRecordSets,
//! GetChange and ListResourceRecordSets. A change is `PENDING` for [`INSYNC_AFTER`] simulated
//! seconds, then `INSYNC`. Zones belong to an account; another account's zone is not found.

use crate::estate::{iso, Estate};
use crate::protocol::{esc, route53_error, xml_ok, Request};
use crate::Shared;
use axum::http::{Method, StatusCode};
use axum::response::Response;
use std::collections::BTreeMap;
use std::fmt::Write;

/// Simulated seconds before a change is `INSYNC`.
pub const INSYNC_AFTER: i64 = 10;
const NS: &str = "https://route53.amazonaws.com/doc/2013-04-01/";

/// A simple record set.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    /// TTL.
    pub ttl: i64,
    /// Values.
    pub values: Vec<String>,
}

/// A hosted zone.
#[derive(Debug, Clone)]
pub struct Zone {
    /// Owner.
    pub account: String,
    /// Domain with its final dot.
    pub name: String,
    /// Private.
    pub private: bool,
    /// (name with final dot, type) → record.
    pub records: BTreeMap<(String, String), Record>,
}

/// A name as Route 53 keeps it: lower case with its final dot.
pub fn fqdn(name: &str) -> String {
    let n = name.to_ascii_lowercase();
    if n.ends_with('.') {
        n
    } else {
        format!("{n}.")
    }
}

/// The operation a Route 53 request is for.
pub fn operation(method: &Method, path: &str) -> String {
    let p = path.trim_end_matches('/');
    let rest = p.strip_prefix("/2013-04-01").unwrap_or(p);
    let parts: Vec<&str> = rest.split('/').filter(|s| !s.is_empty()).collect();
    match (method, parts.as_slice()) {
        (&Method::GET, ["hostedzone"]) => "ListHostedZones",
        (&Method::GET, ["hostedzone", _]) => "GetHostedZone",
        (&Method::POST, ["hostedzone", _, "rrset"]) => "ChangeResourceRecordSets",
        (&Method::GET, ["hostedzone", _, "rrset"]) => "ListResourceRecordSets",
        (&Method::GET, ["change", _]) => "GetChange",
        _ => "Unknown",
    }
    .to_string()
}

fn path_id(req: &Request, after: &str) -> String {
    let parts: Vec<&str> = req.path.split('/').filter(|s| !s.is_empty()).collect();
    parts
        .iter()
        .position(|p| *p == after)
        .and_then(|i| parts.get(i + 1))
        .map(|s| s.to_string())
        .unwrap_or_default()
}

fn err(req: &Request, status: StatusCode, code: &str, message: &str) -> Response {
    route53_error(status, code, message, &req.request_id)
}

pub(crate) fn handle(shared: &Shared, req: &Request, op: &str) -> Response {
    let Some(principal) = shared.with_estate(|e| e.principal(&req.access_key).cloned()) else {
        return err(
            req,
            StatusCode::FORBIDDEN,
            "InvalidClientTokenId",
            "The security token included in the request is invalid.",
        );
    };
    let account = principal.account;
    shared.with_estate(|e| match op {
        "ListHostedZones" => list_zones(e, &account),
        "GetHostedZone" => get_zone(req, e, &account),
        "ChangeResourceRecordSets" => change(req, e, &account),
        "ListResourceRecordSets" => list_records(req, e, &account),
        "GetChange" => get_change(req, e),
        _ => err(
            req,
            StatusCode::BAD_REQUEST,
            "InvalidInput",
            &format!(
                "The sandbox does not implement Route 53's {} {}",
                req.method, req.path
            ),
        ),
    })
}

fn zone_xml(id: &str, z: &Zone) -> String {
    format!(
        "<HostedZone><Id>/hostedzone/{}</Id><Name>{}</Name><CallerReference>sandbox-{}</CallerReference><Config><PrivateZone>{}</PrivateZone></Config><ResourceRecordSetCount>{}</ResourceRecordSetCount></HostedZone>",
        esc(id),
        esc(&z.name),
        esc(id),
        z.private,
        z.records.len() + 2
    )
}

fn list_zones(e: &Estate, account: &str) -> Response {
    let mut body = format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ListHostedZonesResponse xmlns=\"{NS}\"><HostedZones>");
    for (id, z) in e.runbook.zones.iter().filter(|(_, z)| z.account == account) {
        body.push_str(&zone_xml(id, z));
    }
    body.push_str("</HostedZones><IsTruncated>false</IsTruncated><MaxItems>100</MaxItems></ListHostedZonesResponse>");
    xml_ok(body)
}

fn own_zone<'a>(
    req: &Request,
    e: &'a Estate,
    account: &str,
) -> Result<(String, &'a Zone), Box<Response>> {
    let id = path_id(req, "hostedzone");
    match e.runbook.zones.get(&id).filter(|z| z.account == account) {
        Some(z) => Ok((id, z)),
        None => Err(Box::new(err(
            req,
            StatusCode::NOT_FOUND,
            "NoSuchHostedZone",
            &format!("No hosted zone found with ID: {id}"),
        ))),
    }
}

fn get_zone(req: &Request, e: &Estate, account: &str) -> Response {
    match own_zone(req, e, account) {
        Ok((id, z)) => xml_ok(format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<GetHostedZoneResponse xmlns=\"{NS}\">{}</GetHostedZoneResponse>",
            zone_xml(&id, z)
        )),
        Err(r) => *r,
    }
}

/// The texts of every `<tag>…</tag>` in `xml`, in order (the SDK writes no attributes).
fn blocks<'a>(xml: &'a str, tag: &str) -> Vec<&'a str> {
    let open = format!("<{tag}>");
    let close = format!("</{tag}>");
    let mut out = Vec::new();
    let mut rest = xml;
    while let Some(s) = rest.find(&open) {
        let after = &rest[s + open.len()..];
        let Some(end) = after.find(&close) else { break };
        out.push(&after[..end]);
        rest = &after[end + close.len()..];
    }
    out
}

fn text(xml: &str, tag: &str) -> Option<String> {
    blocks(xml, tag).first().map(|t| {
        quick_xml::escape::unescape(t)
            .map(|c| c.into_owned())
            .unwrap_or_else(|_| t.to_string())
    })
}

fn change_info(id: &str, status: &str, at: time::OffsetDateTime, comment: Option<&str>) -> String {
    format!(
        "<ChangeInfo><Id>/change/{}</Id><Status>{status}</Status><SubmittedAt>{}</SubmittedAt>{}</ChangeInfo>",
        esc(id),
        iso(at),
        comment.map(|c| format!("<Comment>{}</Comment>", esc(c))).unwrap_or_default()
    )
}

fn change(req: &Request, e: &mut Estate, account: &str) -> Response {
    let id = match own_zone(req, e, account) {
        Ok((id, _)) => id,
        Err(r) => return *r,
    };
    let comment = text(&req.body, "Comment");
    let mut changes = Vec::new();
    for c in blocks(&req.body, "Change") {
        let action = text(c, "Action").unwrap_or_default();
        let name = text(c, "Name").unwrap_or_default();
        let rtype = text(c, "Type").unwrap_or_default();
        let ttl = text(c, "TTL")
            .and_then(|t| t.parse::<i64>().ok())
            .unwrap_or(300);
        let values: Vec<String> = blocks(c, "ResourceRecord")
            .iter()
            .filter_map(|r| text(r, "Value"))
            .collect();
        changes.push((action, name, rtype, ttl, values));
    }
    if changes.is_empty() {
        return err(
            req,
            StatusCode::BAD_REQUEST,
            "InvalidInput",
            "The change batch holds no change",
        );
    }
    let zone_name = e
        .runbook
        .zones
        .get(&id)
        .map(|z| z.name.clone())
        .unwrap_or_default();
    for (action, name, rtype, _, values) in &changes {
        let n = fqdn(name);
        if !(n == zone_name || n.ends_with(&format!(".{zone_name}"))) {
            return err(
                req,
                StatusCode::BAD_REQUEST,
                "InvalidChangeBatch",
                &format!("[RRSet with DNS name {n} is not permitted in zone {zone_name}]"),
            );
        }
        if !matches!(action.as_str(), "CREATE" | "UPSERT" | "DELETE")
            || values.is_empty()
            || rtype.is_empty()
        {
            return err(
                req,
                StatusCode::BAD_REQUEST,
                "InvalidInput",
                &format!("Invalid change: {action} {n} {rtype}"),
            );
        }
        if rtype == "A"
            && values
                .iter()
                .any(|v| v.parse::<std::net::Ipv4Addr>().is_err())
        {
            return err(
                req,
                StatusCode::BAD_REQUEST,
                "InvalidChangeBatch",
                &format!(
                    "[Invalid Resource Record: 'FATAL problem: ARRDATAIllegalIPv4Address' for {n}]"
                ),
            );
        }
    }
    let now = e.clock.now();
    let change_id = format!("C{:018X}", {
        e.runbook.counter += 1;
        0x5A0D_0000_0000_u64 + e.runbook.counter
    });
    if let Some(zone) = e.runbook.zones.get_mut(&id) {
        for (action, name, rtype, ttl, values) in changes {
            let key = (fqdn(&name), rtype);
            match action.as_str() {
                "DELETE" => {
                    zone.records.remove(&key);
                }
                _ => {
                    zone.records.insert(key, Record { ttl, values });
                }
            }
        }
    }
    e.runbook.changes.insert(change_id.clone(), now);
    xml_ok(format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ChangeResourceRecordSetsResponse xmlns=\"{NS}\">{}</ChangeResourceRecordSetsResponse>",
        change_info(&change_id, "PENDING", now, comment.as_deref())
    ))
}

fn get_change(req: &Request, e: &Estate) -> Response {
    let id = path_id(req, "change");
    let Some(at) = e.runbook.changes.get(&id) else {
        return err(
            req,
            StatusCode::NOT_FOUND,
            "NoSuchChange",
            &format!("A change with the specified change ID does not exist: {id}"),
        );
    };
    let status = if (e.clock.now() - *at).whole_seconds() >= INSYNC_AFTER {
        "INSYNC"
    } else {
        "PENDING"
    };
    xml_ok(format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<GetChangeResponse xmlns=\"{NS}\">{}</GetChangeResponse>",
        change_info(&id, status, *at, None)
    ))
}

fn list_records(req: &Request, e: &Estate, account: &str) -> Response {
    let (_, zone) = match own_zone(req, e, account) {
        Ok(z) => z,
        Err(r) => return *r,
    };
    let start_name = req.param("name").map(fqdn);
    let start_type = req.param("type").map(str::to_string);
    let max: usize = req
        .param("maxitems")
        .and_then(|m| m.parse().ok())
        .unwrap_or(300)
        .clamp(1, 300);
    // The zone's own SOA and NS come first, as Route 53 lists them.
    let mut all: Vec<(String, String, Record)> = vec![
        (zone.name.clone(), "NS".into(), Record { ttl: 172_800, values: vec!["ns-1.awsdns-sandbox.org.".into()] }),
        (zone.name.clone(), "SOA".into(), Record { ttl: 900, values: vec!["ns-1.awsdns-sandbox.org. awsdns-hostmaster.amazon.com. 1 7200 900 1209600 86400".into()] }),
    ];
    all.extend(
        zone.records
            .iter()
            .map(|((n, t), r)| (n.clone(), t.clone(), r.clone())),
    );
    all.sort_by(|a, b| (&a.0, &a.1).cmp(&(&b.0, &b.1)));
    let from = all.iter().position(|(n, t, _)| {
        start_name.as_ref().is_none_or(|s| n >= s)
            && (start_type.is_none()
                || start_name.as_ref() != Some(n)
                || start_type.as_deref() <= Some(t.as_str()))
    });
    let slice: Vec<&(String, String, Record)> = match from {
        Some(i) => all[i..].iter().collect(),
        None => Vec::new(),
    };
    let mut body = format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ListResourceRecordSetsResponse xmlns=\"{NS}\"><ResourceRecordSets>");
    for (n, t, r) in slice.iter().take(max) {
        let _ = write!(
            body,
            "<ResourceRecordSet><Name>{}</Name><Type>{}</Type><TTL>{}</TTL><ResourceRecords>",
            esc(n),
            esc(t),
            r.ttl
        );
        for v in &r.values {
            let _ = write!(
                body,
                "<ResourceRecord><Value>{}</Value></ResourceRecord>",
                esc(v)
            );
        }
        body.push_str("</ResourceRecords></ResourceRecordSet>");
    }
    body.push_str("</ResourceRecordSets>");
    match slice.get(max) {
        Some((n, t, _)) => {
            let _ = write!(body, "<IsTruncated>true</IsTruncated><NextRecordName>{}</NextRecordName><NextRecordType>{}</NextRecordType>", esc(n), esc(t));
        }
        None => body.push_str("<IsTruncated>false</IsTruncated>"),
    }
    let _ = write!(
        body,
        "<MaxItems>{max}</MaxItems></ListResourceRecordSetsResponse>"
    );
    xml_ok(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operations_come_from_method_and_path() {
        assert_eq!(
            operation(&Method::GET, "/2013-04-01/hostedzone"),
            "ListHostedZones"
        );
        assert_eq!(
            operation(&Method::POST, "/2013-04-01/hostedzone/Z1/rrset/"),
            "ChangeResourceRecordSets"
        );
        assert_eq!(
            operation(&Method::GET, "/2013-04-01/hostedzone/Z1/rrset"),
            "ListResourceRecordSets"
        );
        assert_eq!(
            operation(&Method::GET, "/2013-04-01/change/C1"),
            "GetChange"
        );
    }

    #[test]
    fn change_batches_are_read() {
        let body = "<ChangeResourceRecordSetsRequest><ChangeBatch><Comment>c &amp; d</Comment><Changes><Change><Action>UPSERT</Action><ResourceRecordSet><Name>cache.retail.internal.</Name><Type>A</Type><TTL>60</TTL><ResourceRecords><ResourceRecord><Value>10.0.0.1</Value></ResourceRecord></ResourceRecords></ResourceRecordSet></Change></Changes></ChangeBatch></ChangeResourceRecordSetsRequest>";
        assert_eq!(text(body, "Comment").as_deref(), Some("c & d"));
        let c = blocks(body, "Change");
        assert_eq!(c.len(), 1);
        assert_eq!(text(c[0], "Value").as_deref(), Some("10.0.0.1"));
    }
}
