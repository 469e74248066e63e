//! AWS formats and naming rules, each returning `Err(message)` with the exact reason.
//!
//! Tag rules follow the AWS tagging rules: keys of 1–128 and values of 0–256 Unicode characters
//! made of letters, digits, spaces and `_ . : / = + - @`; keys may not start with `aws:`.

use std::net::Ipv4Addr;

/// Longest name of a plan, group, wave or target.
pub const MAX_NAME_CHARS: usize = 128;
/// Longest tag key (AWS rule).
pub const MAX_TAG_KEY_CHARS: usize = 128;
/// Longest tag value (AWS rule).
pub const MAX_TAG_VALUE_CHARS: usize = 256;

/// Checks a display name (plan, group, wave, target): 1–128 characters, no control characters,
/// no leading or trailing spaces.
pub fn check_name(what: &str, name: &str) -> Result<(), String> {
    if name.trim().is_empty() {
        return Err(format!("{what} name must not be empty"));
    }
    if name.trim() != name {
        return Err(format!(
            "{what} name \"{name}\" has leading or trailing spaces"
        ));
    }
    let chars = name.chars().count();
    if chars > MAX_NAME_CHARS {
        return Err(format!(
            "{what} name is {chars} characters long; at most {MAX_NAME_CHARS} are allowed"
        ));
    }
    if let Some(c) = name.chars().find(|c| c.is_control()) {
        return Err(format!(
            "{what} name contains the control character U+{:04X}",
            c as u32
        ));
    }
    if let Some(c) = bidi_control(name) {
        return Err(format!(
            "{what} name contains the bidirectional control character U+{:04X}, which makes \
             it read differently from what it is",
            c as u32
        ));
    }
    Ok(())
}

/// The first Unicode bidirectional control character in `text` (embeddings, overrides,
/// isolates and marks: what "Trojan Source" text uses to show one thing and be another).
pub fn bidi_control(text: &str) -> Option<char> {
    text.chars().find(|&c| is_bidi_control(c))
}

/// Whether `c` is a Unicode bidirectional control character (see [`bidi_control`]).
pub fn is_bidi_control(c: char) -> bool {
    matches!(
        c,
        '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'
    )
}

fn tag_char_allowed(c: char) -> bool {
    c.is_alphanumeric() || c.is_whitespace() && !c.is_control() || "_.:/=+-@".contains(c)
}

/// Checks a tag key by the AWS tag rules.
pub fn check_tag_key(key: &str) -> Result<(), String> {
    let chars = key.chars().count();
    if chars == 0 {
        return Err("tag key must not be empty".into());
    }
    if chars > MAX_TAG_KEY_CHARS {
        return Err(format!(
            "tag key is {chars} characters long; AWS allows at most {MAX_TAG_KEY_CHARS}"
        ));
    }
    if key.to_ascii_lowercase().starts_with("aws:") {
        return Err(format!(
            "tag key \"{key}\" starts with \"aws:\", which AWS reserves for its own tags"
        ));
    }
    if let Some(c) = key.chars().find(|c| !tag_char_allowed(*c)) {
        return Err(format!(
            "tag key \"{key}\" contains \"{}\"; AWS allows letters, digits, spaces and _ . : / = + - @",
            c.escape_default()
        ));
    }
    Ok(())
}

/// Checks a tag value by the AWS tag rules.
pub fn check_tag_value(key: &str, value: &str) -> Result<(), String> {
    let chars = value.chars().count();
    if chars > MAX_TAG_VALUE_CHARS {
        return Err(format!(
            "value of tag \"{key}\" is {chars} characters long; AWS allows at most {MAX_TAG_VALUE_CHARS}"
        ));
    }
    if let Some(c) = value.chars().find(|c| !tag_char_allowed(*c)) {
        return Err(format!(
            "value of tag \"{key}\" contains \"{}\"; AWS allows letters, digits, spaces and _ . : / = + - @",
            c.escape_default()
        ));
    }
    Ok(())
}

/// Checks an AWS account ID: exactly 12 digits.
pub fn check_account_id(id: &str) -> Result<(), String> {
    if id.len() == 12 && id.bytes().all(|b| b.is_ascii_digit()) {
        Ok(())
    } else {
        Err(format!(
            "account ID \"{id}\" is not valid: an AWS account ID is exactly 12 digits"
        ))
    }
}

/// Checks an AWS region code such as `us-east-1`, `eu-central-2`, `us-gov-west-1` or
/// `ap-southeast-5`: lowercase parts separated by hyphens, ending in a number.
pub fn check_region(region: &str) -> Result<(), String> {
    let bad = || {
        Err(format!(
            "region \"{region}\" is not a valid AWS region code (expected a form like us-east-1)"
        ))
    };
    let parts: Vec<&str> = region.split('-').collect();
    if parts.len() < 3 || parts.len() > 4 {
        return bad();
    }
    let (last, head) = match parts.split_last() {
        Some(split) => split,
        None => return bad(),
    };
    if last.is_empty() || !last.bytes().all(|b| b.is_ascii_digit()) {
        return bad();
    }
    if head[0].len() != 2 {
        return bad();
    }
    if head
        .iter()
        .any(|p| p.is_empty() || !p.bytes().all(|b| b.is_ascii_lowercase()))
    {
        return bad();
    }
    Ok(())
}

