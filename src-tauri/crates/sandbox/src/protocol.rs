//! Wire-level plumbing: which service and operation a request is for, who sent it (account from
//! the access key, region from the SigV4 credential scope), and AWS-shaped error responses for
//! each protocol.

use crate::faults::Fault;
use axum::body::{Body, Bytes};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::Response;
use std::sync::atomic::{AtomicU64, Ordering};

/// The AWS service a request is for (the SigV4 signing name).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Service {
    /// Elastic Disaster Recovery (restJson1).
    Drs,
    /// EC2 (ec2 query).
    Ec2,
    /// STS (awsQuery).
    Sts,
    /// Systems Manager (awsJson1_1: `X-Amz-Target: AmazonSSM.<Operation>`).
    Ssm,
    /// Route 53 (restXml, global: signed for us-east-1).
    Route53,
    /// CloudWatch (Smithy RPC v2 CBOR; signed as `monitoring`).
    CloudWatch,
    /// SNS (awsQuery).
    Sns,
    /// EventBridge (awsJson1_1: `X-Amz-Target: AWSEvents.<Operation>`).
    Events,
}

impl Service {
    /// The service's name in statistics and faults (the signing name, but `cloudwatch` for
    /// CloudWatch, which signs as `monitoring`).
    pub fn name(&self) -> &'static str {
        match self {
            Service::Drs => "drs",
            Service::Ec2 => "ec2",
            Service::Sts => "sts",
            Service::Ssm => "ssm",
            Service::Route53 => "route53",
            Service::CloudWatch => "cloudwatch",
            Service::Sns => "sns",
            Service::Events => "events",
        }
    }
}

/// A parsed request.
#[derive(Debug)]
pub struct Request {
    /// Service.
    pub service: Service,
    /// HTTP method.
    pub method: Method,
    /// Percent-decoded path.
    pub path: String,
    /// Access key from the credential scope.
    pub access_key: String,
    /// Region from the credential scope.
    pub region: String,
    /// Request ID for the response.
    pub request_id: String,
    /// DRS, SSM: the JSON body (`{}` when empty); CloudWatch: the CBOR body read as JSON.
    pub json: serde_json::Value,
    /// EC2/STS: query-string and form parameters; Route 53: the query string.
    pub params: Vec<(String, String)>,
    /// SSM: the operation named by `X-Amz-Target`.
    pub target: Option<String>,
    /// Route 53: the XML body.
    pub body: String,
}

static REQUESTS: AtomicU64 = AtomicU64::new(1);

/// Why an S3 request to the sandbox fails.
const UNSIMULATED_S3: &str = "The sandbox does not simulate S3: give the target an S3 endpoint (a real or emulated S3) to deliver reports there";

fn request_id() -> String {
    let n = REQUESTS.fetch_add(1, Ordering::Relaxed);
    format!("5a0d1e2c-7b3f-4c6d-9e8f-{n:012x}")
}

/// Reads `Credential=AKID/date/region/service/aws4_request` from the Authorization header or
/// the `X-Amz-Credential` query parameter.
fn credential_scope(headers: &HeaderMap, uri: &Uri) -> Option<(String, String, String)> {
    let from_header = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|auth| {
            let start = auth.find("Credential=")? + "Credential=".len();
            let rest = &auth[start..];
            Some(rest[..rest.find([',', ' ']).unwrap_or(rest.len())].to_string())
        });
    let scope = from_header.or_else(|| {
        form_urlencoded::parse(uri.query().unwrap_or("").as_bytes())
            .find(|(k, _)| k == "X-Amz-Credential")
            .map(|(_, v)| v.into_owned())
    })?;
    let mut parts = scope.split('/');
    let key = parts.next()?.to_string();
    let _date = parts.next()?;
    let region = parts.next()?.to_string();
    let service = parts.next()?.to_string();
    Some((key, region, service))
}

