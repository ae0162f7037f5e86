//! The site's response headers as template.yaml declares them for
//! CloudFront (`SiteResponseHeadersPolicy`), so that the local front door
//! sends exactly what the cloud sends: the one place they are written is
//! the template.

use anyhow::{Context, Result, bail};
use serde_yaml::Value;

use super::Template;

/// The policy's logical id.
pub const POLICY: &str = "SiteResponseHeadersPolicy";

/// The variable of the CSP's `!Sub` that names the media bucket's origin
/// (uploads are PUT there and videos played from there).
const MEDIA_ORIGIN: &str = "MediaOrigin";

impl Template {
    /// The headers CloudFront adds to every page of the site, with the media
    /// bucket's origin in the Content-Security-Policy replaced by
    /// `media_origin` (locally, MiniStack's endpoint).
    pub fn site_headers(&self, media_origin: &str) -> Result<Vec<(&'static str, String)>> {
        let policy = self
            .resource(POLICY)
            .with_context(|| format!("template.yaml has no {POLICY}"))?;
        let security = policy
            .properties
            .get("ResponseHeadersPolicyConfig")
            .and_then(|c| c.get("SecurityHeadersConfig"))
            .with_context(|| format!("{POLICY} has no SecurityHeadersConfig"))?;
        let part = |name: &str| security.get(name);
        let text = |v: Option<&Value>, key: &str| -> Result<String> {
            v.and_then(|v| v.get(key))
                .and_then(|v| self.scalar(v))
                .with_context(|| format!("{POLICY}: no {key}"))
        };

        let mut headers = Vec::new();
        let csp = part("ContentSecurityPolicy")
            .and_then(|c| c.get("ContentSecurityPolicy"))
            .context("no ContentSecurityPolicy")?;
        headers.push((
            "content-security-policy",
            substitute_media_origin(csp, media_origin)?,
        ));
        if let Some(hsts) = part("StrictTransportSecurity") {
            let mut value = format!("max-age={}", text(Some(hsts), "AccessControlMaxAgeSec")?);
            if hsts.get("IncludeSubdomains").and_then(Value::as_bool) == Some(true) {
                value.push_str("; includeSubDomains");
            }
            if hsts.get("Preload").and_then(Value::as_bool) == Some(true) {
                value.push_str("; preload");
            }
            headers.push(("strict-transport-security", value));
        }
        if part("ContentTypeOptions").is_some() {
            headers.push(("x-content-type-options", "nosniff".to_owned()));
        }
        if let Some(frame) = part("FrameOptions") {
            headers.push(("x-frame-options", text(Some(frame), "FrameOption")?));
        }
        if let Some(referrer) = part("ReferrerPolicy") {
            headers.push(("referrer-policy", text(Some(referrer), "ReferrerPolicy")?));
        }
        Ok(headers)
    }
}

/// The CSP's `!Sub [text, {MediaOrigin: …}]` with `${MediaOrigin}` replaced;
/// any other variable is an error, as it would have no local value.
fn substitute_media_origin(csp: &Value, media_origin: &str) -> Result<String> {
    let Value::Tagged(sub) = csp else {
        return csp
            .as_str()
            .map(str::to_owned)
            .context("ContentSecurityPolicy is not text");
    };
    let text = match &sub.value {
        Value::Sequence(parts) => parts.first().and_then(Value::as_str),
        other => other.as_str(),
    }
    .context("ContentSecurityPolicy's !Sub has no text")?;
    let out = text.replace(&format!("${{{MEDIA_ORIGIN}}}"), media_origin);
    if let Some(at) = out.find("${") {
        bail!(
            "ContentSecurityPolicy names {} locally unknown; only ${{{MEDIA_ORIGIN}}} is",
            &out[at..]
        );
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_projects_pages_get_a_strict_policy_naming_the_media_origin() {
        let headers = Template::project()
            .unwrap()
            .site_headers("http://127.0.0.1:4566")
            .unwrap();
        let get = |name: &str| {
            headers
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| v.as_str())
        };
        let csp = get("content-security-policy").unwrap();
        for directive in [
            "default-src 'self'",
            "script-src 'self'",
            "frame-ancestors 'none'",
            "connect-src 'self' http://127.0.0.1:4566",
            "media-src http://127.0.0.1:4566",
        ] {
            assert!(csp.contains(directive), "{directive} in {csp}");
        }
        assert!(!csp.contains("unsafe"), "{csp}");
        assert_eq!(get("x-content-type-options"), Some("nosniff"));
        assert_eq!(get("x-frame-options"), Some("DENY"));
        assert!(
            get("strict-transport-security")
                .unwrap()
                .starts_with("max-age=")
        );
    }

    #[test]
    fn a_variable_with_no_local_value_is_refused() {
        let t = Template::parse(
            r#"
Resources:
  SiteResponseHeadersPolicy:
    Type: AWS::CloudFront::ResponseHeadersPolicy
    Properties:
      ResponseHeadersPolicyConfig:
        SecurityHeadersConfig:
          ContentSecurityPolicy:
            ContentSecurityPolicy: !Sub "connect-src ${AWS::Region}"
"#,
        )
        .unwrap();
        let e = t.site_headers("http://x").unwrap_err().to_string();
        assert!(e.contains("${AWS::Region}"), "{e}");
    }
}