/// Checks an IAM role ARN: `arn:<partition>:iam::<12 digits>:role/<path/name>`.
pub fn check_role_arn(arn: &str) -> Result<(), String> {
    let bad = |why: &str| {
        Err(format!(
            "role ARN \"{arn}\" is not valid: {why} (expected arn:aws:iam::123456789012:role/Name)"
        ))
    };
    let Some(rest) = arn.strip_prefix("arn:") else {
        return bad("it must start with arn:");
    };
    let Some((partition, rest)) = rest.split_once(':') else {
        return bad("no partition");
    };
    if !matches!(
        partition,
        "aws" | "aws-cn" | "aws-us-gov" | "aws-iso" | "aws-iso-b"
    ) {
        return bad(&format!("unknown partition \"{partition}\""));
    }
    let Some(rest) = rest.strip_prefix("iam::") else {
        return bad("the service must be iam with an empty region");
    };
    let Some((account, resource)) = rest.split_once(':') else {
        return bad("no account ID");
    };
    if account.len() != 12 || !account.bytes().all(|b| b.is_ascii_digit()) {
        return bad(&format!("account \"{account}\" is not 12 digits"));
    }
    let Some(name) = resource.strip_prefix("role/") else {
        return bad("the resource must be role/<name>");
    };
    let name_ok = !name.is_empty()
        && name.len() <= 512
        && !name.ends_with('/')
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"+=,.@_-/".contains(&b));
    if !name_ok {
        return bad("the role name may hold letters, digits and + = , . @ _ - /");
    }
    Ok(())
}

/// The account ID inside a role ARN (`None` when the ARN is not valid).
pub fn role_arn_account(arn: &str) -> Option<&str> {
    check_role_arn(arn).ok()?;
    arn.split(':').nth(4)
}

/// Checks an STS role session name: 2–64 of letters, digits and `+ = , . @ _ -`.
pub fn check_session_name(name: &str) -> Result<(), String> {
    let ok = (2..=64).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"+=,.@_-".contains(&b));
    if ok {
        Ok(())
    } else {
        Err(format!(
            "session name \"{name}\" is not valid: 2–64 letters, digits or + = , . @ _ -"
        ))
    }
}

/// Checks an AWS access key ID: 16–128 uppercase letters or digits (e.g. `AKIA…`, `ASIA…`).
pub fn check_access_key_id(id: &str) -> Result<(), String> {
    if id.trim().is_empty() {
        return Err("access key ID must not be empty".into());
    }
    let ok = (16..=128).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit());
    if ok {
        Ok(())
    } else {
        Err(format!(
            "access key ID \"{id}\" is not valid: 16–128 uppercase letters or digits, like AKIAIOSFODNN7EXAMPLE"
        ))
    }
}