impl Request {
    /// Parses the request or returns the AWS-shaped error to send.
    pub fn parse(
        method: &Method,
        uri: &Uri,
        headers: &HeaderMap,
        body: Bytes,
    ) -> Result<Self, Box<Response>> {
        let request_id = request_id();
        let path = percent_decode(uri.path());
        let Some((access_key, region, service)) = credential_scope(headers, uri) else {
            let looks_query = path == "/";
            return Err(Box::new(if looks_query {
                query_error(
                    Service::Sts,
                    StatusCode::FORBIDDEN,
                    "MissingAuthenticationToken",
                    "Request is missing Authentication Token",
                    &request_id,
                )
            } else {
                json_error(
                    StatusCode::FORBIDDEN,
                    "UnrecognizedClientException",
                    "Request is missing Authentication Token",
                    &request_id,
                )
            }));
        };
        let service = match service.as_str() {
            "drs" => Service::Drs,
            "ec2" => Service::Ec2,
            "sts" => Service::Sts,
            "ssm" => Service::Ssm,
            "route53" => Service::Route53,
            "monitoring" => Service::CloudWatch,
            "sns" => Service::Sns,
            "events" => Service::Events,
            "s3" => {
                // S3 reads its errors as XML: say it in its shape.
                let mut resp = xml_ok(format!(
                    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>NotImplemented</Code><Message>{}</Message><RequestId>{}</RequestId></Error>",
                    esc(UNSIMULATED_S3),
                    esc(&request_id)
                ));
                *resp.status_mut() = StatusCode::NOT_IMPLEMENTED;
                return Err(Box::new(resp));
            }
            other => {
                return Err(Box::new(json_error(
                    StatusCode::BAD_REQUEST,
                    "UnknownOperationException",
                    &format!(
                        "The sandbox does not simulate the service '{other}': give the target an endpoint for it (a real or emulated {other})"
                    ),
                    &request_id,
                )))
            }
        };
        let mut req = Request {
            service,
            method: method.clone(),
            path,
            access_key,
            region,
            request_id,
            json: serde_json::Value::Object(Default::default()),
            params: Vec::new(),
            target: headers
                .get("x-amz-target")
                .and_then(|v| v.to_str().ok())
                .map(|t| t.rsplit('.').next().unwrap_or(t).to_string()),
            body: String::new(),
        };
        match service {
            Service::Drs => {
                req.params = form_urlencoded::parse(uri.query().unwrap_or("").as_bytes())
                    .map(|(k, v)| (k.into_owned(), v.into_owned()))
                    .collect();
                req.json = json_object(&body, || {
                    json_error(
                        StatusCode::BAD_REQUEST,
                        "ValidationException",
                        "The request body is not a JSON object",
                        &req.request_id,
                    )
                })?;
            }
            Service::Ec2 | Service::Sts | Service::Sns => {
                req.params = form_urlencoded::parse(uri.query().unwrap_or("").as_bytes())
                    .chain(form_urlencoded::parse(&body))
                    .map(|(k, v)| (k.into_owned(), v.into_owned()))
                    .collect();
            }
            Service::Ssm | Service::Events => req.json = json11_object(&body, &req.request_id)?,
            Service::Route53 => {
                req.params = form_urlencoded::parse(uri.query().unwrap_or("").as_bytes())
                    .map(|(k, v)| (k.into_owned(), v.into_owned()))
                    .collect();
                req.body = String::from_utf8_lossy(&body).into_owned();
            }
            Service::CloudWatch if req.target.is_some() => {
                req.json = json11_object(&body, &req.request_id)?
            }
            Service::CloudWatch => match crate::cloudwatch::decode(&body) {
                Ok(v @ serde_json::Value::Object(_)) => req.json = v,
                Ok(_) => {
                    return Err(Box::new(crate::cloudwatch::error(
                        StatusCode::BAD_REQUEST,
                        "SerializationException",
                        "The request body is not a CBOR map",
                        &req.request_id,
                    )))
                }
                Err(e) => {
                    return Err(Box::new(crate::cloudwatch::error(
                        StatusCode::BAD_REQUEST,
                        "SerializationException",
                        &format!("The request body is not valid CBOR: {e}"),
                        &req.request_id,
                    )))
                }
            },
        }
        Ok(req)
    }

