//! SDK errors → [`CloudError`], keeping the AWS request ID and, for DRS validation errors, the
//! offending fields.

use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::display::DisplayErrorContext;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use aws_types::request_id::RequestId;
use drs_core::cloud::CloudError;

/// Fields named in a DRS `ValidationException` body (`fieldList[].name`).
fn field_list(body: Option<&[u8]>) -> Vec<String> {
    body.and_then(|b| serde_json::from_slice::<serde_json::Value>(b).ok())
        .and_then(|v| v.get("fieldList").and_then(|f| f.as_array()).cloned())
        .map(|list| {
            list.iter()
                .filter_map(|f| f.get("name").and_then(|n| n.as_str()).map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// The error and its causes, each once, without Debug dumps: "dispatch failure: io error: …".
fn cause_chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut current: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(e) = current {
        let text = e.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        current = e.source();
    }
    parts.join(": ")
}

/// The text between `<tag>` and `</tag>` in an XML body.
fn xml_text<'a>(body: &'a str, tag: &str) -> Option<&'a str> {
    let start = body.find(&format!("<{tag}>"))? + tag.len() + 2;
    let end = start + body[start..].find(&format!("</{tag}>"))?;
    Some(&body[start..end])
}

/// The STS error inside a credentials failure (AssumeRole refused while loading credentials),
/// as `(code, message)`. When the body is not in the standard shape (some emulators use EC2's
/// `<Errors>` wrapper), the code and message are read from the raw XML, and a 403 without a
/// code is access denied.
fn sts_refusal(err: &(dyn std::error::Error + 'static)) -> Option<(String, String)> {
    use aws_sdk_sts::operation::assume_role::AssumeRoleError;
    type AssumeRoleSdkError = SdkError<AssumeRoleError, aws_smithy_runtime_api::http::Response>;
    let mut current: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(e) = current {
        if let Some(SdkError::ServiceError(service)) = e.downcast_ref::<AssumeRoleSdkError>() {
            let body = service
                .raw()
                .body()
                .bytes()
                .map(String::from_utf8_lossy)
                .unwrap_or_default();
            let code = service
                .err()
                .code()
                .map(str::to_string)
                .or_else(|| xml_text(&body, "Code").map(str::to_string))
                .unwrap_or_else(|| match service.raw().status().as_u16() {
                    403 => "AccessDenied".into(),
                    other => format!("HTTP {other}"),
                });
            let message = service
                .err()
                .message()
                .map(str::to_string)
                .or_else(|| xml_text(&body, "Message").map(str::to_string))
                .unwrap_or_default();
            return Some((code, message));
        }
        if let Some(sts) = e.downcast_ref::<AssumeRoleError>() {
            return Some((
                sts.code().unwrap_or("Unknown").to_string(),
                sts.message().unwrap_or("").to_string(),
            ));
        }
        current = e.source();
    }
    None
}

/// Maps any SDK error of `operation` (e.g. `drs:DescribeSourceServers`).
pub fn map_err<E>(
    operation: &str,
    err: SdkError<E, aws_smithy_runtime_api::http::Response>,
) -> CloudError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    let op = operation.to_string();
    match &err {
        SdkError::ServiceError(service) => {
            let e = service.err();
            let code = e.code().unwrap_or("Unknown").to_string();
            let message = e.message().unwrap_or("").to_string();
            let request_id = e.meta().request_id().map(str::to_string).or_else(|| {
                service
                    .raw()
                    .headers()
                    .get("x-amzn-requestid")
                    .map(str::to_string)
            });
            classify(op, code, message, request_id, service.raw().body().bytes())
        }
        SdkError::TimeoutError(_) | SdkError::DispatchFailure(_) => {
            if let Some((code, message)) = sts_refusal(&err) {
                return CloudError::Credentials(format!(
                    "sts:AssumeRole was refused ({code}): {message}"
                ));
            }
            let text = cause_chain(&err);
            if text.contains("credential") || text.contains("token") && text.contains("expired") {
                CloudError::Credentials(text)
            } else {
                CloudError::Network {
                    operation: op,
                    message: text,
                }
            }
        }
        _ => {
            let text = DisplayErrorContext(&err).to_string();
            if text.contains("credentials") || text.contains("identity") {
                CloudError::Credentials(text)
            } else {
                CloudError::Service {
                    operation: op,
                    code: "ClientError".into(),
                    message: text,
                    request_id: None,
                }
            }
        }
    }
}

fn classify(
    operation: String,
    code: String,
    message: String,
    request_id: Option<String>,
    body: Option<&[u8]>,
) -> CloudError {
    match code.as_str() {
        "ThrottlingException"
        | "Throttling"
        | "RequestLimitExceeded"
        | "TooManyRequestsException"
        // Route 53: the previous change to the same records is still being applied.
        | "PriorRequestNotComplete" => CloudError::Throttled {
            operation,
            request_id,
        },
        "AccessDeniedException"
        | "AccessDenied"
        | "UnauthorizedOperation"
        | "UnrecognizedClientException"
        | "InvalidClientTokenId"
        | "AuthFailure" => CloudError::AccessDenied {
            operation,
            message,
            request_id,
        },
        // Expired temporary credentials are renewed (an SSO login, a new role session): the
        // request was not carried out and is worth another try.
        "ExpiredToken" | "ExpiredTokenException" | "RequestExpired" => {
            CloudError::Credentials(format!("{operation}: {code}: {message}"))
        }
        "ResourceNotFoundException"
        // SSM and Route 53.
        | "InvalidDocument"
        | "InvalidCommandId"
        | "AutomationDefinitionNotFoundException"
        | "AutomationExecutionNotFoundException"
        | "NoSuchHostedZone"
        | "NoSuchChange" => CloudError::NotFound {
            operation,
            message,
            request_id,
        },
        c if c.ends_with(".NotFound") => CloudError::NotFound {
            operation,
            message,
            request_id,
        },
        "ValidationException"
        | "ValidationError"
        | "InvalidParameterValue"
        | "InvalidParameterCombination"
        | "MissingParameter"
        // SSM and Route 53.
        | "InvalidInstanceId"
        | "InvalidParameters"
        | "InvalidAutomationExecutionParametersException"
        | "InvalidInput"
        | "InvalidChangeBatch" => CloudError::Validation {
            operation,
            message,
            fields: field_list(body),
            request_id,
        },
        "ServiceQuotaExceededException" => CloudError::QuotaExceeded {
            operation,
            message,
            request_id,
        },
        "ConflictException" => CloudError::Conflict {
            operation,
            message,
            request_id,
        },
        _ => CloudError::Service {
            operation,
            code,
            message,
            request_id,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xml_text_reads_one_element() {
        let body = "<ErrorResponse><Errors><Error><Code>AccessDenied</Code><Message>no &amp; never</Message></Error></Errors></ErrorResponse>";
        assert_eq!(xml_text(body, "Code"), Some("AccessDenied"));
        assert_eq!(xml_text(body, "Message"), Some("no &amp; never"));
        assert_eq!(xml_text(body, "RequestId"), None);
    }

    #[test]
    fn codes_map_to_domain_errors() {
        let e = classify(
            "drs:X".into(),
            "ThrottlingException".into(),
            "slow".into(),
            Some("r-1".into()),
            None,
        );
        assert_eq!(
            e.to_string(),
            "drs:X: AWS kept throttling the request after retries (request ID r-1)"
        );
        let body =
            br#"{"message":"bad","fieldList":[{"name":"launchIntoEC2InstanceID","message":"x"}]}"#;
        let e = classify(
            "drs:Update".into(),
            "ValidationException".into(),
            "bad".into(),
            None,
            Some(body),
        );
        assert!(
            matches!(&e, CloudError::Validation { fields, .. } if fields == &vec!["launchIntoEC2InstanceID".to_string()])
        );
        let e = classify(
            "ec2:StartInstances".into(),
            "InvalidInstanceID.NotFound".into(),
            "gone".into(),
            None,
            None,
        );
        assert!(matches!(e, CloudError::NotFound { .. }));
        let e = classify(
            "sts:AssumeRole".into(),
            "AccessDenied".into(),
            "no".into(),
            None,
            None,
        );
        assert!(matches!(e, CloudError::AccessDenied { .. }));
    }
}
