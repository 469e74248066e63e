//! Report delivery over the SDK: a report put into S3 (server-side encrypted, its version read
//! back) and sent by e-mail through SES v2 as raw MIME (a plain-text summary and the report
//! attached; the MIME is made by `mail-builder`). The clients are made when a report is
//! delivered, from the target's configuration and its S3/SES endpoints; an S3 endpoint other
//! than AWS's is addressed path-style (emulators do not resolve bucket subdomains).

use crate::errors::map_err;
use crate::{retry_partition, AwsCloud};
use drs_core::cloud::CloudError;
use drs_core::delivery::{Encryption, ReportEmail, ReportObject, StoredObject};

impl AwsCloud {
    fn s3(&self) -> aws_sdk_s3::Client {
        let endpoint = self
            .endpoints
            .s3
            .clone()
            .or_else(|| self.endpoint_url.clone());
        let mut b = aws_sdk_s3::config::Builder::from(&self.config)
            .retry_partition(retry_partition(&format!("s3-{}", self.target)))
            .force_path_style(endpoint.is_some());
        b.set_endpoint_url(endpoint);
        aws_sdk_s3::Client::from_conf(b.build())
    }

    fn sesv2(&self) -> aws_sdk_sesv2::Client {
        let mut b = aws_sdk_sesv2::config::Builder::from(&self.config)
            .retry_partition(retry_partition(&format!("ses-{}", self.target)));
        b.set_endpoint_url(
            self.endpoints
                .ses
                .clone()
                .or_else(|| self.endpoint_url.clone()),
        );
        aws_sdk_sesv2::Client::from_conf(b.build())
    }

    pub(crate) async fn put_report_object(
        &self,
        o: &ReportObject<'_>,
    ) -> Result<StoredObject, CloudError> {
        let sse = match o.encryption {
            Encryption::S3Managed => aws_sdk_s3::types::ServerSideEncryption::Aes256,
            Encryption::Kms => aws_sdk_s3::types::ServerSideEncryption::AwsKms,
        };
        let out = self
            .s3()
            .put_object()
            .bucket(o.bucket)
            .key(o.key)
            .content_type(o.content_type)
            .server_side_encryption(sse)
            .set_ssekms_key_id(o.kms_key_id.map(str::to_string))
            .body(aws_sdk_s3::primitives::ByteStream::from(o.body.to_vec()))
            .send()
            .await
            .map_err(|e| self.explain(map_err("s3:PutObject", e)))?;
        Ok(StoredObject {
            version_id: out.version_id().map(str::to_string),
            etag: out.e_tag().map(str::to_string),
        })
    }

    pub(crate) async fn send_report_mail(&self, m: &ReportEmail<'_>) -> Result<String, CloudError> {
        let invalid = |message: String| CloudError::Validation {
            operation: "ses:SendEmail".into(),
            message,
            fields: Vec::new(),
            request_id: None,
        };
        let raw = mail_builder::MessageBuilder::new()
            .from(m.from)
            .to(m.to.iter().map(String::as_str).collect::<Vec<_>>())
            .subject(m.subject)
            .text_body(m.body)
            .attachment(m.content_type, m.attachment_name, m.attachment)
            .write_to_vec()
            .map_err(|e| invalid(format!("the message could not be made: {e}")))?;
        let content = aws_sdk_sesv2::types::EmailContent::builder()
            .raw(
                aws_sdk_sesv2::types::RawMessage::builder()
                    .data(aws_sdk_sesv2::primitives::Blob::new(raw))
                    .build()
                    .map_err(|e| invalid(e.to_string()))?,
            )
            .build();
        let out = self
            .sesv2()
            .send_email()
            .from_email_address(m.from)
            .destination(
                aws_sdk_sesv2::types::Destination::builder()
                    .set_to_addresses(Some(m.to.to_vec()))
                    .build(),
            )
            .content(content)
            .send()
            .await
            .map_err(|e| self.explain(map_err("ses:SendEmail", e)))?;
        Ok(out.message_id().unwrap_or_default().to_string())
    }
}