    /// The operation name: DRS from the path, EC2/STS from `Action`.
    pub fn operation(&self) -> String {
        match self.service {
            Service::Drs => {
                if self.path.starts_with("/tags/") {
                    match self.method {
                        Method::GET => "ListTagsForResource".into(),
                        Method::DELETE => "UntagResource".into(),
                        _ => "TagResource".into(),
                    }
                } else {
                    self.path.trim_start_matches('/').to_string()
                }
            }
            Service::Ec2 | Service::Sts | Service::Sns => {
                self.param("Action").unwrap_or_default().to_string()
            }
            Service::Ssm | Service::Events => self.target.clone().unwrap_or_default(),
            Service::Route53 => crate::route53::operation(&self.method, &self.path),
            Service::CloudWatch => match &self.target {
                Some(t) => t.clone(),
                None => crate::cloudwatch::operation(&self.path),
            },
        }
    }

    /// First value of a query/form parameter.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Values of `Prefix.1`, `Prefix.2`, … in order.
    pub fn list(&self, prefix: &str) -> Vec<String> {
        let mut items: Vec<(u32, String)> = self
            .params
            .iter()
            .filter_map(|(k, v)| {
                let n = k.strip_prefix(prefix)?.strip_prefix('.')?;
                n.parse::<u32>().ok().map(|n| (n, v.clone()))
            })
            .collect();
        items.sort_by_key(|(n, _)| *n);
        items.into_iter().map(|(_, v)| v).collect()
    }

    /// `Filter.N.Name` / `Filter.N.Value.M` pairs.
    pub fn filters(&self) -> Vec<(String, Vec<String>)> {
        let mut out = Vec::new();
        for n in 1..=50 {
            let Some(name) = self.param(&format!("Filter.{n}.Name")) else {
                continue;
            };
            out.push((name.to_string(), self.list(&format!("Filter.{n}.Value"))));
        }
        out
    }

    /// `Tag.N.Key` / `Tag.N.Value` pairs.
    pub fn tags(&self) -> Vec<(String, Option<String>)> {
        let mut out = Vec::new();
        for n in 1..=50 {
            if let Some(key) = self.param(&format!("Tag.{n}.Key")) {
                out.push((
                    key.to_string(),
                    self.param(&format!("Tag.{n}.Value")).map(str::to_string),
                ));
            }
        }
        out
    }
}

/// A JSON request body as an object (`{}` when empty), or `reject`'s answer.
fn json_object(
    body: &[u8],
    reject: impl FnOnce() -> Response,
) -> Result<serde_json::Value, Box<Response>> {
    if body.is_empty() {
        return Ok(serde_json::Value::Object(Default::default()));
    }
    match serde_json::from_slice::<serde_json::Value>(body) {
        Ok(v @ serde_json::Value::Object(_)) => Ok(v),
        Ok(_) | Err(_) => Err(Box::new(reject())),
    }
}

/// [`json_object`] for the awsJson protocols (SSM, EventBridge, CloudWatch's JSON 1.0).
fn json11_object(body: &[u8], request_id: &str) -> Result<serde_json::Value, Box<Response>> {
    json_object(body, || {
        json11_error(
            StatusCode::BAD_REQUEST,
            "SerializationException",
            "The request body is not a JSON object",
            request_id,
        )
    })
}

