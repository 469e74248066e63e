//! STS (awsQuery protocol): GetCallerIdentity and AssumeRole with role trust and ExternalId
//! enforced.

use crate::estate::Principal;
use crate::protocol::{esc, query_error, xml_ok, Request, Service};
use crate::Shared;
use axum::http::StatusCode;
use axum::response::Response;

const NS: &str = "https://sts.amazonaws.com/doc/2011-06-15/";

fn err(req: &Request, status: StatusCode, code: &str, message: &str) -> Response {
    query_error(Service::Sts, status, code, message, &req.request_id)
}

pub(crate) fn handle(shared: &Shared, req: &Request, op: &str) -> Response {
    let Some(caller) = shared.with_estate(|e| e.principal(&req.access_key).cloned()) else {
        return err(
            req,
            StatusCode::FORBIDDEN,
            "InvalidClientTokenId",
            "The security token included in the request is invalid.",
        );
    };
    match op {
        "GetCallerIdentity" => xml_ok(format!(
            "<GetCallerIdentityResponse xmlns=\"{NS}\"><GetCallerIdentityResult><Arn>{}</Arn><UserId>{}</UserId><Account>{}</Account></GetCallerIdentityResult><ResponseMetadata><RequestId>{}</RequestId></ResponseMetadata></GetCallerIdentityResponse>",
            esc(&caller.arn), esc(&caller.user_id), esc(&caller.account), esc(&req.request_id)
        )),
        "AssumeRole" => assume_role(shared, req, &caller),
        "" => err(req, StatusCode::BAD_REQUEST, "MissingAction", "The request has no Action parameter"),
        other => err(req, StatusCode::BAD_REQUEST, "UnknownOperationException", &format!("The sandbox does not implement sts:{other}")),
    }
}

fn assume_role(shared: &Shared, req: &Request, caller: &Principal) -> Response {
    let Some(role_arn) = req.param("RoleArn") else {
        return err(req, StatusCode::BAD_REQUEST, "ValidationError", "1 validation error detected: Value null at 'roleArn' failed to satisfy constraint: Member must not be null");
    };
    let Some(session) = req.param("RoleSessionName").filter(|s| !s.is_empty()) else {
        return err(req, StatusCode::BAD_REQUEST, "ValidationError", "1 validation error detected: Value null at 'roleSessionName' failed to satisfy constraint: Member must not be null");
    };
    let denied = || {
        err(
            req,
            StatusCode::FORBIDDEN,
            "AccessDenied",
            &format!(
                "User: {} is not authorized to perform: sts:AssumeRole on resource: {role_arn}",
                caller.arn
            ),
        )
    };
    let Some((account, name)) = role_arn
        .strip_prefix("arn:aws:iam::")
        .and_then(|r| r.split_once(":role/"))
    else {
        return err(
            req,
            StatusCode::BAD_REQUEST,
            "ValidationError",
            &format!("{role_arn} is not a valid role ARN"),
        );
    };
    let external_id = req.param("ExternalId");
    shared.with_estate(|e| {
        let Some(role) = e
            .accounts
            .get(account)
            .and_then(|a| a.spec.roles.iter().find(|r| r.name == name))
            .cloned()
        else {
            return denied();
        };
        let trusted = caller.account == account || role.trusted_accounts.iter().any(|t| t == &caller.account);
        let external_ok = match &role.external_id {
            Some(required) => external_id == Some(required.as_str()),
            None => true,
        };
        if !trusted || !external_ok {
            return denied();
        }
        let key = format!("ASIA{}", &e.next_id("")[1..].to_uppercase());
        let role_id = format!("AROA{}", &name.to_uppercase().chars().filter(char::is_ascii_alphanumeric).take(12).collect::<String>());
        let arn = format!("arn:aws:sts::{account}:assumed-role/{name}/{session}");
        e.add_principal(
            key.clone(),
            Principal {
                account: account.to_string(),
                arn: arn.clone(),
                user_id: format!("{role_id}:{session}"),
            },
        );
        let expiration = crate::estate::iso(time::OffsetDateTime::now_utc() + time::Duration::hours(1));
        xml_ok(format!(
            "<AssumeRoleResponse xmlns=\"{NS}\"><AssumeRoleResult><AssumedRoleUser><AssumedRoleId>{}</AssumedRoleId><Arn>{}</Arn></AssumedRoleUser><Credentials><AccessKeyId>{}</AccessKeyId><SecretAccessKey>sandbox/assumed/secret/{}</SecretAccessKey><SessionToken>sandbox-session-token-{}</SessionToken><Expiration>{}</Expiration></Credentials></AssumeRoleResult><ResponseMetadata><RequestId>{}</RequestId></ResponseMetadata></AssumeRoleResponse>",
            esc(&format!("{role_id}:{session}")), esc(&arn), esc(&key), esc(&key), esc(&key), expiration, esc(&req.request_id)
        ))
    })
}