/// Checks an endpoint URL: absolute http(s) with a host, no credentials, query or fragment.
pub fn check_endpoint_url(text: &str) -> Result<(), String> {
    let url = url::Url::parse(text)
        .map_err(|e| format!("endpoint URL \"{text}\" is not a valid URL: {e}"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(format!(
            "endpoint URL \"{text}\" must use http:// or https://, not {}://",
            url.scheme()
        ));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(format!("endpoint URL \"{text}\" has no host"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        // Not echoed: the text holds what may be a password.
        return Err("endpoint URL must not carry a user name or password".into());
    }
    let loopback = match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    };
    if url.scheme() == "http" && !loopback {
        return Err(format!(
            "endpoint URL \"{text}\" must use https:// (plain http:// is allowed only for this \
             machine: localhost, 127.0.0.1, [::1]); credentials would cross the network in clear"
        ));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(format!(
            "endpoint URL \"{text}\" must not have a query or fragment"
        ));
    }
    Ok(())
}

fn check_prefixed_hex(what: &str, prefix: &str, id: &str) -> Result<(), String> {
    let ok = id
        .strip_prefix(prefix)
        .is_some_and(|rest| rest.len() >= 8 && rest.bytes().all(|b| b.is_ascii_hexdigit()));
    if ok {
        Ok(())
    } else {
        Err(format!(
            "{what} \"{id}\" is not valid (expected {prefix} followed by at least 8 hexadecimal digits)"
        ))
    }
}

/// Checks a DRS source server ID: `s-` followed by 17 letters or digits.
pub fn check_source_server_id(id: &str) -> Result<(), String> {
    let ok = id
        .strip_prefix("s-")
        .is_some_and(|rest| rest.len() == 17 && rest.bytes().all(|b| b.is_ascii_alphanumeric()));
    if ok {
        Ok(())
    } else {
        Err(format!(
            "source server ID \"{id}\" is not valid (expected s- followed by 17 letters or digits)"
        ))
    }
}

/// Checks a VPC subnet ID (`subnet-…`).
pub fn check_subnet_id(id: &str) -> Result<(), String> {
    check_prefixed_hex("subnet ID", "subnet-", id)
}

/// Checks a security group ID (`sg-…`).
pub fn check_security_group_id(id: &str) -> Result<(), String> {
    check_prefixed_hex("security group ID", "sg-", id)
}

/// Checks an EC2 instance ID (`i-…`).
pub fn check_instance_id(id: &str) -> Result<(), String> {
    check_prefixed_hex("EC2 instance ID", "i-", id)
}

/// Checks the form of an EC2 instance type such as `m5.large` or `c7gn.16xlarge`.
pub fn check_instance_type(instance_type: &str) -> Result<(), String> {
    let ok = match instance_type.split_once('.') {
        Some((family, size)) => {
            !family.is_empty()
                && !size.is_empty()
                && family
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
                && size
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        }
        None => false,
    };
    if ok {
        Ok(())
    } else {
        Err(format!(
            "instance type \"{instance_type}\" is not valid (expected a form like m5.large)"
        ))
    }
}

/// Checks a static private IPv4 address.
pub fn check_private_ipv4(ip: &str) -> Result<Ipv4Addr, String> {
    let addr: Ipv4Addr = ip
        .parse()
        .map_err(|_| format!("private IP \"{ip}\" is not a valid IPv4 address"))?;
    if !addr.is_private() {
        return Err(format!(
            "private IP \"{ip}\" is not in a private range (10/8, 172.16/12, 192.168/16)"
        ));
    }
    Ok(addr)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn account_ids() {
        assert!(check_account_id("123456789012").is_ok());
        assert_eq!(
            check_account_id("12345678901").unwrap_err(),
            "account ID \"12345678901\" is not valid: an AWS account ID is exactly 12 digits"
        );
        assert!(check_account_id("12345678901a").is_err());
    }

    #[test]
    fn regions() {
        for ok in [
            "us-east-1",
            "eu-central-2",
            "us-gov-west-1",
            "ap-southeast-5",
        ] {
            assert!(check_region(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "us-east",
            "US-EAST-1",
            "useast1",
            "us-east-1a",
            "u-east-1",
            "us--1",
        ] {
            assert!(check_region(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn tags() {
        assert!(check_tag_key("Application").is_ok());
        assert!(check_tag_key("team:owner/x=y+z-@_.").is_ok());
        assert!(check_tag_key("Umgebung Größe").is_ok());
        assert_eq!(
            check_tag_key("aws:cloudformation").unwrap_err(),
            "tag key \"aws:cloudformation\" starts with \"aws:\", which AWS reserves for its own tags"
        );
        assert!(check_tag_key("").is_err());
        assert!(check_tag_key(&"k".repeat(129)).is_err());
        assert!(check_tag_key("bad#key").is_err());
        assert!(check_tag_value("k", "").is_ok());
        assert!(check_tag_value("k", &"v".repeat(257)).is_err());
        assert!(check_tag_value("k", "tab\there").is_err());
    }

    #[test]
    fn ids() {
        assert!(check_source_server_id("s-1234567890abcdef0").is_ok());
        assert!(check_source_server_id("s-123").is_err());
        assert!(check_subnet_id("subnet-0abc1234").is_ok());
        assert!(check_subnet_id("subnet-xyz").is_err());
        assert!(check_security_group_id("sg-0123456789abcdef0").is_ok());
        assert!(check_instance_type("m5.large").is_ok());
        assert!(check_instance_type("m5").is_err());
        assert!(check_private_ipv4("10.0.1.20").is_ok());
        assert!(check_private_ipv4("8.8.8.8").is_err());
        assert!(check_private_ipv4("10.0.1").is_err());
    }

    #[test]
    fn names() {
        assert!(check_name("plan", "Shop DR").is_ok());
        assert_eq!(
            check_name("plan", "  ").unwrap_err(),
            "plan name must not be empty"
        );
        assert!(check_name("plan", " x").is_err());
        assert!(check_name("plan", "a\u{7}b").is_err());
        // "retail-dr" shown, "rd-liater" stored: an override makes a name lie.
        let lying = check_name("plan", "retail\u{202E}rd-").unwrap_err();
        assert!(lying.contains("U+202E"), "{lying}");
        assert!(check_name("wave", "a\u{2066}b\u{2069}").is_err());
        assert!(
            check_name("plan", "שלום DR").is_ok(),
            "right-to-left letters are fine"
        );
    }
}