fn percent_decode(path: &str) -> String {
    let bytes = path.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("");
            if let Ok(b) = u8::from_str_radix(hex, 16) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A restJson1 success response.
pub fn json_ok(status: StatusCode, body: &serde_json::Value, request_id: &str) -> Response {
    let mut resp = Response::new(Body::from(body.to_string()));
    *resp.status_mut() = status;
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    if let Ok(v) = HeaderValue::from_str(request_id) {
        h.insert("x-amzn-requestid", v);
    }
    resp
}

/// A restJson1 error: the code in `x-amzn-errortype`, `{message, code}` in the body.
pub fn json_error(status: StatusCode, code: &str, message: &str, request_id: &str) -> Response {
    json_error_with(status, code, message, request_id, serde_json::json!({}))
}

/// A restJson1 error with extra body members (`reason`, `fieldList`, `retryAfterSeconds`, …).
pub fn json_error_with(
    status: StatusCode,
    code: &str,
    message: &str,
    request_id: &str,
    extra: serde_json::Value,
) -> Response {
    let mut body = serde_json::json!({ "message": message, "code": code });
    if let (Some(b), serde_json::Value::Object(e)) = (body.as_object_mut(), extra) {
        b.extend(e);
    }
    let mut resp = json_ok(status, &body, request_id);
    if let Ok(v) = HeaderValue::from_str(code) {
        resp.headers_mut().insert("x-amzn-errortype", v);
    }
    resp
}

/// An awsJson1_1 success response (SSM).
pub fn json11_ok(body: &serde_json::Value, request_id: &str) -> Response {
    let mut resp = Response::new(Body::from(body.to_string()));
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/x-amz-json-1.1"),
    );
    if let Ok(v) = HeaderValue::from_str(request_id) {
        h.insert("x-amzn-requestid", v);
    }
    resp
}

/// An awsJson1_1 error (SSM): `{"__type": code, "message": …}`.
pub fn json11_error(status: StatusCode, code: &str, message: &str, request_id: &str) -> Response {
    let mut resp = json11_ok(
        &serde_json::json!({ "__type": code, "message": message }),
        request_id,
    );
    *resp.status_mut() = status;
    resp
}

/// A Route 53 error in its XML shape.
pub fn route53_error(status: StatusCode, code: &str, message: &str, request_id: &str) -> Response {
    let body = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ErrorResponse xmlns=\"https://route53.amazonaws.com/doc/2013-04-01/\"><Error><Type>Sender</Type><Code>{}</Code><Message>{}</Message></Error><RequestId>{}</RequestId></ErrorResponse>",
        esc(code),
        esc(message),
        esc(request_id)
    );
    let mut resp = xml_ok(body);
    *resp.status_mut() = status;
    if let Ok(v) = HeaderValue::from_str(request_id) {
        resp.headers_mut().insert("x-amzn-requestid", v);
    }
    resp
}

/// Escapes text for XML.
pub fn esc(s: &str) -> String {
    quick_xml::escape::escape(s).into_owned()
}

/// An XML success response.
pub fn xml_ok(body: String) -> Response {
    let mut resp = Response::new(Body::from(body));
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/xml;charset=UTF-8"),
    );
    resp
}

/// An EC2, STS or SNS error in that protocol's XML shape.
pub fn query_error(
    service: Service,
    status: StatusCode,
    code: &str,
    message: &str,
    request_id: &str,
) -> Response {
    let body = match service {
        Service::Ec2 => format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response><Errors><Error><Code>{}</Code><Message>{}</Message></Error></Errors><RequestID>{}</RequestID></Response>",
            esc(code), esc(message), esc(request_id)
        ),
        _ => format!(
            "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><Error><Type>{}</Type><Code>{}</Code><Message>{}</Message></Error><RequestId>{}</RequestId></ErrorResponse>",
            if status.is_server_error() { "Receiver" } else { "Sender" },
            esc(code), esc(message), esc(request_id)
        ),
    };
    let mut resp = xml_ok(body);
    *resp.status_mut() = status;
    resp
}

/// The response for an injected fault, shaped as the service sends it.
pub fn fault_response(req: &Request, operation: &str, fault: Fault) -> Response {
    match (req.service, fault) {
        (Service::Drs, Fault::Throttle) => {
            let mut resp = json_error_with(
                StatusCode::TOO_MANY_REQUESTS,
                "ThrottlingException",
                &format!("Rate exceeded for {operation}"),
                &req.request_id,
                serde_json::json!({ "retryAfterSeconds": "1", "serviceCode": "drs" }),
            );
            resp.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
            resp
        }
        (Service::Drs, Fault::ServerError) => json_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "InternalServerException",
            "An internal error occurred (injected by the sandbox)",
            &req.request_id,
        ),
        (Service::Ec2, Fault::Throttle) => query_error(
            Service::Ec2,
            StatusCode::SERVICE_UNAVAILABLE,
            "RequestLimitExceeded",
            "Request limit exceeded.",
            &req.request_id,
        ),
        (Service::Ec2, Fault::ServerError) => query_error(
            Service::Ec2,
            StatusCode::INTERNAL_SERVER_ERROR,
            "InternalError",
            "An internal error has occurred (injected by the sandbox)",
            &req.request_id,
        ),
        (Service::Sts, Fault::Throttle) => query_error(
            Service::Sts,
            StatusCode::BAD_REQUEST,
            "Throttling",
            "Rate exceeded",
            &req.request_id,
        ),
        (Service::Ssm, Fault::Throttle) => json11_error(
            StatusCode::BAD_REQUEST,
            "ThrottlingException",
            &format!("Rate exceeded for {operation}"),
            &req.request_id,
        ),
        (Service::Ssm, Fault::ServerError) => json11_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "InternalServerError",
            "An internal error occurred (injected by the sandbox)",
            &req.request_id,
        ),
        (Service::Route53, Fault::Throttle) => route53_error(
            StatusCode::BAD_REQUEST,
            "Throttling",
            "Rate exceeded",
            &req.request_id,
        ),
        (Service::Route53, Fault::ServerError) => route53_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "InternalFailure",
            "An internal error occurred (injected by the sandbox)",
            &req.request_id,
        ),
        (Service::CloudWatch, Fault::Throttle) => crate::cloudwatch::error(
            StatusCode::BAD_REQUEST,
            "Throttling",
            "Rate exceeded",
            &req.request_id,
        ),
        (Service::CloudWatch, Fault::ServerError) => crate::cloudwatch::error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "InternalServiceError",
            "An internal error occurred (injected by the sandbox)",
            &req.request_id,
        ),
        (Service::Sns, Fault::Throttle) => query_error(
            Service::Sns,
            StatusCode::BAD_REQUEST,
            "Throttling",
            "Rate exceeded",
            &req.request_id,
        ),
        (Service::Sns, Fault::ServerError) => query_error(
            Service::Sns,
            StatusCode::INTERNAL_SERVER_ERROR,
            "InternalError",
            "An internal error occurred (injected by the sandbox)",
            &req.request_id,
        ),
        (Service::Events, Fault::Throttle) => json11_error(
            StatusCode::BAD_REQUEST,
            "ThrottlingException",
            &format!("Rate exceeded for {operation}"),
            &req.request_id,
        ),
        (Service::Events, Fault::ServerError) => json11_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "InternalException",
            "An internal error occurred (injected by the sandbox)",
            &req.request_id,
        ),
        (Service::Sts, Fault::ServerError) => query_error(
            Service::Sts,
            StatusCode::INTERNAL_SERVER_ERROR,
            "InternalFailure",
            "An internal error occurred (injected by the sandbox)",
            &req.request_id,
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scope_is_read_from_the_authorization_header() {
        let mut h = HeaderMap::new();
        h.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("AWS4-HMAC-SHA256 Credential=AKIAEXAMPLE/20261126/us-west-2/drs/aws4_request, SignedHeaders=host, Signature=abc"),
        );
        let uri: Uri = "/DescribeSourceServers".parse().unwrap();
        assert_eq!(
            credential_scope(&h, &uri),
            Some(("AKIAEXAMPLE".into(), "us-west-2".into(), "drs".into()))
        );
    }

    #[test]
    fn paths_are_decoded() {
        assert_eq!(
            percent_decode("/tags/arn%3Aaws%3Adrs%3Aus-west-2%3A1%3Asource-server%2Fs-1"),
            "/tags/arn:aws:drs:us-west-2:1:source-server/s-1"
        );
        assert_eq!(percent_decode("/a%2"), "/a%2");
    }
}
